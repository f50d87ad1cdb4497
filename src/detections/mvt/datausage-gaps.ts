/** Process rows of DataUsage/netusage without a name, and holes in the Z_PK sequence (MVT Datausage "Missing process N"). */
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/datausage-missing-process";
const ARTIFACTS = ["ios/datausage", "ios/netusage"] as const;

export const dataUsageGapsDetection = defineDetection({
  id: RULE,
  title: "Missing or unnamed process rows in network usage",
  reads: ARTIFACTS,
  run(context) {
    const findings: Finding[] = [];
    for (const id of ARTIFACTS)
      for (const r of context.records<ProcessUsageRecord>(id)) {
        if (r.data.orphan === true) continue;
        const database = id === "ios/netusage" ? "netusage.sqlite" : "DataUsage.sqlite";
        const problems: string[] = [];
        if (r.data.missingName === true) problems.push(`process row #${r.data.rowId} has no name`);
        if (r.data.pkGapBefore !== undefined)
          problems.push(
            `${r.data.pkGapBefore} process row${r.data.pkGapBefore === 1 ? "" : "s"} before #${r.data.rowId} were deleted`,
          );
        if (r.data.pkGapAfter !== undefined)
          problems.push(
            `${r.data.pkGapAfter} newer process row${r.data.pkGapAfter === 1 ? "" : "s"} after #${r.data.rowId} were deleted`,
          );
        if (problems.length === 0) continue;
        const finding: Finding = {
          rule: RULE,
          level: "low",
          certainty: "heuristic",
          summary: `In ${database}, ${problems.join(" and ")}; deleted entries can hide a process's network use.`,
          evidence: [
            evidenceOf(context, r, { part: { ...r.data, liveUsage: r.data.liveUsage.slice(0, 20) } }),
          ],
          heuristic: recordHeuristic(r, {
            name: "missing or unnamed process rows",
            condition: `in ${database}, ${problems.join(" and ")}`,
            event: {
              at: r.data.firstAt,
              event: "process_first_seen",
              description: `process row #${r.data.rowId}${r.data.processName === "" ? " (no name)" : ` ${r.data.processName}`}`,
            },
            parameters: {
              missingName: r.data.missingName === true,
              pkGapBefore: r.data.pkGapBefore ?? 0,
              pkGapAfter: r.data.pkGapAfter ?? 0,
            },
          }),
          notes: [
            "iOS deletes old process rows itself, so gaps are common on healthy phones; they only matter next to other traces.",
          ],
        };
        if (r.data.firstAt !== undefined) finding.time = r.data.firstAt;
        findings.push(finding);
      }
    return { findings, limitations: [] };
  },
});
