import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type NetUsageRecord, netUsageArtifact } from "./netusage.js";

const PATH = "/private/var/networkd/db/netusage.sqlite";
const SCHEMA = `CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER,
  ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, ZPROCNAME VARCHAR);
CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER, ZMETADATA INTEGER,
  ZTAG INTEGER, ZHASPROCESS INTEGER, Z15_HASPROCESS INTEGER, ZALLFLOWS FLOAT, ZBILLCYCLEEND TIMESTAMP,
  ZJUMBOFLOWS FLOAT, ZTIMESTAMP TIMESTAMP, ZWIFIIN FLOAT, ZWIFIOUT FLOAT, ZWIREDIN FLOAT, ZWIREDOUT FLOAT,
  ZWWANIN FLOAT, ZWWANOUT FLOAT, ZXIN FLOAT, ZXOUT FLOAT);`;

async function run(files: Parameters<typeof memorySource>[0], kind: "fs-dump" | "ios-backup" = "fs-dump") {
  const records: NetUsageRecord[] = [];
  const status = await runArtifact(memorySource(files, { kind }), netUsageArtifact, (r) =>
    records.push(r.data as NetUsageRecord),
  );
  return { records, status };
}

describe("ios/netusage", () => {
  it("reads processes with Wi-Fi, wired and cellular counters", async () => {
    const { records, status } = await run({
      [PATH]: {
        sql: `${SCHEMA}
        INSERT INTO ZPROCESS VALUES (1, 15, 1, 632600000, 632600100, NULL, 'roleaboutd');
        INSERT INTO ZLIVEUSAGE VALUES (7, 11, 1, 0, NULL, NULL, 1, 15, 0, NULL, 0, 632600050, 1, 2, 3, 4, 5, 6, 0, 0);`,
      },
    });
    expect(status.warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 1,
        processName: "roleaboutd",
        firstAt: "2021-01-17T18:13:20.000Z",
        lastAt: "2021-01-17T18:15:00.000Z",
        liveUsage: [
          {
            rowId: 7,
            at: "2021-01-17T18:14:10.000Z",
            wifiIn: 1,
            wifiOut: 2,
            wwanIn: 5,
            wwanOut: 6,
            wiredIn: 3,
            wiredOut: 4,
          },
        ],
      },
    ]);
    expect(netUsageArtifact.observables(records[0]!)).toEqual([
      { kind: "process", value: "roleaboutd", field: "processName" },
    ]);
    expect(netUsageArtifact.events(records[0]!).map((e) => e.event)).toEqual([
      "process_first_seen",
      "process_last_seen",
      "live_usage",
    ]);
  });

  it("reads the older /private/var/networkd/netusage.sqlite location and ignores backups", async () => {
    const sql = `${SCHEMA} INSERT INTO ZPROCESS VALUES (1, 15, 1, NULL, NULL, NULL, 'x');`;
    expect((await run({ "/private/var/networkd/netusage.sqlite": { sql } })).records).toHaveLength(1);
    const backup = await run({ "/private/var/networkd/netusage.sqlite": { sql } }, "ios-backup");
    expect(backup.status.status).toBe("not_applicable");
  });

  it("reads plaso's netusage.sqlite", async () => {
    const path = corpusPath("plaso", "ios", "netusage.sqlite");
    if (path === undefined) return;
    const { records, status } = await run({ [PATH]: readFileSync(path) });
    expect(status.warnings).toEqual([]);
    // plaso's 384 events = 49 route rows (ZLIVEROUTEPERF, not read here: they name networks, not
    // processes) + 335 ZLIVEUSAGE rows joined to their process. We give 260 process records that
    // carry those 335 live-usage rows, i.e. 335 "live_usage" events.
    expect(records).toHaveLength(260);
    expect(records.reduce((n, r) => n + r.liveUsage.length, 0)).toBe(335);
    expect(
      records.flatMap((r) => netUsageArtifact.events(r)).filter((e) => e.event === "live_usage"),
    ).toHaveLength(335);
    expect(records.some((r) => r.orphan)).toBe(false);
    // Z_PKs run 1..282 with 22 numbers unused: networkd prunes old process rows, so gaps are normal here.
    expect(records.reduce((n, r) => n + (r.pkGapBefore ?? 0), 0)).toBe(22);
    expect(records.slice(0, 3).map((r) => r.processName)).toEqual([
      "configd",
      "mDNSResponder",
      "captiveagent",
    ]);
    expect(records.some((r) => r.processName === "AssetCacheLocato")).toBe(true);
    expect(records[1]!.liveUsage).toContainEqual(
      expect.objectContaining({
        at: "2021-01-17T19:23:38.212Z",
        wifiIn: 79188353,
        wifiOut: 35398277,
        wiredIn: 12198756,
        wiredOut: 10841,
        wwanIn: 300997,
        wwanOut: 938811,
      }),
    );
  });
});
