/**
 * The Operation Triangulation traces triangle_check reads (../shared/reference/kaspersky.md §1.4–1.6),
 * gathered from our records: process usage times, the watched preference files, the location
 * bundles and the SMS attachment folders, as one sorted event list.
 */
import type { ArtifactRecord } from "../../artifacts/define.js";
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import type { FileListingRecord } from "../../artifacts/ios/file-listing.js";
import type { LocationdClientRecord } from "../../artifacts/ios/locationd-clients.js";
import type { OsAnalyticsAdDailyRecord } from "../../artifacts/ios/osanalytics-addaily.js";
import type { PreferenceFileRecord } from "../../artifacts/ios/preference-files.js";
import type { HeuristicEvent } from "../../model/finding.js";
import type { DetectionContext } from "../define.js";
import { millis } from "../support.js";

export const CAMPAIGN = "Operation Triangulation";

/** The one exact process trace; compared with string equality ("BackupAgent2" is legitimate). */
export const EXACT_PROCESS = "BackupAgent";

/** Process names (DataUsage ZPROCNAME, as stored) that count as network events of the heuristic. */
export const IMPLICIT_PROCESSES: readonly string[] = [
  "nehelper",
  "com.apple.WebKit.WebContent",
  "powerd/com.apple.datausage.diagnostics",
  "lockdownd/com.apple.datausage.security",
];

/**
 * The clients.plist keys whose LocationTimeStopped counts as a location event, compared exactly as
 * triangle_check does: locationd keys a location bundle by this prefix and its full system path on
 * every iOS version we know of, so a key that merely ends in the bundle name is some other client.
 */
export const LOCATION_CLIENTS: readonly string[] = [
  "com.apple.locationd.bundle-/System/Library/LocationBundles/IonosphereHarvest.bundle",
  "com.apple.locationd.bundle-/System/Library/LocationBundles/WRMLinkSelection.bundle",
];

/** The three preference plists whose M/C/B times count as file events (device paths). */
export const WATCHED_FILES: readonly string[] = [
  "/private/var/root/Library/Preferences/com.apple.ImageIO.plist",
  "/private/var/mobile/Library/Preferences/com.apple.locationd.StatusBarIconManager.plist",
  "/private/var/mobile/Library/Preferences/com.apple.imservice.ids.FaceTime.plist",
];

export const SMS_ATTACHMENTS = "/private/var/mobile/Library/SMS/Attachments/";

/** The process-usage artifacts: DataUsage.sqlite (backups and dumps) and netusage.sqlite (dumps). */
export const USAGE_ARTIFACTS = ["ios/datausage", "ios/netusage"] as const;

/** One time of a process-usage row, named like triangle_check's sources. */
export interface UsageTime {
  at: string;
  /** NetFirst = ZFIRSTTIMESTAMP, NetTimestamp = ZPROCESS.ZTIMESTAMP, NetTimestamp2 = a live-usage row. */
  source: "NetFirst" | "NetTimestamp" | "NetTimestamp2";
  liveRowId?: number;
}

/** Every time of a process-usage row: first, last, then each live-usage row. */
export function usageTimes(row: ProcessUsageRecord): UsageTime[] {
  const times: UsageTime[] = [];
  if (row.firstAt !== undefined) times.push({ at: row.firstAt, source: "NetFirst" });
  if (row.lastAt !== undefined) times.push({ at: row.lastAt, source: "NetTimestamp" });
  for (const live of row.liveUsage)
    if (live.at !== undefined) times.push({ at: live.at, source: "NetTimestamp2", liveRowId: live.rowId });
  return times;
}

/** The process-usage rows of DataUsage and netusage. */
export function usageRows(context: DetectionContext): ArtifactRecord<ProcessUsageRecord>[] {
  return USAGE_ARTIFACTS.flatMap((id) => [...context.records<ProcessUsageRecord>(id)]);
}

export type TraceClass = "file" | "net" | "location" | "sms";

/** One event of the Triangulation timeline. */
export interface TraceEvent {
  ms: number;
  at: string;
  class: TraceClass;
  /** M, C, B (file times), NetUsage/NetFirst/NetTimestamp/NetTimestamp2, LocationTimeStopped. */
  type: string;
  /** The file path, process name or location client. */
  subject: string;
  record: ArtifactRecord;
  /**
   * SMS attachment entries: a folder of the "xx" or "xx/yy" level, or an attachment (anything deeper,
   * file or GUID folder, or a file at those levels): a received attachment that is still there.
   */
  sms?: { kind: "dir"; dir: string } | { kind: "attachment" };
}

const FILE_TIMES = [
  ["modifiedAt", "M", "modified"],
  ["changedAt", "C", "status changed"],
  ["birthAt", "B", "created"],
] as const;

/**
 * The SMS part of an attachment entry: a folder at depth 1–2, or an attachment. Deeper folders count
 * as attachments too, as in triangle_check: the GUID folder of a received attachment is written with
 * its file, while the exploit's cleanup removes both and leaves only the emptied xx/yy folders.
 */
function smsPart(entry: FileListingRecord): TraceEvent["sms"] | undefined {
  if (!entry.path.startsWith(SMS_ATTACHMENTS)) return undefined;
  const rest = entry.path.slice(SMS_ATTACHMENTS.length).replace(/\/+$/, "");
  if (rest === "") return undefined;
  const depth = rest.split("/").length;
  if (depth <= 2 && entry.kind === "directory") return { kind: "dir", dir: rest };
  return { kind: "attachment" };
}

/** The sorted event timeline of the heuristic (and the BackupAgent entries of the analytics baseline). */
export function traceTimeline(context: DetectionContext): readonly TraceEvent[] {
  // Two detections read it; on a large device it walks hundreds of thousands of listing entries.
  let events = TRACES.get(context);
  if (events === undefined) {
    events = buildTraceTimeline(context);
    TRACES.set(context, events);
  }
  return events;
}

const TRACES = new WeakMap<DetectionContext, readonly TraceEvent[]>();

function buildTraceTimeline(context: DetectionContext): TraceEvent[] {
  const events: TraceEvent[] = [];
  const push = (event: Omit<TraceEvent, "ms">): void => {
    const ms = millis(event.at);
    if (ms !== undefined) events.push({ ...event, ms });
  };

  for (const r of context.records<OsAnalyticsAdDailyRecord>("ios/osanalytics-addaily")) {
    const name = r.data.processName;
    if (name === undefined || r.data.at === undefined) continue;
    if (name === EXACT_PROCESS || IMPLICIT_PROCESSES.includes(name))
      push({ at: r.data.at, class: "net", type: "NetUsage", subject: name, record: r });
  }
  for (const r of usageRows(context)) {
    if (!IMPLICIT_PROCESSES.includes(r.data.processName)) continue;
    for (const t of usageTimes(r.data))
      push({ at: t.at, class: "net", type: t.source, subject: r.data.processName, record: r });
  }
  for (const r of context.records<LocationdClientRecord>("ios/locationd-clients")) {
    const stopped = r.data.times.LocationTimeStopped;
    if (stopped === undefined || !LOCATION_CLIENTS.includes(r.data.client)) continue;
    push({ at: stopped, class: "location", type: "LocationTimeStopped", subject: r.data.client, record: r });
  }

  // The watched plists: preference-files first, the full listing for any it did not cover.
  const seen = new Set<string>();
  for (const r of context.records<PreferenceFileRecord>("ios/preference-files")) {
    if (!WATCHED_FILES.includes(r.data.path) || seen.has(r.data.path)) continue;
    seen.add(r.data.path);
    for (const [field, type] of FILE_TIMES) {
      const at = r.data[field];
      if (at !== undefined) push({ at, class: "file", type, subject: r.data.path, record: r });
    }
  }
  for (const r of context.records<FileListingRecord>("ios/file-listing")) {
    const entry = r.data;
    const watched = WATCHED_FILES.includes(entry.path) && !seen.has(entry.path);
    const sms = watched ? undefined : smsPart(entry);
    if (!watched && sms === undefined) continue;
    for (const [field, type] of FILE_TIMES) {
      const at = entry[field];
      if (at === undefined) continue;
      if (watched) push({ at, class: "file", type, subject: entry.path, record: r });
      else if (sms !== undefined) push({ at, class: "sms", type, subject: entry.path, record: r, sms });
    }
  }
  // Stable: equal times keep the order above (triangle_check's dict order is similar).
  return events.sort((a, b) => a.ms - b.ms);
}

/** A readable line for one event (the bullets triangle_check prints). */
export function describeTrace(event: TraceEvent): string {
  switch (event.type) {
    case "M":
      return `file modification: ${event.subject}`;
    case "C":
      return `file attribute change: ${event.subject}`;
    case "B":
      return `file birth: ${event.subject}`;
    case "LocationTimeStopped":
      return `location service stopped: ${event.subject}`;
    default:
      return `traffic by process ${event.subject} (${event.type})`;
  }
}

/** The event as a finding shows it. */
export function heuristicEvent(event: TraceEvent): HeuristicEvent {
  const path = event.class === "file" || event.class === "sms" ? event.subject : event.record.file;
  return {
    at: event.at,
    class: event.class,
    event: event.type,
    description: describeTrace(event),
    artifact: event.record.artifact,
    path,
  };
}
