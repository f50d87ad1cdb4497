/**
 * Operation Triangulation's most reliable trace: network usage by a process named exactly
 * "BackupAgent" (a binary retired years ago; "BackupAgent2" is the legitimate one), in DataUsage,
 * netusage or the analytics daily baseline (triangle_check "DETECTED Exact match", kaspersky.md §1.5).
 */
import type { OsAnalyticsAdDailyRecord } from "../../artifacts/ios/osanalytics-addaily.js";
import type { Finding } from "../../model/finding.js";
import { type DetectionContext, defineDetection, type Limitation } from "../define.js";
import { earliest, evidenceOf, missingSource, recordHeuristic, sourceMissing } from "../support.js";
import { CAMPAIGN, EXACT_PROCESS, USAGE_ARTIFACTS, usageRows, usageTimes } from "./traces.js";

const RULE = "triangulation/backupagent";

const SOURCE_NAMES: Record<string, string> = {
  NetFirst: "first seen",
  NetTimestamp: "last seen",
  NetTimestamp2: "network usage sample",
};

/** What this rule could not look at. */
function limitations(context: DetectionContext): Limitation[] {
  const out: Limitation[] = [];
  const noDataUsage = sourceMissing(context, "ios/datausage");
  const noNetUsage = sourceMissing(context, "ios/netusage");
  if (noDataUsage && (context.evidenceKind === "ios-backup" || noNetUsage))
    out.push(
      missingSource(context, {
        rule: RULE,
        artifact: "ios/datausage",
        what: "The per-process data usage database (DataUsage.sqlite)",
        consequence:
          "the main Operation Triangulation trace (BackupAgent network usage) could not be checked",
        important: true,
      }),
    );
  const analytics = context.records<OsAnalyticsAdDailyRecord>("ios/osanalytics-addaily");
  if (sourceMissing(context, "ios/osanalytics-addaily"))
    out.push(
      missingSource(context, {
        rule: RULE,
        artifact: "ios/osanalytics-addaily",
        what: "The analytics daily report (com.apple.osanalytics.addaily.plist)",
        consequence: "its network baseline could not be checked for BackupAgent",
        important: false,
      }),
    );
  else if ([...analytics].some((r) => r.data.baselineMissing === true))
    out.push({
      rule: RULE,
      message:
        "The analytics daily report has no network baseline (analytics sharing may be off), so it could not be checked for BackupAgent.",
      important: false,
    });
  return out;
}

export const backupAgentDetection = defineDetection({
  id: RULE,
  title: "Operation Triangulation: BackupAgent network usage",
  reads: [...USAGE_ARTIFACTS, "ios/osanalytics-addaily"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of usageRows(context)) {
      if (r.data.processName !== EXACT_PROCESS) continue;
      const times = usageTimes(r.data);
      const database = r.artifact === "ios/netusage" ? "netusage.sqlite" : "DataUsage.sqlite";
      const finding: Finding = {
        rule: RULE,
        level: "critical",
        certainty: "exact",
        summary: `A process named "BackupAgent", used by the Operation Triangulation spyware, sent or received data on this iPhone (${database}).`,
        evidence: [evidenceOf(context, r, { field: "processName" })],
        heuristic: {
          name: "exact process name",
          condition: `${database} process row whose ZPROCNAME is exactly "BackupAgent"`,
          events: times.map((t) => ({
            at: t.at,
            event: t.source,
            description: `BackupAgent ${SOURCE_NAMES[t.source]}${t.liveRowId === undefined ? "" : ` (live usage row ${t.liveRowId})`}`,
            artifact: r.artifact,
            path: r.file,
          })),
        },
        campaign: CAMPAIGN,
        notes: [
          'Matched by exact name: "BackupAgent2" and other look-alikes are legitimate and never match.',
        ],
      };
      const time = earliest(times.map((t) => t.at));
      if (time !== undefined) finding.time = time;
      findings.push(finding);
    }
    for (const r of context.records<OsAnalyticsAdDailyRecord>("ios/osanalytics-addaily")) {
      if (r.data.processName !== EXACT_PROCESS) continue;
      const finding: Finding = {
        rule: RULE,
        level: "critical",
        certainty: "exact",
        summary:
          'The daily analytics report lists network usage by "BackupAgent", a process name used by the Operation Triangulation spyware.',
        evidence: [evidenceOf(context, r, { field: "processName" })],
        heuristic: recordHeuristic(r, {
          name: "exact process name",
          condition: 'netUsageBaseline entry whose process name is exactly "BackupAgent"',
          event: {
            at: r.data.at,
            event: "NetUsage",
            description: "BackupAgent in the daily network usage baseline",
          },
        }),
        campaign: CAMPAIGN,
      };
      if (r.data.at !== undefined) finding.time = r.data.at;
      findings.push(finding);
    }
    return { findings, limitations: limitations(context) };
  },
});
