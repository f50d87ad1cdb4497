/** Every file, directory and link of the evidence with its times: the backup Manifest or the dump's listing (MVT Manifest/Filesystem). */

import type { Observable } from "../../model/observable.js";
import type { EvidenceEntry, EvidenceSource } from "../../readers/types.js";
import { defineArtifact, type TimelineEvent } from "../define.js";
import { hostsInPath } from "./_shared/web.js";

/** One entry of the evidence listing; kept small, since a device has hundreds of thousands. */
export interface FileListingRecord {
  path: string;
  kind: EvidenceEntry["kind"];
  size: number;
  mode?: number;
  birthAt?: string;
  modifiedAt?: string;
  changedAt?: string;
  linkTarget?: string;
  /** Backup coordinates (iOS backups only). */
  domain?: string;
  relativePath?: string;
  fileId?: string;
  flags?: number;
  /** Only written when false: listed in a backup Manifest without a payload. */
  present?: false;
}

const TIMES = [
  ["birthAt", "file_birth", "created"],
  ["modifiedAt", "file_modified", "modified"],
  ["changedAt", "file_status_changed", "status changed"],
] as const;

/** Builds the listing record of one entry. */
export function listingRecord(entry: EvidenceEntry): FileListingRecord {
  const record: FileListingRecord = { path: entry.path, kind: entry.kind, size: entry.size };
  if (entry.mode !== undefined) record.mode = entry.mode;
  if (entry.birthAt !== undefined) record.birthAt = entry.birthAt;
  if (entry.modifiedAt !== undefined) record.modifiedAt = entry.modifiedAt;
  if (entry.changedAt !== undefined) record.changedAt = entry.changedAt;
  if (entry.linkTarget !== undefined) record.linkTarget = entry.linkTarget;
  if (entry.backup !== undefined) {
    record.domain = entry.backup.domain;
    record.relativePath = entry.backup.relativePath;
    record.fileId = entry.backup.fileId;
    record.flags = entry.backup.flags;
  }
  if (!entry.present) record.present = false;
  return record;
}

async function* listEntries(source: EvidenceSource): AsyncGenerator<FileListingRecord> {
  for (const entry of source.entries()) yield listingRecord(entry);
}

/** The full listing of the evidence. */
export const fileListingArtifact = defineArtifact<FileListingRecord>({
  id: "ios/file-listing",
  title: "File listing",
  description:
    "Every file and directory with its creation, modification and status-change times; known spyware file names and paths, and the file changes around an exploit, are found here.",
  sources: ["ios-backup", "fs-dump"],
  paths: [],
  iosVersions: "any",
  input: {
    kind: "source",
    collect: listEntries,
    rederive(source) {
      const entries = [...source.entries()];
      return { length: entries.length, at: (index) => listingRecord(entries[index]!) };
    },
  },
  observables(record) {
    const found: Observable[] = [{ kind: "path", value: record.path, field: "path" }];
    for (const host of hostsInPath(record.path)) found.push({ kind: "domain", value: host, field: "path" });
    return found;
  },
  observableKinds: ["path", "domain"],
  events(record) {
    const events: TimelineEvent[] = [];
    for (const [field, event, verb] of TIMES) {
      const at = record[field];
      if (at !== undefined) events.push({ at, event, description: `${record.path} ${verb}` });
    }
    return events;
  },
});
