/** Manifest.db rows → evidence entries (MBFile NSKeyedArchiver metadata decoded within budgets). */
import { createHash } from "node:crypto";
import { unarchive } from "../../formats/nskeyed.js";
import { parsePlist } from "../../formats/plist.js";
import { isPlistDict, type PlistValue } from "../../formats/plist-value.js";
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
    const expected = createHash("sha1").update(`${domain}-${relativePath}`, "utf8").digest("hex");
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
        const decoded = unarchive(parsePlist(blob, { file: "Manifest.db", budget: MBFILE_BUDGET }), {
          file: "Manifest.db",
          budget: { maxObjects: 10_000, maxDepth: 16 },
        });
        if (isPlistDict(decoded)) meta = decoded;
        else throw new Error("MBFile is not a dictionary");
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
      ...(mode === undefined ? {} : { mode }),
      ...(uid === undefined ? {} : { uid }),
      ...(gid === undefined ? {} : { gid }),
      ...(birthAt === undefined ? {} : { birthAt }),
      ...(modifiedAt === undefined ? {} : { modifiedAt }),
      ...(changedAt === undefined ? {} : { changedAt }),
      ...(typeof target === "string" ? { linkTarget: target } : {}),
      ...(protection === undefined ? {} : { protectionClass: protection }),
    };
    const key = meta.EncryptionKey;
    files.push({ entry, declaredSize, ...(key instanceof Uint8Array ? { encryptionKey: key } : {}) });
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
