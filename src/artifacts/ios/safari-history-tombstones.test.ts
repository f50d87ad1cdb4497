import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import {
  type SafariHistoryTombstoneRecord,
  safariHistoryTombstonesArtifact,
} from "./safari-history-tombstones.js";

const PATH = "/private/var/mobile/Library/Safari/History.db";

async function run(sql: string | Buffer) {
  const records: ArtifactRecord[] = [];
  const file = typeof sql === "string" ? { sql } : sql;
  const status = await runArtifact(memorySource({ [PATH]: file }), safariHistoryTombstonesArtifact, (r) =>
    records.push(r),
  );
  return { status, data: records.map((r) => r.data as SafariHistoryTombstoneRecord) };
}

describe("ios/safari-history-tombstones", () => {
  it("reads deleted ranges and deleted URLs (iOS 16 schema)", async () => {
    const { status, data } = await run(`
      CREATE TABLE history_tombstones (id INTEGER PRIMARY KEY AUTOINCREMENT, start_time REAL NOT NULL, end_time REAL NOT NULL,
        url TEXT, generation INTEGER NOT NULL DEFAULT 0, udid TEXT, attributes INTEGER NOT NULL DEFAULT 0);
      INSERT INTO history_tombstones VALUES (1, 700000000, 700003600, NULL, 5, NULL, 0);
      INSERT INTO history_tombstones VALUES (2, -63114076800, 700003600, 'https://evil.test/x', 6, NULL, 0);
      INSERT INTO history_tombstones VALUES (3, 'x', 'y', '', 7, NULL, 0);
    `);
    expect(status).toMatchObject({ status: "found", records: 3, warnings: [] });
    expect(data).toEqual([
      { rowId: 1, startAt: "2023-03-08T20:26:40.000Z", endAt: "2023-03-08T21:26:40.000Z" },
      { rowId: 2, endAt: "2023-03-08T21:26:40.000Z", clearedAll: true, url: "https://evil.test/x" },
      { rowId: 3 },
    ]);
    expect(safariHistoryTombstonesArtifact.observables(data[1]!)).toEqual([
      { kind: "url", value: "https://evil.test/x", field: "url" },
    ]);
    expect(safariHistoryTombstonesArtifact.events(data[0]!)).toEqual([
      {
        at: "2023-03-08T21:26:40.000Z",
        event: "safari_history_deleted",
        description: "Safari history deleted from 2023-03-08T20:26:40.000Z to 2023-03-08T21:26:40.000Z",
      },
    ]);
    expect(safariHistoryTombstonesArtifact.events(data[1]!)[0]?.description).toBe(
      "Safari history of https://evil.test/x deleted (all history until then)",
    );
    expect(safariHistoryTombstonesArtifact.events(data[2]!)).toEqual([]);
  });

  it("reads the older schema without url", async () => {
    const { data } = await run(`
      CREATE TABLE history_tombstones (id INTEGER PRIMARY KEY, start_time REAL NOT NULL, end_time REAL NOT NULL);
      INSERT INTO history_tombstones VALUES (9, 500000000, 500000001);
    `);
    expect(data).toEqual([
      { rowId: 9, startAt: "2016-11-05T00:53:20.000Z", endAt: "2016-11-05T00:53:21.000Z" },
    ]);
  });

  it("reads plaso's Safari History.db: two 'last hour' clears, then four 'all history' clears", async () => {
    const path = corpusPath("plaso", "safari", "History.db");
    if (path === undefined) return;
    const { status, data } = await run(readFileSync(path));
    expect(status.warnings).toEqual([]);
    expect(data).toHaveLength(6);
    expect(data[0]).toEqual({
      rowId: 1,
      startAt: "2017-11-07T18:30:20.000Z",
      endAt: "2017-11-07T19:30:20.000Z",
    });
    expect(data[5]).toEqual({ rowId: 6, endAt: "2017-11-09T21:21:44.286Z", clearedAll: true });
    expect(data.map((r) => r.clearedAll === true)).toEqual([false, false, true, true, true, true]);
  });
});
