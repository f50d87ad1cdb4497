/**
 * Live-usage rows of DataUsage/netusage that point to a process row that no longer exists: someone
 * deleted the process entry but not its usage (MVT Datausage "manipulated process entry").
 */
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { earliest, evidenceOf } from "../support.js";

const RULE = "mvt/datausage-manipulated-process";
const ARTIFACTS = ["ios/datausage", "ios/netusage"] as const;

export const dataUsageManipulatedDetection = defineDetection({
  id: RULE,
  title: "Network usage of a deleted process entry",
  reads: ARTIFACTS,
  run(context) {
    const findings: Finding[] = [];
    for (const id of ARTIFACTS)
      for (const r of context.records<ProcessUsageRecord>(id)) {
        // rowId 0 groups live rows whose ZHASPROCESS is NULL: they point nowhere, not to a deleted row.
        if (r.data.orphan !== true || r.data.rowId === 0) continue;
        const times = r.data.liveUsage.map((l) => l.at);
        const finding: Finding = {
          rule: RULE,
          level: "high",
          certainty: "heuristic",
          summary: `${r.data.liveUsage.length} network usage record${r.data.liveUsage.length === 1 ? "" : "s"} belong to process #${r.data.rowId}, whose entry was removed from ${id === "ios/netusage" ? "netusage.sqlite" : "DataUsage.sqlite"}; spyware deletes its own entries this way.`,
          evidence: [
            evidenceOf(context, r, {
              field: "liveUsage",
              part: { ...r.data, liveUsage: r.data.liveUsage.slice(0, 50) },
            }),
          ],
          notes: [
            "iOS prunes old rows too, but it removes the usage together with the process; check the times against other traces.",
          ],
        };
        const at = earliest(times);
        if (at !== undefined) finding.time = at;
        findings.push(finding);
      }
    return { findings, limitations: [] };
  },
});
