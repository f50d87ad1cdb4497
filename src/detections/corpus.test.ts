/** Detections on real data nobody here wrote: the clean development backup and plaso's DataUsage/netusage. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dataUsageArtifact } from "../artifacts/ios/datausage.js";
import { netUsageArtifact } from "../artifacts/ios/netusage.js";
import { ARTIFACTS } from "../artifacts/registry.js";
import { loadIndicators } from "../indicators/load.js";
import type { Finding } from "../model/finding.js";
import { openIosBackup } from "../readers/ios-backup/backup.js";
import { corpusPath } from "../testing/corpus.js";
import { memorySource } from "../testing/memory-source.js";
import type { DetectionContext } from "./define.js";
import { DETECTIONS } from "./registry.js";
import { collect, contextOf } from "./test-context.js";

const backups = corpusPath("backups");
const plaso = corpusPath("plaso", "ios");
const iocs = corpusPath("iocs");

function runAll(context: DetectionContext): Finding[] {
  return DETECTIONS.flatMap((d) => d.run(context).findings);
}

async function indicators() {
  const paths =
    iocs === undefined
      ? []
      : [
          join(iocs, "mvt-indicators", "2023-06_01_operation_triangulation", "operation_triangulation.stix2"),
          join(iocs, "amnesty-investigations", "2021-07-18_nso", "pegasus.stix2"),
        ];
  return (await loadIndicators({ paths })).index;
}

describe.skipIf(backups === undefined)("detections on the clean dev-ios16 backup", () => {
  it("find nothing exact and nothing above low (the backup has no spyware traces)", async () => {
    const backup = await openIosBackup(join(backups ?? "", "dev-ios16-plain"));
    try {
      const { records, statuses } = await collect(backup, ARTIFACTS);
      const context = contextOf(records, {
        indicators: await indicators(),
        statuses: Object.fromEntries(statuses.map((s) => [s.id, s.status])),
      });
      const findings = runAll(context);
      expect(
        findings.filter((f) => f.certainty === "exact" || f.level === "critical" || f.level === "high"),
      ).toEqual([]);
      expect(findings.filter((f) => f.level === "medium")).toEqual([]);
    } finally {
      await backup.close();
    }
  });
});

describe.skipIf(plaso === undefined)("detections on plaso's DataUsage.sqlite and netusage.sqlite", () => {
  it("raise no Triangulation trace on a normal phone's usage databases", async () => {
    const dir = plaso ?? "";
    const source = memorySource(
      {
        "/private/var/wireless/Library/Databases/DataUsage.sqlite": readFileSync(
          join(dir, "DataUsage.sqlite"),
        ),
        "/private/var/networkd/netusage.sqlite": readFileSync(join(dir, "netusage.sqlite")),
      },
      { kind: "fs-dump" },
    );
    const { records } = await collect(source, [dataUsageArtifact, netUsageArtifact]);
    expect(records.length).toBeGreaterThan(500);
    const findings = runAll(contextOf(records, { kind: "fs-dump", indicators: await indicators() }));
    expect(findings.filter((f) => f.rule.startsWith("triangulation/") || f.certainty === "exact")).toEqual(
      [],
    );
  });
});
