/** Manifest.db rows → evidence entries (MBFile NSKeyedArchiver metadata decoded within budgets). */
import { hash } from "node:crypto";
import { BinaryPlistDecoder } from "../../formats/bplist.js";
import { unarchive } from "../../formats/nskeyed.js";
import { parsePlist } from "../../formats/plist.js";
import { DEFAULT_PLIST_BUDGET, isPlistDict, type PlistValue } from "../../formats/plist-value.js";
import { fromUnixSeconds } from "../../model/time.js";
import type { WarningList } from "../../model/warning.js";
import type { SqliteDatabase } from "../../sqlite/open.js";
import type { EntryKind, EvidenceEntry } from "../types.js";
import { devicePath } from "./domains.js";

/** A Manifest.db row decoded: the entry plus the wrapped file key when the backup is encrypted. */
export interface ManifestFile {
  entry: EvidenceEntry;
  /** u32le protection class + RFC 3394-wrapped key, from MBFile EncryptionKey. */
  encryptionKey?: Uint8Array;
  /** Size declared by MBFile. */
  declaredSize: number;
}

const FILE_ID = /^[0-9a-f]{40}$/;
const MBFILE_BUDGET = { maxBytes: 1024 * 1024, maxValues: 10_000, maxDepth: 32 };

/** Reads every Files row; bad rows become counted warnings and are skipped or kept with what is known. */
export function readManifestFiles(db: SqliteDatabase, warnings: WarningList): ManifestFile[] {
  const rows = db
    .prepare("SELECT fileID, domain, relativePath, flags, file FROM Files")
    .raw()
    .iterate() as Iterable<[unknown, unknown, unknown, unknown, unknown]>;
  const files: ManifestFile[] = [];
  for (const [rawId, rawDomain, rawPath, rawFlags, blob] of rows) {
    const fileId = typeof rawId === "string" ? rawId.toLowerCase() : "";
    const domain = typeof rawDomain === "string" ? rawDomain : "";
    const relativePath = typeof rawPath === "string" ? rawPath : "";
    const flags = typeof rawFlags === "number" ? rawFlags : Number(rawFlags ?? 0);
    if (!FILE_ID.test(fileId)) {
      warnings.count(
        "UNSAFE_PATH",
        (n) => `${n} Manifest.db rows have an invalid fileID and were skipped`,
        `Manifest.db fileID ${String(rawId).slice(0, 60)}`,
      );
      continue;
    }
    const expected = hash("sha1", `${domain}-${relativePath}`);
    if (expected !== fileId) {
      warnings.count(
        "BAD_FILE_ID",
        (n) => `${n} Manifest.db rows have a fileID that is not SHA-1(domain-relativePath)`,
        `${domain}::${relativePath}`,
      );
    }
    let meta: Record<string, PlistValue> = {};
    if (blob instanceof Uint8Array && blob.length > 0) {
      try {
        meta = decodeMbFile(blob);
      } catch {
        warnings.count(
          "BAD_METADATA",
          (n) =>
            `${n} Manifest.db rows have an MBFile blob that is not a valid keyed archive; their metadata is unknown`,
          `${domain}::${relativePath}`,
        );
      }
    } else if (flags === 1) {
      warnings.count(
        "BAD_METADATA",
        (n) => `${n} Manifest.db file rows have no MBFile blob`,
        `${domain}::${relativePath}`,
      );
    }
    const mode = num(meta.Mode);
    const kind = entryKind(flags, mode);
    const declaredSize = num(meta.Size) ?? 0;
    const target = meta.Target;
    const birthAt = fromUnixSeconds(meta.Birth);
    const modifiedAt = fromUnixSeconds(meta.LastModified);
    const changedAt = fromUnixSeconds(meta.LastStatusChange);
    const uid = num(meta.UserID);
    const gid = num(meta.GroupID);
    const protection = num(meta.ProtectionClass);
    const entry: EvidenceEntry = {
      path: devicePath(domain, relativePath),
      kind,
      size: kind === "file" ? declaredSize : 0,
      origin: `${domain}::${relativePath}`,
      backup: { domain, relativePath, fileId, flags },
      present: kind !== "file",
    };
    // Plain assignments: object spreads here would allocate nine temporaries per row.
    if (mode !== undefined) entry.mode = mode;
    if (uid !== undefined) entry.uid = uid;
    if (gid !== undefined) entry.gid = gid;
    if (birthAt !== undefined) entry.birthAt = birthAt;
    if (modifiedAt !== undefined) entry.modifiedAt = modifiedAt;
    if (changedAt !== undefined) entry.changedAt = changedAt;
    if (typeof target === "string") entry.linkTarget = target;
    if (protection !== undefined) entry.protectionClass = protection;
    const key = meta.EncryptionKey;
    const file: ManifestFile = { entry, declaredSize };
    if (key instanceof Uint8Array) file.encryptionKey = key;
    files.push(file);
  }
  return files;
}

function entryKind(flags: number, mode: number | undefined): EntryKind {
  if (flags === 2) return "directory";
  if (flags === 4) return "symlink";
  if (flags === 1) return "file";
  // Some writers leave flags at 0; fall back on the file mode.
  if (mode !== undefined) {
    const type = mode & 0o170000;
    if (type === 0o040000) return "directory";
    if (type === 0o120000) return "symlink";
  }
  return "file";
}

function num(value: PlistValue | undefined): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "bigint") return Number(value);
  return undefined;
}

/** The MBFile fields read from a Manifest.db row. */
const NUMBER_FIELDS = new Set([
  "LastModified",
  "LastStatusChange",
  "Birth",
  "Size",
  "Mode",
  "UserID",
  "GroupID",
  "ProtectionClass",
]);

/**
 * Decodes an MBFile keyed archive. The fast path reads just the needed fields through the
 * decoder's lazy navigation (a backup has hundreds of thousands of these blobs); any archive of
 * another shape goes through the generic unarchiver.
 */
export function decodeMbFile(blob: Uint8Array): Record<string, PlistValue> {
  const decoder = new BinaryPlistDecoder(blob, { ...DEFAULT_PLIST_BUDGET, ...MBFILE_BUDGET }, "Manifest.db");
  let objects: number[] | undefined;
  let rootUid: number | undefined;
  decoder.forEachEntry(decoder.top, (key, value) => {
    if (decoder.isAscii(key, "$objects")) objects = decoder.arrayRefs(value);
    else if (decoder.isAscii(key, "$top")) {
      decoder.forEachEntry(value, (k, v) => {
        if (decoder.isAscii(k, "root")) rootUid = decoder.uidAt(v);
      });
    }
  });
  const list = objects;
  const rootRef = list === undefined || rootUid === undefined ? undefined : list[rootUid];
  if (list === undefined || rootRef === undefined || decoder.typeAt(rootRef) !== 0xd)
    return genericMbFile(blob);
  const resolve = (ref: number): number | undefined => {
    const uid = decoder.uidAt(ref);
    return uid === undefined ? ref : list[uid];
  };
  const meta: Record<string, PlistValue> = Object.create(null) as Record<string, PlistValue>;
  let unexpected = false;
  decoder.forEachEntry(rootRef, (key, value) => {
    const name = decoder.valueAt(key);
    if (typeof name !== "string") return;
    if (NUMBER_FIELDS.has(name)) {
      meta[name] = decoder.valueAt(value);
      return;
    }
    if (name !== "EncryptionKey" && name !== "Target") return;
    const target = resolve(value);
    if (target === undefined) {
      unexpected = true;
      return;
    }
    if (decoder.typeAt(target) !== 0xd) {
      meta[name] = decoder.valueAt(target);
      return;
    }
    // NSMutableData {NS.data} or NSString {NS.string}, whose payload may itself be a UID.
    decoder.forEachEntry(target, (k, v) => {
      if (decoder.isAscii(k, "NS.data") || decoder.isAscii(k, "NS.string")) {
        const inner = resolve(v);
        if (inner === undefined) unexpected = true;
        else meta[name] = decoder.valueAt(inner);
      }
    });
  });
  return unexpected ? genericMbFile(blob) : meta;
}

function genericMbFile(blob: Uint8Array): Record<string, PlistValue> {
  const decoded = unarchive(parsePlist(blob, { file: "Manifest.db", budget: MBFILE_BUDGET }), {
    file: "Manifest.db",
    budget: { maxObjects: 10_000, maxDepth: 16 },
  });
  if (!isPlistDict(decoded)) throw new Error("MBFile is not a dictionary");
  return decoded;
}
