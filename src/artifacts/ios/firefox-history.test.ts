import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { BROWSER_DB, PATH } from "../../testing/fixtures/firefox-browser-db.js";
import { type FirefoxHistoryRecord, firefoxHistoryArtifact } from "./firefox-history.js";

describe("ios/firefox-history", () => {
  it("joins visits to history with µs times, visit types and sync origin", async () => {
    const { status, data } = await collectArtifact(firefoxHistoryArtifact, { [PATH]: { sql: BROWSER_DB } });
    expect(status).toMatchObject({ status: "found", records: 2, warnings: [] });
    const where = { container: "group.org.mozilla.ios.Firefox" };
    expect(data as FirefoxHistoryRecord[]).toEqual([
      {
        rowId: 1,
        siteId: 1,
        url: "https://evil.test/x",
        title: "X",
        visitedAt: "2022-04-15T05:20:00.123Z",
        visitType: 6,
        visitTypeName: "redirect_temporary",
        isLocal: true,
        ...where,
      },
      {
        rowId: 2,
        siteId: 1,
        url: "https://evil.test/x",
        title: "X",
        visitedAt: "2022-04-15T05:20:01.000Z",
        visitType: 2,
        visitTypeName: "typed",
        isLocal: false,
        ...where,
      },
    ]);
    const first = data[0] as FirefoxHistoryRecord;
    expect(firefoxHistoryArtifact.observables(first)).toEqual([
      { kind: "url", value: "https://evil.test/x", field: "url" },
    ]);
    expect(firefoxHistoryArtifact.events(first)).toEqual([
      {
        at: "2022-04-15T05:20:00.123Z",
        event: "firefox_visit",
        description: "Firefox visited https://evil.test/x",
      },
    ]);
  });

  it("reads an old schema without type or is_local, and tolerates garbage dates", async () => {
    const { data } = await collectArtifact(firefoxHistoryArtifact, {
      [PATH]: {
        sql: `CREATE TABLE history (id INTEGER PRIMARY KEY, url TEXT);
       CREATE TABLE visits (id INTEGER PRIMARY KEY, siteID INTEGER, date REAL);
       INSERT INTO history VALUES (1, 'https://a.test/');
       INSERT INTO visits VALUES (1, 1, 'never'), (2, 1, 1650000000);`,
      },
    });
    expect(data).toEqual([
      { rowId: 1, siteId: 1, url: "https://a.test/", container: "group.org.mozilla.ios.Firefox" },
      {
        rowId: 2,
        siteId: 1,
        url: "https://a.test/",
        visitedAt: "2022-04-15T05:20:00.000Z",
        container: "group.org.mozilla.ios.Firefox",
      },
    ]);
  });
});
