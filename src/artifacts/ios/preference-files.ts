/** File times of the preference and cache files whose changes Operation Triangulation's heuristic clusters (triangle_check). */
import type { EvidenceEntry } from "../../readers/types.js";
import { defineArtifact, type TimelineEvent } from "../define.js";

/** The timestamps of one watched file, from the evidence listing (backup Manifest or file system). */
export interface PreferenceFileRecord {
  path: string;
  size: number;
  birthAt?: string;
  modifiedAt?: string;
  changedAt?: string;
  /** False when a backup lists the file but carries no payload (the times are still valid). */
  present: boolean;
}

const TIME_EVENTS = [
  ["birthAt", "file_birth", "created"],
  ["modifiedAt", "file_modified", "modified"],
  ["changedAt", "file_status_changed", "status changed"],
] as const;

/** Builds the record of one entry. */
function toRecord(entry: EvidenceEntry): PreferenceFileRecord {
  const record: PreferenceFileRecord = { path: entry.path, size: entry.size, present: entry.present };
  for (const [field] of TIME_EVENTS) {
    const at = entry[field];
    if (at !== undefined) record[field] = at;
  }
  return record;
}

/** Creation, modification and status-change times of the plists Triangulation's exploitation touches. */
export const preferenceFilesArtifact = defineArtifact<PreferenceFileRecord>({
  id: "ios/preference-files",
  title: "Watched preference file times",
  description:
    "When ImageIO, location status-bar, FaceTime, software-update and locationd client files changed; changes clustered with network events of odd processes point to an iMessage exploit (Operation Triangulation).",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    "/private/var/root/Library/Preferences/com.apple.ImageIO.plist",
    "/private/var/mobile/Library/Preferences/com.apple.locationd.StatusBarIconManager.plist",
    "/private/var/mobile/Library/Preferences/com.apple.imservice.ids.FaceTime.plist",
    "/private/var/mobile/Library/Preferences/com.apple.softwareupdateservicesd.plist",
    "/private/var/root/Library/Caches/locationd/clients.plist",
  ],
  iosVersions: "iOS 12–18",
  input: {
    kind: "entries",
    *parse(entries) {
      for (const entry of entries) if (entry.kind === "file") yield toRecord(entry);
    },
  },
  observables(record) {
    return [{ kind: "path", value: record.path, field: "path" }];
  },
  events(record) {
    const events: TimelineEvent[] = [];
    for (const [field, event, verb] of TIME_EVENTS) {
      const at = record[field];
      if (at !== undefined) events.push({ at, event, description: `${record.path} ${verb}` });
    }
    return events;
  },
});
