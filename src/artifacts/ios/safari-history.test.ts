import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { openSqliteImage } from "../../sqlite/open.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource, sqliteImage } from "../../testing/memory-source.js";
import type { ArtifactRecord, ParseContext } from "../define.js";
import { runArtifact } from "../run.js";
import { type SafariHistoryRecord, safariHistoryArtifact } from "./safari-history.js";

const MODERN = `
CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, visit_count INTEGER);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT, history_item INTEGER NOT NULL, visit_time REAL NOT NULL,
  title TEXT NULL, load_successful BOOLEAN NOT NULL DEFAULT 1, http_non_get BOOLEAN NOT NULL DEFAULT 0,
  redirect_source INTEGER NULL, redirect_destination INTEGER NULL);
INSERT INTO history_items VALUES (1, 'http://example.com/', 1), (2, 'https://evil.test/landing', 1);
INSERT INTO history_visits VALUES (10, 1, 700000000.25, NULL, 1, 0, NULL, 11);
INSERT INTO history_visits VALUES (11, 2, 700000000.5, 'Landing', 0, 1, 10, NULL);
`;

const OLD = `
CREATE TABLE history_items (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY, history_item INTEGER NOT NULL, visit_time REAL NOT NULL);
INSERT INTO history_items VALUES (1, 'https://example.org/');
INSERT INTO history_visits VALUES (5, 1, 500000000);
`;

function context(path = "/private/var/mobile/Library/Safari/History.db") {
  const warnings: unknown[] = [];
  const ctx: ParseContext = {
    file: { path, kind: "file", size: 0, origin: path, present: true },
    warn: (w) => warnings.push(w),
  };
  return { ctx, warnings };
}

function parse(sql: string, path?: string) {
  const { ctx, warnings } = context(path);
  const { db } = openSqliteImage(sqliteImage(sql));
  const input = safariHistoryArtifact.input;
  if (input.kind !== "sqlite") throw new Error("expected a sqlite input");
  const records = [...input.parse(db, ctx)];
  db.close();
  return { records, warnings };
}

describe("ios/safari-history", () => {
  it("joins visits to items and resolves both ends of a redirect (modern schema)", () => {
    const { records, warnings } = parse(MODERN);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 10,
        itemId: 1,
        url: "http://example.com/",
        visitedAt: "2023-03-08T20:26:40.250Z",
        loadSuccessful: true,
        httpNonGet: false,
        redirectDestinationId: 11,
        redirectDestination: {
          visitId: 11,
          url: "https://evil.test/landing",
          visitedAt: "2023-03-08T20:26:40.500Z",
        },
      },
      {
        rowId: 11,
        itemId: 2,
        url: "https://evil.test/landing",
        title: "Landing",
        visitedAt: "2023-03-08T20:26:40.500Z",
        loadSuccessful: false,
        httpNonGet: true,
        redirectSourceId: 10,
        redirectSource: { visitId: 10, url: "http://example.com/", visitedAt: "2023-03-08T20:26:40.250Z" },
      },
    ]);
    const second = records[1]!;
    expect(safariHistoryArtifact.observables(second)).toEqual([
      { kind: "url", value: "https://evil.test/landing", field: "url" },
    ]);
    expect(safariHistoryArtifact.events(second)).toEqual([
      {
        at: "2023-03-08T20:26:40.500Z",
        event: "safari_visit",
        description: "Safari visited https://evil.test/landing (redirected from http://example.com/)",
      },
    ]);
  });

  it("reads the old schema without redirect, title or load columns", () => {
    const { records, warnings } = parse(OLD);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      { rowId: 5, itemId: 1, url: "https://example.org/", visitedAt: "2016-11-05T00:53:20.000Z" },
    ]);
  });

  it("keeps a redirect id whose target row is gone, and survives hostile values", () => {
    const { records, warnings } = parse(`${MODERN}
      DELETE FROM history_visits WHERE id = 10;
      INSERT INTO history_items VALUES (3, '${"a".repeat(70_000)}', 1), (4, 'https://x.test/', 1);
      INSERT INTO history_visits VALUES (12, 3, 'not a time', x'00ff', 'yes', 'no', NULL, NULL);
      INSERT INTO history_visits VALUES (13, 99, 1, NULL, 1, 0, NULL, NULL);
      INSERT INTO history_visits VALUES (14, 4, 1e300, NULL, 1, 0, NULL, NULL);
    `);
    expect(warnings).toEqual([]);
    expect(records.map((r) => r.rowId)).toEqual([11, 12, 14]);
    expect(records[0]!.redirectSource).toEqual({ visitId: 10 });
    const huge = records[1]!;
    expect(huge.url).toHaveLength(64 * 1024);
    expect(huge.truncated).toEqual(["url"]);
    expect(huge.visitedAt).toBeUndefined();
    expect(huge.loadSuccessful).toBeUndefined();
    expect(records[2]!.visitedAt).toBeUndefined();
    expect(safariHistoryArtifact.events(records[2]!)).toEqual([]);
  });

  it("finds History.db in profiles and app containers, naming both", async () => {
    const records: ArtifactRecord[] = [];
    const source = memorySource({
      "/private/var/mobile/Library/Safari/History.db": { sql: OLD },
      "/private/var/mobile/Library/Safari/Profiles/6F1D-PROFILE/History.db": { sql: OLD },
      "/private/var/mobile/Containers/Data/Application/com.example.browser/Library/Safari/History.db": {
        sql: OLD,
      },
      "/private/var/mobile/Library/Safari/Bookmarks.db": { sql: OLD },
    });
    const status = await runArtifact(source, safariHistoryArtifact, (r) => records.push(r));
    expect(status).toMatchObject({ status: "found", records: 3, warnings: [] });
    expect(
      records.map((r) => [
        (r.data as SafariHistoryRecord).profile,
        (r.data as SafariHistoryRecord).container,
      ]),
    ).toEqual([
      [undefined, undefined],
      ["6F1D-PROFILE", undefined],
      [undefined, "com.example.browser"],
    ]);
  });

  it("reports an unknown schema instead of parsing", async () => {
    const source = memorySource({
      "/private/var/mobile/Library/Safari/History.db": {
        sql: "CREATE TABLE history_items (id INTEGER, url TEXT);",
      },
    });
    const status = await runArtifact(source, safariHistoryArtifact, () => {});
    expect(status.status).toBe("failed");
    expect(status.warnings[0]?.code).toBe("UNKNOWN_SCHEMA");
  });

  it("reads plaso's Safari History.db (25 visits)", async () => {
    const path = corpusPath("plaso", "safari", "History.db");
    if (path === undefined) return;
    const records: ArtifactRecord[] = [];
    const source = memorySource({ "/private/var/mobile/Library/Safari/History.db": readFileSync(path) });
    const status = await runArtifact(source, safariHistoryArtifact, (r) => records.push(r));
    expect(status).toMatchObject({ status: "found", records: 25, warnings: [] });
    const data = records.map((r) => r.data as SafariHistoryRecord);
    expect(data[1]).toMatchObject({
      url: "http://facebook.com/",
      visitedAt: "2017-11-09T21:24:28.829Z",
      redirectDestination: { visitId: 38, url: "https://www.facebook.com/" },
    });
    expect(data[2]?.redirectSource).toEqual({
      visitId: 37,
      url: "http://facebook.com/",
      visitedAt: "2017-11-09T21:24:28.829Z",
    });
  });

  it("reads History.db from the corpus backups, plain and encrypted alike (3 visits)", async () => {
    const dir = corpusPath("backups");
    if (dir === undefined) return;
    const expected = [
      ["https://www.example.org/welcome", "Example Domain", "2023-06-01T09:02:00.000Z"],
      ["https://www.apple.com/", "Apple", "2023-06-03T19:00:00.000Z"],
      ["https://developer.apple.com/documentation/", "Documentation", "2023-08-18T15:45:10.000Z"],
    ];
    for (const [name, password] of [["dev-ios16-plain"], ["dev-ios16-enc", "spyglass-test"]]) {
      const backup = await openIosBackup(
        join(dir, name!),
        password === undefined ? {} : { password: () => password },
      );
      const records: ArtifactRecord[] = [];
      const status = await runArtifact(backup, safariHistoryArtifact, (r) => records.push(r)).finally(() =>
        backup.close(),
      );
      expect(status, name).toMatchObject({ status: "found", records: 3, warnings: [] });
      expect(records[0]?.origin).toBe("HomeDomain::Library/Safari/History.db");
      const data = records.map((r) => r.data as SafariHistoryRecord);
      expect(data.map((r) => [r.url, r.title, r.visitedAt])).toEqual(expected);
      expect(data.every((r) => r.loadSuccessful === true && r.redirectSource === undefined)).toBe(true);
    }
  });
});
