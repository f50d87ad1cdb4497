import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type OsVersionRecord, osVersionHistoryArtifact, parseIpsTimestamp } from "./os-version-history.js";

const DIR = "/private/var/db/analyticsd";

async function run(files: Record<string, Buffer>) {
  const records: OsVersionRecord[] = [];
  const status = await runArtifact(memorySource(files), osVersionHistoryArtifact, (r) =>
    records.push(r.data as OsVersionRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/os-version-history", () => {
  it("reads the header line of each journal", async () => {
    const header = {
      bug_type: "211",
      timestamp: "2021-08-11 05:51:02.00 -0700",
      os_version: "iPhone OS 14.7.1 (18G82)",
      incident_id: "0B6E2AB6-0000-4000-8000-000000000001",
    };
    const { records, warnings } = await run({
      [`${DIR}/Analytics-Journal-2021-08-11-055102.0001.ips`]: Buffer.from(
        `${JSON.stringify(header)}\n{"body":1}\n`,
      ),
      [`${DIR}/Analytics-Journal-2021-09-01.ips`]: Buffer.from(
        '{"os_version":"iPhone OS 15.0 (19A346)","timestamp":"bad"}',
      ),
      [`${DIR}/other.ips`]: Buffer.from("{}"),
    });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        osVersion: "iPhone OS 14.7.1 (18G82)",
        version: "14.7.1",
        build: "18G82",
        at: "2021-08-11T12:51:02.000Z",
        bugType: "211",
        incidentId: "0B6E2AB6-0000-4000-8000-000000000001",
      },
      { osVersion: "iPhone OS 15.0 (19A346)", version: "15.0", build: "19A346" },
    ]);
    expect(osVersionHistoryArtifact.events(records[0]!)).toEqual([
      {
        at: "2021-08-11T12:51:02.000Z",
        event: "os_version_seen",
        description: "Device running iPhone OS 14.7.1 (18G82)",
      },
    ]);
  });

  it("copes with broken headers", async () => {
    const { records, warnings } = await run({
      [`${DIR}/Analytics-Journal-1.ips`]: Buffer.from("not json\n"),
      [`${DIR}/Analytics-Journal-2.ips`]: Buffer.from("[1,2]"),
      [`${DIR}/Analytics-Journal-3.ips`]: Buffer.from('{"bug_type":"211"}'),
      [`${DIR}/Analytics-Journal-4.ips`]: Buffer.alloc(0),
    });
    expect(records).toEqual([]);
    expect(warnings).toEqual([
      "CORRUPT: first line is not a JSON header",
      "CORRUPT: first line is not a JSON object",
      "CORRUPT: header has no os_version",
      "CORRUPT: first line is not a JSON header",
    ]);
  });

  it("parses IPS timestamps", () => {
    expect(parseIpsTimestamp("2023-01-02 03:04:05.678 +0100")).toBe("2023-01-02T02:04:05.678Z");
    expect(parseIpsTimestamp("2023-01-02 03:04:05")).toBe("2023-01-02T03:04:05.000Z");
    expect(parseIpsTimestamp("1900-01-01 00:00:00 +0000")).toBeUndefined();
    expect(parseIpsTimestamp("yesterday")).toBeUndefined();
  });
});
