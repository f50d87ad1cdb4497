import { describe, expect, it } from "vitest";
import { dataUsageArtifact } from "../../artifacts/ios/datausage.js";
import { osAnalyticsAdDailyArtifact } from "../../artifacts/ios/osanalytics-addaily.js";
import { memorySource } from "../../testing/memory-source.js";
import { collect, contextOf, record } from "../test-context.js";
import { backupAgentDetection } from "./backupagent.js";
import { ADDAILY, analytics, at, DATAUSAGE, usage } from "./test-fixtures.js";

describe("triangulation/backupagent", () => {
  const cases: { name: string; records: Parameters<typeof contextOf>[0]; findings: number }[] = [
    {
      name: "BackupAgent in DataUsage",
      records: [usage("BackupAgent", { first: 0, last: 60 })],
      findings: 1,
    },
    {
      name: "BackupAgent in netusage",
      records: [usage("BackupAgent", { first: 0 }, { artifact: "ios/netusage" })],
      findings: 1,
    },
    { name: "BackupAgent in the analytics baseline", records: [analytics("BackupAgent", 0)], findings: 1 },
    { name: "BackupAgent2 is legitimate", records: [usage("BackupAgent2", { first: 0 })], findings: 0 },
    { name: "a longer name", records: [usage("BackupAgent/com.apple.x", { first: 0 })], findings: 0 },
    {
      name: "lower case",
      records: [usage("backupagent", { first: 0 }), analytics("BackupAgent2", 0)],
      findings: 0,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const result = backupAgentDetection.run(contextOf(c.records));
      expect(result.findings).toHaveLength(c.findings);
      for (const f of result.findings) {
        expect(f).toMatchObject({
          level: "critical",
          certainty: "exact",
          campaign: "Operation Triangulation",
        });
      }
    });

  it("lists first, last and live-usage times of the row in one finding", () => {
    const { findings } = backupAgentDetection.run(
      contextOf([usage("BackupAgent", { first: 10, last: 70, live: [30, 50] }, { rowId: 7 })]),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.time).toBe(at(10));
    expect(f.evidence[0]).toMatchObject({
      artifact: "ios/datausage",
      path: DATAUSAGE,
      rowId: 7,
      field: "processName",
    });
    expect(f.heuristic?.events.map((e) => [e.event, e.at])).toEqual([
      ["NetFirst", at(10)],
      ["NetTimestamp", at(70)],
      ["NetTimestamp2", at(30)],
      ["NetTimestamp2", at(50)],
    ]);
  });

  it("works through the real parsers (DataUsage.sqlite and the addaily plist)", async () => {
    const sql = `CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP,
        ZBUNDLENAME VARCHAR, ZPROCNAME VARCHAR);
      CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, ZHASPROCESS INTEGER, ZTIMESTAMP TIMESTAMP, ZWWANIN FLOAT, ZWWANOUT FLOAT);
      INSERT INTO ZPROCESS VALUES (1, 684756251, 684756251, NULL, 'IMTransferAgent/com.apple.datausage.messages');
      INSERT INTO ZPROCESS VALUES (2, 684756314, 684756314, NULL, 'BackupAgent');
      INSERT INTO ZPROCESS VALUES (3, 684756314, 684756314, NULL, 'BackupAgent2');
      INSERT INTO ZLIVEUSAGE VALUES (1, 2, 684756314, 734459, 287912);`;
    const source = memorySource(
      {
        [DATAUSAGE]: { sql },
        [ADDAILY]: {
          plist: { netUsageBaseline: { BackupAgent: [new Date("2022-09-13T10:05:14Z"), 1, 2, 3, 4] } },
        },
      },
      { kind: "ios-backup" },
    );
    const { records, statuses } = await collect(source, [dataUsageArtifact, osAnalyticsAdDailyArtifact]);
    const byId = Object.fromEntries(statuses.map((s) => [s.id, s.status]));
    const result = backupAgentDetection.run(contextOf(records, { statuses: byId }));
    expect(result.findings.map((f) => f.evidence[0]?.artifact)).toEqual([
      "ios/datausage",
      "ios/osanalytics-addaily",
    ]);
    expect(result.findings[0]?.time).toBe("2022-09-13T10:05:14.000Z");
    expect(result.findings[0]?.heuristic?.condition).toBe(
      'DataUsage.sqlite process row whose ZPROCNAME is exactly "BackupAgent"',
    );
    expect(result.findings[1]?.heuristic).toEqual({
      name: "exact process name",
      condition: 'netUsageBaseline entry whose process name is exactly "BackupAgent"',
      events: [
        {
          at: "2022-09-13T10:05:14.000Z",
          event: "NetUsage",
          description: "BackupAgent in the daily network usage baseline",
          artifact: "ios/osanalytics-addaily",
          path: ADDAILY,
        },
      ],
    });
    expect(result.limitations).toEqual([]);
  });

  it("reports a missing DataUsage on a backup as an important limitation, never a crash", () => {
    const result = backupAgentDetection.run(contextOf([], { statuses: { "ios/datausage": "not_present" } }));
    expect(result.findings).toEqual([]);
    expect(result.limitations).toContainEqual(
      expect.objectContaining({ rule: "triangulation/backupagent", important: true }),
    );
    expect(result.limitations.find((l) => l.important)?.message).toMatch(/DataUsage\.sqlite\) was not found/);
  });

  it("on a file-system dump, netusage alone is enough", () => {
    const result = backupAgentDetection.run(
      contextOf([usage("nehelper", { first: 0 }, { artifact: "ios/netusage" })], { kind: "fs-dump" }),
    );
    expect(result.limitations.filter((l) => l.important)).toEqual([]);
  });

  it("says when the analytics baseline is absent (analytics sharing off)", () => {
    const result = backupAgentDetection.run(
      contextOf([usage("x", {}), record("ios/osanalytics-addaily", ADDAILY, { baselineMissing: true })]),
    );
    expect(result.limitations).toEqual([
      expect.objectContaining({
        important: false,
        message: expect.stringMatching(/analytics sharing may be off/),
      }),
    ]);
  });
});
