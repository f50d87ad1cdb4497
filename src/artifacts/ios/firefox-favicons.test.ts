import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactDefinition, ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import { type FirefoxFaviconRecord, firefoxFaviconsArtifact } from "./firefox-favicons.js";

const PATH =
  "/private/var/mobile/Containers/Shared/AppGroup/group.org.mozilla.ios.Firefox/profile.profile/browser.db";

const BROWSER_DB = `
CREATE TABLE history (id INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT NOT NULL UNIQUE, url TEXT UNIQUE, title TEXT NOT NULL,
  server_modified INTEGER, local_modified INTEGER, is_deleted TINYINT NOT NULL, should_upload TINYINT NOT NULL, domain_id INTEGER);
CREATE TABLE visits (id INTEGER PRIMARY KEY AUTOINCREMENT, siteID INTEGER NOT NULL, date REAL NOT NULL, type INTEGER NOT NULL,
  is_local TINYINT NOT NULL);
CREATE TABLE favicons (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, width INTEGER, height INTEGER,
  type INTEGER NOT NULL, date REAL NOT NULL);
CREATE TABLE favicon_sites (id INTEGER PRIMARY KEY AUTOINCREMENT, siteID INTEGER NOT NULL, faviconID INTEGER NOT NULL);
INSERT INTO history VALUES (1, 'g1', 'https://evil.test/x', 'X', NULL, NULL, 0, 0, NULL), (2, 'g2', NULL, '', NULL, NULL, 1, 0, NULL);
INSERT INTO visits VALUES (1, 1, 1650000000123456, 6, 1), (2, 1, 1650000001000000, 2, 0), (3, 2, 1650000002000000, 1, 1);
INSERT INTO favicons VALUES (1, 'https://evil.test/favicon.ico', 32, 32, 1, 1650000000.5), (2, 'https://gone.test/i.ico', NULL, NULL, 0, 0);
INSERT INTO favicon_sites VALUES (4, 1, 1), (5, 99, 2), (6, 1, 77);
`;

async function run(definition: ArtifactDefinition, sql: string) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(memorySource({ [PATH]: { sql } }), definition, (r) => records.push(r));
  return { status, data: records.map((r) => r.data) };
}

describe("ios/firefox-favicons", () => {
  it("links favicons to their pages, keeping icons whose page is gone", async () => {
    const { status, data } = await run(firefoxFaviconsArtifact, BROWSER_DB);
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
    const { data } = await run(
      firefoxFaviconsArtifact,
      `${BROWSER_DB}
       INSERT INTO favicons VALUES (3, '${"i".repeat(70_000)}', 'w', NULL, 'x', 'y');
       INSERT INTO favicon_sites VALUES (7, 1, 3);`,
    );
    const huge = (data as FirefoxFaviconRecord[])[2]!;
    expect(huge.iconUrl).toHaveLength(65_536);
    expect(huge.truncated).toEqual(["iconUrl"]);
    expect(huge.width).toBeUndefined();
    expect(huge.at).toBeUndefined();
  });
});
