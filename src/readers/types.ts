/** The read-only view every evidence reader hands out; nothing else touches the evidence. */
import type { PlistDict } from "../formats/plist-value.js";
import type { Warning } from "../model/warning.js";
import type { OpenedDatabase } from "../sqlite/open.js";

export type EvidenceKind = "ios-backup" | "fs-dump" | "sysdiagnose";
export type EntryKind = "file" | "directory" | "symlink";

/** One file, directory or link, named by its canonical device path. */
export interface EvidenceEntry {
  /** Absolute iOS path, e.g. /private/var/mobile/Library/SMS/sms.db. */
  path: string;
  kind: EntryKind;
  size: number;
  mode?: number | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  birthAt?: string | undefined;
  modifiedAt?: string | undefined;
  changedAt?: string | undefined;
  /** Last access, when the evidence records it (tar pax/GNU atime, zip extended timestamps). */
  accessedAt?: string;
  linkTarget?: string | undefined;
  protectionClass?: number | undefined;
  /** Where it lives inside the evidence, for explanations: "HomeDomain::Library/SMS/sms.db" or an archive member. */
  readonly origin: string;
  /** Backup coordinates, for entries read from an iOS backup. */
  backup?: { domain: string; relativePath: string; fileId: string; flags: number };
  /** False when the index lists the entry but its payload is absent (partial backup) or unusable. */
  present: boolean;
  /** Why a payload that is there was not read (not a regular file, a link, a folder that cannot be listed). */
  notRead?: string;
  /**
   * Set when the entry was reached through symbolic links of the evidence: `path` is the path
   * asked for, `target` the device path the links led to (whose metadata and bytes these are),
   * `links` each link followed, in order, as `link -> target as stored`.
   */
  followed?: { target: string; links: string[] };
}

/** Facts about the device, as far as the evidence tells them. */
export interface DeviceInfo {
  name?: string;
  productType?: string;
  productVersion?: string;
  buildVersion?: string;
  udid?: string;
  serialNumber?: string;
  imei?: string;
  phoneNumber?: string;
  backupDate?: string;
}

/** A readable piece of evidence: list entries, read bytes, open SQLite from memory. */
export interface EvidenceSource {
  readonly kind: EvidenceKind;
  /** The path the user gave. */
  readonly input: string;
  readonly device: DeviceInfo;
  readonly warnings: Warning[];
  /** The host-written plists of an iOS backup (Info.plist, Manifest.plist, Status.plist), decoded. */
  readonly backupPlists?: { info?: PlistDict; manifest?: PlistDict; status?: PlistDict };
  /** Every entry, directories included. */
  entries(): Iterable<EvidenceEntry>;
  /** The entry at an exact device path. */
  get(path: string): EvidenceEntry | undefined;
  /** Entries whose device path matches a glob (`*` one component, `**` any depth). */
  glob(pattern: string): EvidenceEntry[];
  /**
   * Like `glob`, through the evidence's own symbolic links: a matching file link gives the file
   * it leads to and linked folders on the way are descended (entries keep the path asked for and
   * carry `followed`). Only sources whose evidence holds links have it.
   */
  globThroughLinks?(pattern: string): EvidenceEntry[];
  /** The plaintext bytes of a file entry (decrypted when the evidence is encrypted). */
  read(entry: EvidenceEntry, options?: { maxBytes?: number }): Promise<Buffer>;
  /** A read-only in-memory SQLite database, with a `-wal` sidecar applied when the evidence has one. */
  openDatabase(entry: EvidenceEntry): Promise<OpenedDatabase>;
  close(): Promise<void>;
}
