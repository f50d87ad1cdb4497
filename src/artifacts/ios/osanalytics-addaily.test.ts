import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import type { PlistValue } from "../../formats/plist-value.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type OsAnalyticsAdDailyRecord, osAnalyticsAdDailyArtifact } from "./osanalytics-addaily.js";

const PATH = "/private/var/mobile/Library/Preferences/com.apple.osanalytics.addaily.plist";

async function run(file: PlistValue | Buffer) {
  const records: OsAnalyticsAdDailyRecord[] = [];
  const source = memorySource({ [PATH]: Buffer.isBuffer(file) ? file : { plist: file } });
  const status = await runArtifact(source, osAnalyticsAdDailyArtifact, (r) =>
    records.push(r.data as OsAnalyticsAdDailyRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/osanalytics-addaily", () => {
  it("reads one record per process of netUsageBaseline", async () => {
    const at = new Date("2023-08-19T03:00:00Z");
    const { records, warnings } = await run({
      netUsageBaseline: { BackupAgent: [at, 9000, 4000, 10, 20], apsd: [at, 1, 2] },
      other: 1,
    });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        processName: "BackupAgent",
        at: "2023-08-19T03:00:00.000Z",
        wifiIn: 9000,
        wifiOut: 4000,
        wwanIn: 10,
        wwanOut: 20,
      },
      { processName: "apsd", at: "2023-08-19T03:00:00.000Z", wifiIn: 1, wifiOut: 2 },
    ]);
    expect(osAnalyticsAdDailyArtifact.observables(records[0]!)).toEqual([
      { kind: "process", value: "BackupAgent", field: "processName" },
    ]);
    expect(osAnalyticsAdDailyArtifact.events(records[0]!)).toEqual([
      {
        at: "2023-08-19T03:00:00.000Z",
        event: "net_usage_baseline",
        description:
          "BackupAgent in the daily analytics network baseline: wifiIn 9000, wifiOut 4000, wwanIn 10, wwanOut 20",
      },
    ]);
  });

  it("says when netUsageBaseline is absent", async () => {
    const { records, warnings } = await run({ something: "else" });
    expect(warnings).toEqual([]);
    expect(records).toEqual([{ baselineMissing: true }]);
    expect(osAnalyticsAdDailyArtifact.observables(records[0]!)).toEqual([]);
    expect(osAnalyticsAdDailyArtifact.events(records[0]!)).toEqual([]);
  });

  it("copes with broken input", async () => {
    const wrongShape = await run({ netUsageBaseline: { p: "x", q: [12, "a"], ["A".repeat(70_000)]: [] } });
    expect(wrongShape.records).toEqual([
      { processName: "p" },
      { processName: "q" },
      { processName: "A".repeat(65_536), truncated: ["processName"] },
    ]);
    expect(wrongShape.warnings).toEqual(["CORRUPT: netUsageBaseline entry of p is not an array"]);
    expect((await run({ netUsageBaseline: [1, 2] })).warnings).toEqual([
      "CORRUPT: netUsageBaseline is not a dictionary",
    ]);
    const garbage = await run(Buffer.from("bplist00 garbage"));
    expect(garbage.records).toEqual([]);
    expect(garbage.warnings[0]).toMatch(/^CORRUPT: /);
    const truncated = await run(writeBinaryPlist({ netUsageBaseline: { a: [1] } }).subarray(0, 30));
    expect(truncated.warnings[0]).toMatch(/^CORRUPT: /);
  });

  it("reads the development backup's file", async () => {
    const path = corpusPath("backups", "dev-ios16-plain", "f6", "f65b5fafc69bbd3c60be019c6e938e146825fa83");
    if (path === undefined) return;
    const { records, warnings } = await run(readFileSync(path));
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        processName: "apsd",
        at: "2023-08-19T03:00:00.000Z",
        wifiIn: 9000,
        wifiOut: 4000,
        wwanIn: 0,
        wwanOut: 0,
      },
      {
        processName: "mDNSResponder",
        at: "2023-08-19T03:00:00.000Z",
        wifiIn: 3000,
        wifiOut: 1500,
        wwanIn: 0,
        wwanOut: 0,
      },
    ]);
  });
});
