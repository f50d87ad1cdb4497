/**
 * Changes of com.apple.softwareupdateservicesd.plist: Kaspersky reports that the implant edits it to
 * block iOS updates (kaspersky.md §2.4). Normal updates and update settings touch it too, so a
 * change alone is low; a change within 5 minutes of another Triangulation trace is medium.
 */
import type { ArtifactRecord } from "../../artifacts/define.js";
import type { FileListingRecord } from "../../artifacts/ios/file-listing.js";
import type { PreferenceFileRecord } from "../../artifacts/ios/preference-files.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, millis } from "../support.js";
import { CAMPAIGN, EXACT_PROCESS, heuristicEvent, traceTimeline, usageRows, usageTimes } from "./traces.js";

const RULE = "triangulation/softwareupdate-plist";
export const SOFTWAREUPDATE_PLIST =
  "/private/var/mobile/Library/Preferences/com.apple.softwareupdateservicesd.plist";
const NEAR_SECONDS = 300;

export const softwareUpdatePlistDetection = defineDetection({
  id: RULE,
  title: "Operation Triangulation: software update settings changed",
  reads: ["ios/preference-files", "ios/file-listing", "ios/datausage", "ios/netusage"],
  run(context) {
    const record = firstAt<PreferenceFileRecord | FileListingRecord>(
      SOFTWAREUPDATE_PLIST,
      context.records<PreferenceFileRecord>("ios/preference-files"),
      context.records<FileListingRecord>("ios/file-listing"),
    );
    if (record === undefined) return { findings: [], limitations: [] };
    // One change usually sets both times at once: that is one finding, not two.
    const byTime = new Map<string, string[]>();
    for (const [verb, at] of [
      ["modified", record.data.modifiedAt],
      ["status changed", record.data.changedAt],
    ] as const) {
      if (at !== undefined) byTime.set(at, [...(byTime.get(at) ?? []), verb]);
    }
    const changes = [...byTime].map(([at, verbs]) => [verbs.join(" and "), at] as const);
    if (changes.length === 0) return { findings: [], limitations: [] };

    // Other traces to compare with: the heuristic's events and any BackupAgent time.
    const traces = traceTimeline(context).filter((e) => e.subject !== SOFTWAREUPDATE_PLIST);
    const backupTimes = usageRows(context)
      .filter((r) => r.data.processName === EXACT_PROCESS)
      .flatMap((r) => usageTimes(r.data).map((t) => ({ ms: millis(t.at) ?? Number.NaN, at: t.at, r })));
    const findings: Finding[] = [];
    for (const [verb, at] of changes) {
      const ms = millis(at);
      if (ms === undefined) continue;
      const near = traces.filter((e) => Math.abs(e.ms - ms) <= NEAR_SECONDS * 1000);
      const nearBackup = backupTimes.filter((b) => Math.abs(b.ms - ms) <= NEAR_SECONDS * 1000);
      const corroborated = near.length > 0 || nearBackup.length > 0;
      findings.push({
        rule: RULE,
        level: corroborated ? "medium" : "low",
        certainty: "heuristic",
        time: at,
        summary: corroborated
          ? "The software update settings file was changed within minutes of other Operation Triangulation traces; the implant edits it to block iOS updates."
          : "The software update settings file was changed; Operation Triangulation edits it to block updates, but normal updates change it too.",
        evidence: [
          evidenceOf(context, record, { field: verb === "status changed" ? "changedAt" : "modifiedAt" }),
        ],
        heuristic: {
          name: "software update plist change",
          events: [
            {
              at,
              class: "file",
              event: verb === "modified" ? "M" : verb === "status changed" ? "C" : "MC",
              description: `file ${verb}: ${SOFTWAREUPDATE_PLIST}`,
              artifact: record.artifact,
              path: SOFTWAREUPDATE_PLIST,
            },
            ...near.map(heuristicEvent),
            ...nearBackup.map((b) => ({
              at: b.at,
              class: "net",
              event: "BackupAgent",
              description: "traffic by process BackupAgent",
              artifact: b.r.artifact,
              path: b.r.file,
            })),
          ],
          parameters: { nearSeconds: NEAR_SECONDS },
        },
        campaign: CAMPAIGN,
        notes: [
          "iOS updates, update settings and restores change this file too; it is only a lead when a failed update or other traces go with it.",
        ],
      });
    }
    return { findings, limitations: [] };
  },
});

/** The first record about `path`, preference files before the listing. */
function firstAt<R extends { path: string }>(
  path: string,
  ...lists: Iterable<ArtifactRecord<R>>[]
): ArtifactRecord<R> | undefined {
  for (const list of lists) for (const r of list) if (r.data.path === path) return r;
  return undefined;
}
