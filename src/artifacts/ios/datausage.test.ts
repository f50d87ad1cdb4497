import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { openSqliteImage } from "../../sqlite/open.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource, sqliteImage } from "../../testing/memory-source.js";
import type { ArtifactRecord, ParseContext } from "../define.js";
import { runArtifact } from "../run.js";
import { type DataUsageRecord, dataUsageArtifact } from "./datausage.js";

const PATH = "/private/var/wireless/Library/Databases/DataUsage.sqlite";
const PROCESS = `CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, ZPROCNAME VARCHAR);`;
const LIVE_FULL = `CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER,
  ZMETADATA INTEGER, ZTAG INTEGER, ZHASPROCESS INTEGER, ZBILLCYCLEEND TIMESTAMP, ZTIMESTAMP TIMESTAMP,
  ZWIFIIN FLOAT, ZWIFIOUT FLOAT, ZWWANIN FLOAT, ZWWANOUT FLOAT);`;
const LIVE_NO_WIFI = `CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER,
  ZMETADATA INTEGER, ZTAG INTEGER, ZHASPROCESS INTEGER, ZBILLCYCLEEND TIMESTAMP, ZTIMESTAMP TIMESTAMP,
  ZWWANIN FLOAT, ZWWANOUT FLOAT);`;
const PRIMARY = `CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);`;

async function run(sql: string): Promise<{ records: DataUsageRecord[]; warnings: string[] }> {
  const records: DataUsageRecord[] = [];
  const status = await runArtifact(
    memorySource({ [PATH]: { sql } }),
    dataUsageArtifact,
    (r: ArtifactRecord) => records.push(r.data as DataUsageRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

function parseDirect(sql: string): { records: DataUsageRecord[]; warnings: string[] } {
  const { db } = openSqliteImage(sqliteImage(sql));
  const warnings: string[] = [];
  const context = { file: { path: PATH }, warn: (w: { message: string }) => warnings.push(w.message) };
  const input = dataUsageArtifact.input;
  if (input.kind !== "sqlite") throw new Error("sqlite input expected");
  const records = [...input.parse(db, context as unknown as ParseContext)];
  db.close();
  return { records, warnings };
}

describe("ios/datausage", () => {
  it("reads processes with their live usage (schema with ZWIFIIN/ZWIFIOUT)", async () => {
    const { records, warnings } = await run(`${PROCESS}${LIVE_FULL}${PRIMARY}
      INSERT INTO ZPROCESS VALUES (1, 7, 1, 702917115.5, 702917200, NULL, 'CumulativeUsageTracker');
      INSERT INTO ZPROCESS VALUES (2, 7, 1, 700000000, 700000100, 'com.apple.MobileSMS', 'mDNSResponder/com.apple.MobileSMS');
      INSERT INTO ZLIVEUSAGE VALUES (10, 5, 1, 0, NULL, NULL, 1, NULL, 702917115.450549, 0, 0, 1185814689, 150);
      INSERT INTO ZLIVEUSAGE VALUES (11, 5, 1, 0, NULL, NULL, 2, NULL, 700000050, 1, 2, 3, 4);
      INSERT INTO Z_PRIMARYKEY VALUES (7, 'Process', 0, 2);`);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 1,
        processName: "CumulativeUsageTracker",
        firstAt: "2023-04-11T14:45:15.500Z",
        lastAt: "2023-04-11T14:46:40.000Z",
        liveUsage: [
          {
            rowId: 10,
            at: "2023-04-11T14:45:15.450Z",
            wifiIn: 0,
            wifiOut: 0,
            wwanIn: 1185814689,
            wwanOut: 150,
          },
        ],
      },
      {
        rowId: 2,
        processName: "mDNSResponder/com.apple.MobileSMS",
        bundleId: "com.apple.MobileSMS",
        firstAt: "2023-03-08T20:26:40.000Z",
        lastAt: "2023-03-08T20:28:20.000Z",
        liveUsage: [
          { rowId: 11, at: "2023-03-08T20:27:30.000Z", wifiIn: 1, wifiOut: 2, wwanIn: 3, wwanOut: 4 },
        ],
      },
    ]);
    const second = records[1]!;
    expect(dataUsageArtifact.observables(second)).toEqual([
      { kind: "process", value: "mDNSResponder/com.apple.MobileSMS", field: "processName" },
      { kind: "process", value: "mDNSResponder", field: "processName" },
      { kind: "process", value: "com.apple.MobileSMS", field: "bundleId" },
      { kind: "app-id", value: "com.apple.MobileSMS", field: "bundleId" },
    ]);
    expect(dataUsageArtifact.events(second).map((e) => [e.at, e.event])).toEqual([
      ["2023-03-08T20:26:40.000Z", "process_first_seen"],
      ["2023-03-08T20:28:20.000Z", "process_last_seen"],
      ["2023-03-08T20:27:30.000Z", "live_usage"],
    ]);
    expect(dataUsageArtifact.events(second)[2]!.description).toBe(
      "mDNSResponder/com.apple.MobileSMS (com.apple.MobileSMS) network usage in DataUsage.sqlite: wifiIn 1, wifiOut 2, wwanIn 3, wwanOut 4",
    );
  });

  it("reads the older schema without ZWIFIIN/ZWIFIOUT", async () => {
    const { records, warnings } = await run(`${PROCESS}${LIVE_NO_WIFI}
      INSERT INTO ZPROCESS VALUES (1, 7, 1, 600000000, 600000100, NULL, 'BackupAgent');
      INSERT INTO ZLIVEUSAGE VALUES (5, 5, 1, 0, NULL, NULL, 1, NULL, 600000050, 100, 200);`);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 1,
        processName: "BackupAgent",
        firstAt: "2020-01-06T10:40:00.000Z",
        lastAt: "2020-01-06T10:41:40.000Z",
        liveUsage: [{ rowId: 5, at: "2020-01-06T10:40:50.000Z", wwanIn: 100, wwanOut: 200 }],
      },
    ]);
    expect(dataUsageArtifact.observables(records[0]!)).toEqual([
      { kind: "process", value: "BackupAgent", field: "processName" },
    ]);
  });

  it("keeps unused and unnamed processes, reports orphaned live usage and Z_PK gaps", async () => {
    const { records } = await run(`${PROCESS}${LIVE_FULL}${PRIMARY}
      INSERT INTO ZPROCESS VALUES (2, 7, 1, 600000000, 600000100, NULL, 'keptWithoutUsage');
      INSERT INTO ZPROCESS VALUES (5, 7, 1, NULL, NULL, NULL, NULL);
      INSERT INTO ZPROCESS VALUES (6, 7, 1, NULL, NULL, '', '');
      INSERT INTO ZLIVEUSAGE VALUES (1, 5, 1, 0, NULL, NULL, 4, NULL, 600000050, 1, 1, 1, 1);
      INSERT INTO ZLIVEUSAGE VALUES (2, 5, 1, 0, NULL, NULL, 4, NULL, 600000060, 2, 2, 2, 2);
      INSERT INTO ZLIVEUSAGE VALUES (3, 5, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      INSERT INTO Z_PRIMARYKEY VALUES (7, 'Process', 0, 9);`);
    expect(
      records.map((r) => [
        r.rowId,
        r.processName,
        r.liveUsage.length,
        r.orphan,
        r.missingName,
        r.pkGapBefore,
        r.pkGapAfter,
      ]),
    ).toEqual([
      [0, "", 1, true, true, undefined, undefined],
      [2, "keptWithoutUsage", 0, undefined, undefined, 1, undefined],
      [4, "", 2, true, true, undefined, undefined],
      [5, "", 0, undefined, true, 2, undefined],
      [6, "", 0, undefined, true, undefined, 3],
    ]);
    expect(records[0]!.liveUsage).toEqual([{ rowId: 3 }]);
    const orphan = records[2]!;
    expect(dataUsageArtifact.observables(orphan)).toEqual([]);
    expect(dataUsageArtifact.events(orphan).map((e) => e.description)[0]).toBe(
      "deleted process #4 network usage in DataUsage.sqlite: wifiIn 1, wifiOut 1, wwanIn 1, wwanOut 1",
    );
    expect(dataUsageArtifact.events(records[3]!)).toEqual([]);
  });

  it("copes with wrong types and huge text", () => {
    const huge = "A".repeat(70_000);
    const { records, warnings } = parseDirect(`${PROCESS}${LIVE_FULL}
      INSERT INTO ZPROCESS VALUES (1, 7, 1, 'not a time', x'00ff', 42, x'626821');
      INSERT INTO ZPROCESS VALUES (2, 7, 1, 1e300, -1e300, '${huge}', '${huge}');
      INSERT INTO ZLIVEUSAGE VALUES (1, 5, 1, 0, NULL, NULL, 'one', NULL, 'x', 'big', x'01', 1.5, NULL);`);
    expect(warnings).toEqual([]);
    expect(records[0]).toEqual({
      rowId: 0,
      processName: "",
      liveUsage: [{ rowId: 1, wwanIn: 1.5 }],
      missingName: true,
      orphan: true,
    });
    expect(records[1]).toEqual({ rowId: 1, processName: "bh!", bundleId: "42", liveUsage: [] });
    expect(records[2]!.processName).toHaveLength(65_536);
    expect(records[2]!.bundleId).toHaveLength(65_536);
    expect(records[2]!.truncated).toEqual(["processName", "bundleId"]);
    expect(records[2]!.firstAt).toBeUndefined();
  });

  it("reports an unknown schema instead of parsing", async () => {
    const { records, warnings } = await run(
      "CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZNAME VARCHAR);",
    );
    expect(records).toEqual([]);
    expect(warnings[0]).toMatch(/^UNKNOWN_SCHEMA: unknown schema: missing ZPROCESS\.ZPROCNAME/);
  });

  it("reads plaso's DataUsage.sqlite", async () => {
    const path = corpusPath("plaso", "ios", "DataUsage.sqlite");
    if (path === undefined) return;
    const records: DataUsageRecord[] = [];
    const source = memorySource({ [PATH]: readFileSync(path) });
    const status = await runArtifact(source, dataUsageArtifact, (r) =>
      records.push(r.data as DataUsageRecord),
    );
    expect(status.warnings).toEqual([]);
    // plaso emits one event per ZLIVEUSAGE row joined to its process: 887. We group those rows under
    // their ZPROCESS row instead: 371 process records (35 of them without usage), carrying 887
    // live-usage rows, which become exactly 887 "live_usage" timeline events.
    expect(records).toHaveLength(371);
    expect(records.filter((r) => r.liveUsage.length === 0)).toHaveLength(35);
    expect(records.reduce((n, r) => n + r.liveUsage.length, 0)).toBe(887);
    const events = records.flatMap((r) => dataUsageArtifact.events(r));
    expect(events.filter((e) => e.event === "live_usage")).toHaveLength(887);
    expect(records.some((r) => r.orphan || r.pkGapBefore || r.pkGapAfter || r.missingName)).toBe(false);
    const tracker = records.find((r) => r.processName === "CumulativeUsageTracker")!;
    expect(tracker.bundleId).toBeUndefined();
    expect(tracker.liveUsage).toContainEqual(
      expect.objectContaining({
        at: "2023-04-11T14:45:15.450Z",
        wifiIn: 0,
        wifiOut: 0,
        wwanIn: 1185814689,
        wwanOut: 150,
      }),
    );
    const sms = records.find((r) => r.processName === "mDNSResponder/com.apple.MobileSMS")!;
    expect(sms.bundleId).toBe("com.apple.MobileSMS");
    expect(sms.liveUsage).toContainEqual(
      expect.objectContaining({
        at: "2023-05-15T20:58:15.839Z",
        wifiIn: 0,
        wifiOut: 0,
        wwanIn: 4498,
        wwanOut: 1408,
      }),
    );
  });

  it.each([
    ["plain", "dev-ios16-plain"],
    ["encrypted", "dev-ios16-enc"],
  ])("reads the development backup's WirelessDomain DataUsage.sqlite (%s)", async (_, folder) => {
    const dir = corpusPath("backups", folder);
    if (dir === undefined) return;
    // The password of the corpus's encrypted twin is published in its README.
    const backup = await openIosBackup(dir, { password: () => "spyglass-test" });
    try {
      const records: DataUsageRecord[] = [];
      const status = await runArtifact(backup, dataUsageArtifact, (r) =>
        records.push(r.data as DataUsageRecord),
      );
      expect(status.warnings).toEqual([]);
      expect(status.files).toEqual([PATH]);
      expect(records.map((r) => [r.rowId, r.processName, r.bundleId, r.liveUsage.length])).toEqual([
        [1, "CumulativeUsageTracker", undefined, 1],
        [2, "mDNSResponder/com.apple.datausage.dns", "com.apple.datausage.dns", 1],
        [3, "apsd/com.apple.datausage.applepushservice", "com.apple.datausage.applepushservice", 1],
      ]);
      expect(records[0]!.liveUsage[0]).toEqual({
        rowId: 1,
        at: "2023-08-20T09:00:00.500Z",
        wifiIn: 1000,
        wifiOut: 500,
        wwanIn: 0,
        wwanOut: 0,
      });
    } finally {
      await backup.close();
    }
  });
});
