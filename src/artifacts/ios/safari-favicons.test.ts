import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import { type SafariFaviconRecord, safariFaviconsArtifact } from "./safari-favicons.js";

const PATH = "/private/var/mobile/Library/Image Cache/Favicons/Favicons.db";

const V4 = `
CREATE TABLE page_url (url TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL);
CREATE TABLE icon_info (uuid TEXT PRIMARY KEY NOT NULL, url TEXT NOT NULL, timestamp INTEGER, width INTEGER DEFAULT 0,
  height INTEGER DEFAULT 0, has_generated_representations INTEGER DEFAULT 0);
CREATE TABLE rejected_resources (page_url TEXT NOT NULL, icon_url TEXT NOT NULL, timestamp INTEGER, UNIQUE(page_url, icon_url));
INSERT INTO icon_info VALUES ('U-1', 'https://evil.test/favicon.ico', 700000000, 32, 32, 1);
INSERT INTO page_url VALUES ('https://evil.test/landing', 'U-1'), ('https://orphan.test/', 'U-404');
INSERT INTO rejected_resources VALUES ('https://r.test/', 'https://r.test/bad.ico', 700000100);
`;

async function run(files: Record<string, { sql: string }>) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(memorySource(files), safariFaviconsArtifact, (r) => records.push(r));
  return { status, data: records.map((r) => r.data as SafariFaviconRecord) };
}

describe("ios/safari-favicons", () => {
  it("reads stored and rejected icons (schema 4)", async () => {
    const { status, data } = await run({ [PATH]: { sql: V4 } });
    expect(status).toMatchObject({ status: "found", records: 3, warnings: [] });
    expect(data).toEqual([
      {
        rowId: 1,
        type: "valid",
        url: "https://evil.test/landing",
        iconUrl: "https://evil.test/favicon.ico",
        at: "2023-03-08T20:26:40.000Z",
        width: 32,
        height: 32,
        iconUuid: "U-1",
      },
      { rowId: 2, type: "valid", url: "https://orphan.test/", iconUuid: "U-404" },
      {
        rowId: 1,
        type: "rejected",
        url: "https://r.test/",
        iconUrl: "https://r.test/bad.ico",
        at: "2023-03-08T20:28:20.000Z",
      },
    ]);
    expect(safariFaviconsArtifact.observables(data[0]!)).toEqual([
      { kind: "url", value: "https://evil.test/landing", field: "url" },
      { kind: "url", value: "https://evil.test/favicon.ico", field: "iconUrl" },
    ]);
    expect(safariFaviconsArtifact.events(data[2]!)).toEqual([
      {
        at: "2023-03-08T20:28:20.000Z",
        event: "safari_favicon_rejected",
        description: "Safari rejected favicon https://r.test/bad.ico for https://r.test/",
      },
    ]);
  });

  it("reads schema 1 (no rejected_resources, no sizes) in an app container", async () => {
    const { data } = await run({
      "/private/var/mobile/Containers/Data/Application/com.example.app/Library/Image Cache/Favicons/Favicons.db":
        {
          sql: `CREATE TABLE page_url (url TEXT NOT NULL UNIQUE, uuid TEXT NOT NULL);
          CREATE TABLE icon_info (uuid TEXT PRIMARY KEY NOT NULL, url TEXT NOT NULL, timestamp INTEGER);
          INSERT INTO icon_info VALUES ('U', 'https://a.test/i.ico', 600000000);
          INSERT INTO page_url VALUES ('https://a.test/', 'U');`,
        },
    });
    expect(data).toEqual([
      {
        rowId: 1,
        type: "valid",
        url: "https://a.test/",
        iconUrl: "https://a.test/i.ico",
        at: "2020-01-06T10:40:00.000Z",
        iconUuid: "U",
        container: "com.example.app",
      },
    ]);
  });

  it("survives hostile values", async () => {
    const { status, data } = await run({
      [PATH]: {
        sql: `${V4}
          INSERT INTO icon_info VALUES ('U-2', x'00', 'later', 'wide', -1, 0);
          INSERT INTO page_url VALUES ('${"q".repeat(70_000)}', 'U-2');
          INSERT INTO rejected_resources VALUES ('https://r.test/', 'https://r.test/other.ico', NULL);`,
      },
    });
    expect(status.warnings).toEqual([]);
    const huge = data[2]!;
    expect(huge.url).toHaveLength(65_536);
    expect(huge.truncated).toEqual(["url"]);
    expect(huge.at).toBeUndefined();
    expect(huge.width).toBeUndefined();
    expect(data[4]).toEqual({
      rowId: 2,
      type: "rejected",
      url: "https://r.test/",
      iconUrl: "https://r.test/other.ico",
    });
  });
});
