import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { BROWSER_DB, PATH } from "../../testing/fixtures/firefox-browser-db.js";
import { type FirefoxFaviconRecord, firefoxFaviconsArtifact } from "./firefox-favicons.js";

describe("ios/firefox-favicons", () => {
  it("links favicons to their pages, keeping icons whose page is gone", async () => {
    const { status, data } = await collectArtifact(firefoxFaviconsArtifact, { [PATH]: { sql: BROWSER_DB } });
    expect(status).toMatchObject({ status: "found", records: 2, warnings: [] });
    expect(data as FirefoxFaviconRecord[]).toEqual([
      {
        rowId: 4,
        iconId: 1,
        siteId: 1,
        url: "https://evil.test/x",
        iconUrl: "https://evil.test/favicon.ico",
        width: 32,
        height: 32,
        type: 1,
        at: "2022-04-15T05:20:00.500Z",
        container: "group.org.mozilla.ios.Firefox",
      },
      {
        rowId: 5,
        iconId: 2,
        iconUrl: "https://gone.test/i.ico",
        type: 0,
        container: "group.org.mozilla.ios.Firefox",
      },
    ]);
    const [first, second] = data as FirefoxFaviconRecord[];
    expect(firefoxFaviconsArtifact.observables(first!)).toEqual([
      { kind: "url", value: "https://evil.test/x", field: "url" },
      { kind: "url", value: "https://evil.test/favicon.ico", field: "iconUrl" },
    ]);
    expect(firefoxFaviconsArtifact.observables(second!)).toEqual([
      { kind: "url", value: "https://gone.test/i.ico", field: "iconUrl" },
    ]);
    expect(firefoxFaviconsArtifact.events(first!)).toEqual([
      {
        at: "2022-04-15T05:20:00.500Z",
        event: "firefox_favicon",
        description: "Firefox stored favicon https://evil.test/favicon.ico for https://evil.test/x",
      },
    ]);
  });

  it("caps huge icon URLs and skips rows without one", async () => {
    const { data } = await collectArtifact(firefoxFaviconsArtifact, {
      [PATH]: {
        sql: `${BROWSER_DB}
       INSERT INTO favicons VALUES (3, '${"i".repeat(70_000)}', 'w', NULL, 'x', 'y');
       INSERT INTO favicon_sites VALUES (7, 1, 3);`,
      },
    });
    const huge = (data as FirefoxFaviconRecord[])[2]!;
    expect(huge.iconUrl).toHaveLength(65_536);
    expect(huge.truncated).toEqual(["iconUrl"]);
    expect(huge.width).toBeUndefined();
    expect(huge.at).toBeUndefined();
  });
});
