/** Every file, directory and link of the evidence with its times: the backup Manifest or the dump's listing (MVT Manifest/Filesystem). */

import type { Observable } from "../../model/observable.js";
import type { EvidenceEntry, EvidenceSource } from "../../readers/types.js";
import { defineArtifact, type TimelineEvent } from "../define.js";

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

/** A host name: dot-separated labels, an alphabetic last label. */
const HOST = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Last labels that, in a device path, are far more often a file extension than a top-level domain. */
const FILE_SUFFIXES = new Set(
  (
    "plist db sqlite sqlitedb sqlite3 wal shm journal lock tmp log txt json xml html htm js css data dat bin " +
    "archive pb ips crash jpg jpeg png heic gif tiff mov mp4 m4a caf aac wav pdf vcf ics aae thm zip gz tar " +
    "app appex bundle framework plugin dylib car nib strings stringsdict lproj storyboardc ttf otf mobileconfig " +
    "pem cer der p12 localstorage indexeddb sinf supp mom omo momd cache savedstate"
  ).split(" "),
);

/** First labels of reverse-DNS identifiers (bundle ids, app groups), which are not host names. */
const REVERSE_DNS = new Set(["com", "org", "net", "io", "group", "systemgroup", "edu", "gov"]);

/**
 * Host names in a path's folder and file names, also inside names joined with `_` such as WebKit's
 * `https_evil.example_0` (MVT's Manifest module checks each `_`-separated part of the path as a URL).
 */
export function hostsInPath(path: string): string[] {
  const hosts: string[] = [];
  for (const token of path.toLowerCase().split(/[/_]/)) {
    const dot = token.lastIndexOf(".");
    if (dot < 1 || !HOST.test(token)) continue;
    if (FILE_SUFFIXES.has(token.slice(dot + 1)) || REVERSE_DNS.has(token.slice(0, token.indexOf("."))))
      continue;
    if (!hosts.includes(token)) hosts.push(token);
  }
  return hosts;
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
