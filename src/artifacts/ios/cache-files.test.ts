import { describe, expect, it } from "vitest";
import { openFsDump } from "../../readers/fs-dump/index.js";
import { parseSqliteInput } from "../../testing/artifact-harness.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import { type CacheFileRecord, cacheFilesArtifact, fromSqliteTimestamp } from "./cache-files.js";

const SCHEMA = `
CREATE TABLE cfurl_cache_response(entry_ID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, version INTEGER, hash_value INTEGER,
  storage_policy INTEGER, request_key TEXT UNIQUE, time_stamp NOT NULL DEFAULT CURRENT_TIMESTAMP, partition TEXT);
CREATE TABLE cfurl_cache_receiver_data(entry_ID INTEGER PRIMARY KEY, isDataOnFS INTEGER, receiver_data BLOB);
`;

const PATH =
  "/private/var/mobile/Containers/Data/Application/com.example.app/Library/Caches/com.example.app/Cache.db";

function parse(sql: string) {
  return parseSqliteInput(cacheFilesArtifact, sql, PATH);
}

describe("ios/cache-files", () => {
  it("reads responses with partition and on-disk body (iOS 13+ schema)", () => {
    const { records, warnings } = parse(`${SCHEMA}
      INSERT INTO cfurl_cache_response VALUES (1, 0, 2864141631479785123, 0, 'https://cdn.evil.test/p.js', '2022-11-21 20:22:02', 'evil.test');
      INSERT INTO cfurl_cache_response VALUES (2, 0, 5, 1, 'https://example.com/', '2022-11-21 20:22:03.5', NULL);
      INSERT INTO cfurl_cache_receiver_data VALUES (1, 1, 'C59437F6-C2B2-4F0B-BF90-177ACBB893C0'), (2, 0, x'0102');
    `);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 1,
        url: "https://cdn.evil.test/p.js",
        at: "2022-11-21T20:22:02.000Z",
        storagePolicy: 0,
        version: 0,
        hashValue: "2864141631479785123",
        partition: "evil.test",
        dataOnFs: true,
        dataFile:
          "/private/var/mobile/Containers/Data/Application/com.example.app/Library/Caches/com.example.app/fsCachedData/C59437F6-C2B2-4F0B-BF90-177ACBB893C0",
        container: "com.example.app",
        cacheOwner: "com.example.app",
      },
      {
        rowId: 2,
        url: "https://example.com/",
        at: "2022-11-21T20:22:03.500Z",
        storagePolicy: 1,
        version: 0,
        hashValue: "5",
        dataOnFs: false,
        container: "com.example.app",
        cacheOwner: "com.example.app",
      },
    ]);
    expect(cacheFilesArtifact.observables(records[0]!)).toEqual([
      { kind: "url", value: "https://cdn.evil.test/p.js", field: "url" },
      { kind: "domain", value: "evil.test", field: "partition" },
    ]);
    expect(cacheFilesArtifact.events(records[0]!)).toEqual([
      {
        at: "2022-11-21T20:22:02.000Z",
        event: "url_cached",
        description: "com.example.app cached https://cdn.evil.test/p.js",
      },
    ]);
  });

  it("reads the older schema without partition or receiver table", () => {
    const { records } = parse(`
      CREATE TABLE cfurl_cache_response(entry_ID INTEGER PRIMARY KEY, version INTEGER, hash_value INTEGER,
        storage_policy INTEGER, request_key TEXT UNIQUE, time_stamp NOT NULL DEFAULT CURRENT_TIMESTAMP);
      INSERT INTO cfurl_cache_response VALUES (7, 0, 1, 0, 'http://old.test/', '2015-01-02 03:04:05');
    `);
    expect(records).toEqual([
      {
        rowId: 7,
        url: "http://old.test/",
        at: "2015-01-02T03:04:05.000Z",
        storagePolicy: 0,
        version: 0,
        hashValue: "1",
        container: "com.example.app",
        cacheOwner: "com.example.app",
      },
    ]);
  });

  it("survives hostile rows: no URL, garbage stamps, path-like body names, huge URLs", () => {
    const { records, warnings } = parse(`${SCHEMA}
      INSERT INTO cfurl_cache_response VALUES (1, 'x', 'y', 'z', NULL, '2022-11-21 20:22:02', NULL);
      INSERT INTO cfurl_cache_response VALUES (2, NULL, NULL, NULL, 'https://a.test/', 'yesterday', 42);
      INSERT INTO cfurl_cache_response VALUES (3, NULL, NULL, NULL, '${"u".repeat(70_000)}', '2022-13-40 99:00:00', NULL);
      INSERT INTO cfurl_cache_receiver_data VALUES (2, 1, '../../../etc/passwd'), (3, 1, x'00');
    `);
    expect(warnings).toEqual([
      { code: "CORRUPT", message: "1 cache rows without an id or URL were skipped", count: 1 },
    ]);
    expect(records).toHaveLength(2);
    expect(records[0]).toEqual({
      rowId: 2,
      url: "https://a.test/",
      partition: "42",
      dataOnFs: true,
      container: "com.example.app",
      cacheOwner: "com.example.app",
    });
    expect(records[1]!.url).toHaveLength(65_536);
    expect(records[1]!.truncated).toEqual(["url"]);
    expect(records[1]!.at).toBeUndefined();
    expect(records[1]!.dataFile).toBeUndefined();
  });

  it("parses SQLite timestamps and rejects anything else", () => {
    expect(fromSqliteTimestamp("2022-11-21 20:22:02")).toBe("2022-11-21T20:22:02.000Z");
    expect(fromSqliteTimestamp("2022-11-21T20:22:02.123456Z")).toBe("2022-11-21T20:22:02.123Z");
    expect(fromSqliteTimestamp(1669062122)).toBeUndefined();
    expect(fromSqliteTimestamp("2022-00-01 00:00:00")).toBeUndefined();
    expect(fromSqliteTimestamp(null)).toBeUndefined();
  });

  it("reads iLEAPP's MobileSafari Cache.db from its zip slice, WAL applied (1 response)", async () => {
    const zipPath = corpusPath(
      "ileapp",
      "cases",
      "data",
      "safariCache",
      "testdata.safariCache.safariCache.mvs_ios_2023.zip",
    );
    if (zipPath === undefined) return;
    // The one response exists only in Cache.db-wal: finding it proves the sidecar was applied.
    const source = await openFsDump(zipPath);
    const records: ArtifactRecord[] = [];
    const status = await runArtifact(source, cacheFilesArtifact, (r) => records.push(r)).finally(() =>
      source.close(),
    );
    expect(status).toMatchObject({ status: "found", records: 1, warnings: [] });
    expect(records[0]!.data as CacheFileRecord).toEqual({
      rowId: 1,
      url: "https://configuration.apple.com/configurations/internetservices/safari/AutoFillQuirks-1.plist",
      at: "2022-11-21T20:22:02.000Z",
      storagePolicy: 0,
      version: 0,
      hashValue: expect.any(String),
      dataOnFs: true,
      dataFile:
        "/private/var/mobile/Containers/Data/Application/E9C94D39-5066-4556-8EB9-2DFE28104A2A/Library/Caches/com.apple.mobilesafari/fsCachedData/C59437F6-C2B2-4F0B-BF90-177ACBB893C0",
      container: "E9C94D39-5066-4556-8EB9-2DFE28104A2A",
      cacheOwner: "com.apple.mobilesafari",
    });
    // 1669062122 is iLEAPP's Unix timestamp for the same row.
    expect(Date.parse((records[0]!.data as CacheFileRecord).at!)).toBe(1669062122_000);
  });

  it("is not read from backups (caches are not backed up)", async () => {
    const source = memorySource({ [PATH]: { sql: SCHEMA } }, { kind: "ios-backup" });
    expect((await runArtifact(source, cacheFilesArtifact, () => {})).status).toBe("not_applicable");
  });
});
