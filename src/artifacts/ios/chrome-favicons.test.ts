import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import { type ChromeFaviconRecord, chromeFaviconsArtifact } from "./chrome-favicons.js";

const PATH =
  "/private/var/mobile/Containers/Data/Application/com.google.chrome.ios/Library/Application Support/Google/Chrome/Default/Favicons";

const MODERN = `
CREATE TABLE icon_mapping (id INTEGER PRIMARY KEY, page_url LONGVARCHAR NOT NULL, icon_id INTEGER);
CREATE TABLE favicons (id INTEGER PRIMARY KEY, url LONGVARCHAR NOT NULL, icon_type INTEGER DEFAULT 1);
CREATE TABLE favicon_bitmaps (id INTEGER PRIMARY KEY, icon_id INTEGER NOT NULL, last_updated INTEGER DEFAULT 0,
  image_data BLOB, width INTEGER DEFAULT 0, height INTEGER DEFAULT 0, last_requested INTEGER NOT NULL DEFAULT 0);
INSERT INTO favicons VALUES (1, 'https://evil.test/favicon.ico', 1), (2, 'https://b.test/icon.png', 2);
INSERT INTO icon_mapping VALUES (5, 'https://evil.test/landing', 1), (6, 'https://b.test/', 2), (7, 'https://c.test/', 99);
INSERT INTO favicon_bitmaps VALUES (1, 1, 13300000000000000, x'00', 16, 16, 0), (2, 1, 13300000001000000, x'00', 32, 32, 0);
INSERT INTO favicon_bitmaps VALUES (3, 2, 0, x'00', 16, 16, 13300000002000000);
`;

async function run(sql: string) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(memorySource({ [PATH]: { sql } }), chromeFaviconsArtifact, (r) =>
    records.push(r),
  );
  return { status, data: records.map((r) => r.data as ChromeFaviconRecord) };
}

describe("ios/chrome-favicons", () => {
  it("maps pages to icons with the newest bitmap times (current schema)", async () => {
    const { status, data } = await run(MODERN);
    expect(status).toMatchObject({ status: "found", records: 3, warnings: [] });
    const where = { profile: "Default", container: "com.google.chrome.ios" };
    expect(data).toEqual([
      {
        rowId: 5,
        url: "https://evil.test/landing",
        iconUrl: "https://evil.test/favicon.ico",
        iconType: 1,
        at: "2022-06-18T04:26:41.000Z",
        lastUpdatedAt: "2022-06-18T04:26:41.000Z",
        ...where,
      },
      {
        rowId: 6,
        url: "https://b.test/",
        iconUrl: "https://b.test/icon.png",
        iconType: 2,
        at: "2022-06-18T04:26:42.000Z",
        lastRequestedAt: "2022-06-18T04:26:42.000Z",
        ...where,
      },
      { rowId: 7, url: "https://c.test/", ...where },
    ]);
    expect(chromeFaviconsArtifact.observables(data[0]!)).toEqual([
      { kind: "url", value: "https://evil.test/landing", field: "url" },
      { kind: "url", value: "https://evil.test/favicon.ico", field: "iconUrl" },
    ]);
    expect(chromeFaviconsArtifact.events(data[0]!)).toEqual([
      {
        at: "2022-06-18T04:26:41.000Z",
        event: "chrome_favicon",
        description: "Chrome stored the favicon of https://evil.test/landing",
      },
    ]);
    expect(chromeFaviconsArtifact.events(data[2]!)).toEqual([]);
  });

  it("reads the old schema without last_requested or bitmaps", async () => {
    const { data } = await run(`
      CREATE TABLE icon_mapping (id INTEGER PRIMARY KEY, page_url LONGVARCHAR NOT NULL, icon_id INTEGER);
      CREATE TABLE favicons (id INTEGER PRIMARY KEY, url LONGVARCHAR NOT NULL);
      CREATE TABLE favicon_bitmaps (id INTEGER PRIMARY KEY, icon_id INTEGER NOT NULL, last_updated INTEGER DEFAULT 0);
      INSERT INTO favicons VALUES (1, 'https://a.test/i.ico');
      INSERT INTO icon_mapping VALUES (1, 'https://a.test/', 1);
      INSERT INTO favicon_bitmaps VALUES (1, 1, 13300000000000000);
    `);
    expect(data).toEqual([
      {
        rowId: 1,
        url: "https://a.test/",
        iconUrl: "https://a.test/i.ico",
        at: "2022-06-18T04:26:40.000Z",
        lastUpdatedAt: "2022-06-18T04:26:40.000Z",
        profile: "Default",
        container: "com.google.chrome.ios",
      },
    ]);
  });

  it("survives hostile values", async () => {
    const { status, data } = await run(`${MODERN}
      INSERT INTO icon_mapping VALUES (8, '${"p".repeat(70_000)}', 1);
      INSERT INTO favicon_bitmaps VALUES (4, 2, 'x', NULL, NULL, NULL, 'y');
      UPDATE favicons SET icon_type = 'z' WHERE id = 2;
    `);
    expect(status.warnings).toEqual([]);
    expect(data.map((r) => r.rowId)).toEqual([5, 6, 7, 8]);
    expect(data[3]!.truncated).toEqual(["url"]);
    expect(data[1]!.iconType).toBeUndefined();
    expect(data[1]!.lastRequestedAt).toBe("2022-06-18T04:26:42.000Z");
  });
});
