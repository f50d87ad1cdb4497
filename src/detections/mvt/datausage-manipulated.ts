/**
 * Live-usage rows of DataUsage/netusage that point to a process row that no longer exists: someone
 * deleted the process entry but not its usage (MVT Datausage "manipulated process entry").
 */
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { earliest, evidenceOf, recordEvent } from "../support.js";

const RULE = "mvt/datausage-manipulated-process";
const ARTIFACTS = ["ios/datausage", "ios/netusage"] as const;
/** Live-usage rows listed in one finding (evidence and heuristic events); the count says how many there were. */
const LISTED_ROWS = 50;

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
        const database = id === "ios/netusage" ? "netusage.sqlite" : "DataUsage.sqlite";
        const listed = r.data.liveUsage.slice(0, LISTED_ROWS);
        const finding: Finding = {
          rule: RULE,
          level: "high",
          certainty: "heuristic",
          summary: `${r.data.liveUsage.length} network usage record${r.data.liveUsage.length === 1 ? "" : "s"} belong to process #${r.data.rowId}, whose entry was removed from ${database}; spyware deletes its own entries this way.`,
          evidence: [
            evidenceOf(context, r, {
              field: "liveUsage",
              part: { ...r.data, liveUsage: listed },
            }),
          ],
          heuristic: {
            name: "usage of a deleted process row",
            condition: `live-usage rows of ${database} point (ZHASPROCESS) to process row #${r.data.rowId}, which is not in ZPROCESS`,
            // The live rows are the events; their own ZLIVEUSAGE row ids, not the process's, locate them.
            events: listed.map((l) => ({
              ...recordEvent(r, {
                at: l.at,
                event: "live_usage",
                description: `live usage row #${l.rowId} of deleted process #${r.data.rowId}`,
              }),
              rowId: l.rowId,
            })),
            parameters: {
              processRowId: r.data.rowId,
              liveRows: r.data.liveUsage.length,
              listedRows: listed.length,
            },
          },
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
