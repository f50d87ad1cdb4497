/**
 * Operation Triangulation's delivery sequence (kaspersky.md §2.4): IMTransferAgent downloads the
 * iMessage attachment, and "BackupAgent" uses the network a few minutes later. A BackupAgent time at
 * most 5 minutes after an IMTransferAgent time in DataUsage/netusage is reported as a campaign trace.
 */
import type { ArtifactRecord } from "../../artifacts/define.js";
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import type { Finding, HeuristicEvent } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, millis } from "../support.js";
import { CAMPAIGN, EXACT_PROCESS, USAGE_ARTIFACTS, usageRows, usageTimes } from "./traces.js";

const RULE = "triangulation/imtransfer-then-backupagent";
/** Kaspersky's published example has 64 s between the two; 5 minutes leaves room without reaching far. */
export const FOLLOW_SECONDS = 300;

/** IMTransferAgent rows are named "IMTransferAgent" or "IMTransferAgent/com.apple.datausage.messages". */
export function isImTransferAgent(name: string): boolean {
  return name === "IMTransferAgent" || name.startsWith("IMTransferAgent/");
}

interface Timed {
  ms: number;
  at: string;
  source: string;
  record: ArtifactRecord<ProcessUsageRecord>;
}

function timesOf(rows: readonly ArtifactRecord<ProcessUsageRecord>[]): Timed[] {
  const out: Timed[] = [];
  for (const record of rows)
    for (const t of usageTimes(record.data)) {
      const ms = millis(t.at);
      if (ms !== undefined) out.push({ ms, at: t.at, source: t.source, record });
    }
  return out.sort((a, b) => a.ms - b.ms);
}

function event(t: Timed): HeuristicEvent {
  return {
    at: t.at,
    event: t.source,
    description: `${t.record.data.processName} network usage (${t.source})`,
    artifact: t.record.artifact,
    path: t.record.file,
  };
}

export const imTransferThenBackupAgentDetection = defineDetection({
  id: RULE,
  title: "Operation Triangulation: attachment download followed by BackupAgent",
  reads: USAGE_ARTIFACTS,
  run(context) {
    const rows = usageRows(context);
    const transfers = timesOf(rows.filter((r) => isImTransferAgent(r.data.processName)));
    const findings: Finding[] = [];
    if (transfers.length === 0) return { findings, limitations: [] };
    for (const backup of rows.filter((r) => r.data.processName === EXACT_PROCESS)) {
      const pairs: [Timed, Timed][] = [];
      for (const b of timesOf([backup])) {
        // The latest IMTransferAgent time not after this BackupAgent time.
        const before = transfers.filter((t) => t.ms <= b.ms && b.ms - t.ms <= FOLLOW_SECONDS * 1000).at(-1);
        if (before !== undefined) pairs.push([before, b]);
      }
      const first = pairs[0];
      if (first === undefined) continue;
      const transferRecords = [...new Set(pairs.map(([t]) => t.record))];
      const gap = Math.round((first[1].ms - first[0].ms) / 1000);
      findings.push({
        rule: RULE,
        level: "critical",
        certainty: "exact",
        time: first[0].at,
        summary: `An iMessage attachment download (IMTransferAgent) was followed ${gap} seconds later by network use of "BackupAgent", the sequence Operation Triangulation's infection leaves.`,
        evidence: [
          evidenceOf(context, backup, { field: "processName" }),
          ...transferRecords.map((r) => evidenceOf(context, r, { field: "processName" })),
        ],
        heuristic: {
          name: "IMTransferAgent then BackupAgent",
          window: { start: first[0].at, end: first[1].at, seconds: gap },
          events: pairs.flatMap(([t, b]) => [event(t), event(b)]),
          parameters: { followSeconds: FOLLOW_SECONDS, pairs: pairs.length },
        },
        campaign: CAMPAIGN,
      });
    }
    return { findings, limitations: [] };
  },
});
