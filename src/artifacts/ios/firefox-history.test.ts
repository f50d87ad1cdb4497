import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactDefinition, ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import { type FirefoxHistoryRecord, firefoxHistoryArtifact } from "./firefox-history.js";

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

describe("ios/firefox-history", () => {
  it("joins visits to history with µs times, visit types and sync origin", async () => {
    const { status, data } = await run(firefoxHistoryArtifact, BROWSER_DB);
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
    const { data } = await run(
      firefoxHistoryArtifact,
      `CREATE TABLE history (id INTEGER PRIMARY KEY, url TEXT);
       CREATE TABLE visits (id INTEGER PRIMARY KEY, siteID INTEGER, date REAL);
       INSERT INTO history VALUES (1, 'https://a.test/');
       INSERT INTO visits VALUES (1, 1, 'never'), (2, 1, 1650000000);`,
    );
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
