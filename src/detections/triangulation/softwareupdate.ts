/**
 * Changes of com.apple.softwareupdateservicesd.plist: Kaspersky reports that the implant edits it to
 * block iOS updates, seen by the user as "Software Update Failed" (kaspersky.md §2.4). Every update,
 * update setting and restore writes it too, so a change is low; it is medium only next to a trace
 * specific to Triangulation: BackupAgent traffic, the exploit attachment or a qualifying event window.
 * The timeline's single events (helper traffic, plist changes) do not raise it: updates make them too.
 */
import type { ArtifactRecord } from "../../artifacts/define.js";
import type { FileListingRecord } from "../../artifacts/ios/file-listing.js";
import type { PreferenceFileRecord } from "../../artifacts/ios/preference-files.js";
import type { SmsAttachmentRecord } from "../../artifacts/ios/sms-attachments.js";
import type { Finding, HeuristicEvent } from "../../model/finding.js";
import { type DetectionContext, defineDetection } from "../define.js";
import { evidenceOf, millis } from "../support.js";
import { isExploitAttachment } from "./exploit-attachment.js";
import { eventWindowDetection, eventWindowEpisodes } from "./heuristic-window.js";
import { CAMPAIGN, EXACT_PROCESS, heuristicEvent, usageRows, usageTimes } from "./traces.js";

const RULE = "triangulation/softwareupdate-plist";
export const SOFTWAREUPDATE_PLIST =
  "/private/var/mobile/Library/Preferences/com.apple.softwareupdateservicesd.plist";
const NEAR_SECONDS = 300;

export const softwareUpdatePlistDetection = defineDetection({
  id: RULE,
  title: "Operation Triangulation: software update settings changed",
  reads: [...eventWindowDetection.reads, "ios/sms-attachments"],
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

    const specific = specificTraces(context);
    const findings: Finding[] = [];
    for (const [verb, at] of changes) {
      const ms = millis(at);
      if (ms === undefined) continue;
      const near = specific.filter(
        (t) => t.fromMs - NEAR_SECONDS * 1000 <= ms && ms <= t.toMs + NEAR_SECONDS * 1000,
      );
      const corroborated = near.length > 0;
      findings.push({
        rule: RULE,
        level: corroborated ? "medium" : "low",
        certainty: "heuristic",
        time: at,
        summary: corroborated
          ? `The software update settings file was changed within 5 minutes of ${[...new Set(near.map((t) => t.name))].join(" and ")}; the implant edits it to block iOS updates.`
          : "The software update settings file was changed; Operation Triangulation edits it to block updates, but normal updates change it too.",
        evidence: [
          evidenceOf(context, record, { field: verb === "status changed" ? "changedAt" : "modifiedAt" }),
        ],
        heuristic: {
          name: "software update plist change",
          condition: corroborated
            ? `${SOFTWAREUPDATE_PLIST} ${verb} within ${NEAR_SECONDS} s of a Triangulation-specific trace`
            : `${SOFTWAREUPDATE_PLIST} ${verb}, with no Triangulation-specific trace within ${NEAR_SECONDS} s`,
          events: [
            {
              at,
              class: "file",
              event: verb === "modified" ? "M" : verb === "status changed" ? "C" : "MC",
              description: `file ${verb}: ${SOFTWAREUPDATE_PLIST}`,
              artifact: record.artifact,
              path: SOFTWAREUPDATE_PLIST,
            },
            ...near.flatMap((t) => t.events),
          ],
          parameters: { nearSeconds: NEAR_SECONDS },
        },
        campaign: CAMPAIGN,
        notes: [
          "iOS updates, update settings and restores change this file too; it is only a lead when a failed update or other traces go with it.",
          "Only traces specific to Triangulation raise it (BackupAgent traffic, the exploit attachment, a qualifying event window); helper traffic or plist changes alone do not, since an update makes them too.",
        ],
      });
    }
    return { findings, limitations: [] };
  },
});

/** A Triangulation-specific trace: its time span and the events that show it. */
interface SpecificTrace {
  name: string;
  fromMs: number;
  toMs: number;
  events: HeuristicEvent[];
}

/** BackupAgent times (usage rows and the analytics baseline), exploit attachments and event-window episodes. */
function specificTraces(context: DetectionContext): SpecificTrace[] {
  const out: SpecificTrace[] = [];
  const point = (name: string, event: HeuristicEvent): void => {
    const ms = millis(event.at);
    if (ms !== undefined) out.push({ name, fromMs: ms, toMs: ms, events: [event] });
  };
  for (const r of usageRows(context)) {
    if (r.data.processName !== EXACT_PROCESS) continue;
    for (const t of usageTimes(r.data))
      point("BackupAgent traffic", {
        at: t.at,
        class: "net",
        event: "BackupAgent",
        description: `traffic by process BackupAgent (${t.source})`,
        artifact: r.artifact,
        path: r.file,
      });
  }
  const { timeline, episodes } = eventWindowEpisodes(context);
  for (const e of timeline) if (e.subject === EXACT_PROCESS) point("BackupAgent traffic", heuristicEvent(e));
  for (const r of context.records<SmsAttachmentRecord>("ios/sms-attachments")) {
    const at = r.data.createdAt ?? r.data.messageAt;
    if (at === undefined || !isExploitAttachment(r.data.uti, r.data.transferName)) continue;
    point("the exploit attachment", {
      at,
      class: "sms",
      event: "watchface-attachment",
      description: `exploit attachment in Messages: ${r.data.transferName ?? ""}`,
      artifact: r.artifact,
      path: r.file,
    });
  }
  for (const episode of episodes) {
    const events = timeline.slice(episode.start, episode.end + 1);
    out.push({
      name: "a qualifying event window",
      fromMs: events[0]!.ms,
      toMs: events.at(-1)!.ms,
      events: events.map(heuristicEvent),
    });
  }
  return out;
}

/** The first record about `path`, preference files before the listing. */
function firstAt<R extends { path: string }>(
  path: string,
  ...lists: Iterable<ArtifactRecord<R>>[]
): ArtifactRecord<R> | undefined {
  for (const list of lists) for (const r of list) if (r.data.path === path) return r;
  return undefined;
}
