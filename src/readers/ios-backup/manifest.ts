/** Manifest.db rows → evidence entries (MBFile NSKeyedArchiver metadata decoded within budgets). */
import { hash } from "node:crypto";
import { SpyglassError } from "../../errors.js";
import { unarchive } from "../../formats/nskeyed.js";
import { parsePlist } from "../../formats/plist.js";
import { isPlistDict, type PlistValue } from "../../formats/plist-value.js";
import { fromUnixSeconds } from "../../model/time.js";
import type { WarningList } from "../../model/warning.js";
import { type PageSource, TableWalker, tableColumnNames } from "../../sqlite/btree.js";
import type { SqliteDatabase } from "../../sqlite/open.js";
import type { EntryKind, EvidenceEntry } from "../types.js";
import { domainRoot, normalRelativePath } from "./domains.js";

/** A Manifest.db row decoded: the entry plus the wrapped file key when the backup is encrypted. */
export interface ManifestFile {
  entry: EvidenceEntry;
  /** u32le protection class + RFC 3394-wrapped key, from MBFile EncryptionKey. */
  encryptionKey?: Uint8Array | undefined;
  /** Size declared by MBFile. */
  declaredSize: number;
}

const FILE_ID = /^[0-9a-f]{40}$/;
const MBFILE_BUDGET = { maxBytes: 1024 * 1024, maxValues: 10_000, maxDepth: 32 };

/**
 * Reads every Files row through SQLite; bad rows become counted warnings and are skipped or kept
 * with what is known. `withoutMetadata`: the table has no `file` column (rows without MBFile).
 */
export function readManifestFiles(
  db: SqliteDatabase,
  warnings: WarningList,
  options: { withoutMetadata?: boolean } = {},
): ManifestFile[] {
  const blob = options.withoutMetadata === true ? "NULL" : "file";
  const rows = db
    .prepare(`SELECT fileID, domain, relativePath, flags, ${blob} FROM Files`)
    .raw()
    .iterate() as Iterable<[unknown, unknown, unknown, unknown, unknown]>;
  const decoder = new ManifestRows(warnings);
  for (const [rawId, rawDomain, rawPath, rawFlags, blob] of rows)
    decoder.add(rawId, rawDomain, rawPath, rawFlags, blob);
  return decoder.files;
}

const MANIFEST_COLUMNS = ["fileid", "domain", "relativepath", "flags", "file"] as const;

/**
 * Reads every Files row straight from the database pages (see sqlite/btree.ts), without handing
 * the file to SQLite. Returns undefined when the Files table has a shape this reader does not
 * take; throws BtreeError on anything unreadable, and SpyglassError BUDGET past `maxRows`. Either
 * way the caller may read the same file through SQLite instead.
 */
export function readManifestPages(
  pages: PageSource,
  options: { warnings: WarningList; maxRows: number; file: string },
): ManifestFile[] | undefined {
  const { warnings, maxRows, file } = options;
  const walker = new TableWalker(pages);
  const table = walker
    .schema()
    .find((entry) => entry.type === "table" && entry.name.toLowerCase() === "files");
  if (table === undefined || table.rootPage < 1) return undefined;
  const names = tableColumnNames(table.sql)?.map((name) => name.toLowerCase());
  if (names === undefined) return undefined;
  const at = MANIFEST_COLUMNS.map((column) => names.indexOf(column));
  if (at.some((index) => index < 0)) return undefined;
  const [idAt, domainAt, pathAt, flagsAt, blobAt] = at as [number, number, number, number, number];
  const rows = new ManifestRows(warnings);
  let count = 0;
  walker.scan(table.rootPage, Math.max(...at) + 1, (values) => {
    count += 1;
    if (count > maxRows)
      throw new SpyglassError("BUDGET", `Manifest.db lists more than the ${maxRows} files budget`, { file });
    rows.add(values[idAt], values[domainAt], values[pathAt], values[flagsAt], values[blobAt]);
  });
  return rows.files;
}

/**
 * A Manifest entry, which is also its own Manifest row. A backup lists hundreds of thousands, so
 * the entry keeps what it is made of (domain folder, relative path, times as Unix seconds) and
 * builds `path`, `origin`, `backup` and the ISO times when they are read.
 */
export class BackupEntry implements EvidenceEntry, ManifestFile {
  present: boolean;
  /** Size declared by MBFile (files only carry it as `size`). */
  declaredSize = 0;
  /** u32le protection class + RFC 3394-wrapped key, from MBFile EncryptionKey. */
  encryptionKey: Uint8Array | undefined = undefined;
  mode: number | undefined = undefined;
  uid: number | undefined = undefined;
  gid: number | undefined = undefined;
  protectionClass: number | undefined = undefined;
  linkTarget: string | undefined = undefined;
  /** Unix seconds, or -1 when unknown (a small integer, so V8 keeps it unboxed). */
  birth = -1;
  modified = -1;
  changed = -1;

  constructor(
    /** The device folder of the domain. */
    readonly root: string,
    /** relativePath when it is already normal, else its normalised form (see pathUnder). */
    private readonly under: string,
    readonly kind: EntryKind,
    readonly size: number,
    readonly domain: string,
    readonly relativePath: string,
    readonly fileId: string,
    readonly flags: number,
  ) {
    this.present = kind !== "file";
  }

  get entry(): BackupEntry {
    return this;
  }
  get path(): string {
    return this.under === "" ? this.root : `${this.root}/${this.under}`;
  }
  /** The device path split into components (for the path index). */
  pathParts(rootParts: readonly string[]): string[] {
    return this.under === "" ? [...rootParts] : [...rootParts, ...this.under.split("/")];
  }
  get backup(): { domain: string; relativePath: string; fileId: string; flags: number } {
    return { domain: this.domain, relativePath: this.relativePath, fileId: this.fileId, flags: this.flags };
  }
  get origin(): string {
    return `${this.domain}::${this.relativePath}`;
  }
  get birthAt(): string | undefined {
    return this.birth < 0 ? undefined : fromUnixSeconds(this.birth);
  }
  get modifiedAt(): string | undefined {
    return this.modified < 0 ? undefined : fromUnixSeconds(this.modified);
  }
  get changedAt(): string | undefined {
    return this.changed < 0 ? undefined : fromUnixSeconds(this.changed);
  }
}

/** Seconds for BackupEntry, -1 when absent, zero or out of range. */
function seconds(value: PlistValue | undefined): number {
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : Number.NaN;
  return n > 0 && n <= MAX_UNIX_SECONDS ? n : -1;
}
const MAX_UNIX_SECONDS = Date.UTC(2100, 0, 1) / 1000;

/** Turns Files rows into entries; values may be views into pages, so nothing here keeps them. */
class ManifestRows {
  readonly files: ManifestFile[] = [];
  /** MBFile fields of the row being added (read and dropped before the next row). */
  private readonly scratch = emptyMeta();
  /** One string and device folder per domain, shared by all its rows. */
  private readonly domains = new Map<string, { domain: string; root: string }>();

  constructor(private readonly warnings: WarningList) {}

  add(rawId: unknown, rawDomain: unknown, rawPath: unknown, rawFlags: unknown, blob: unknown): void {
    const warnings = this.warnings;
    const relativePath = typeof rawPath === "string" ? rawPath : "";
    const flags = typeof rawFlags === "number" ? rawFlags : Number(rawFlags ?? 0);
    const rawDomainText = typeof rawDomain === "string" ? rawDomain : "";
    let known = this.domains.get(rawDomainText);
    if (known === undefined) {
      known = { domain: rawDomainText, root: domainRoot(rawDomainText) };
      this.domains.set(rawDomainText, known);
    }
    const domain = known.domain;
    const expected = hash("sha1", `${domain}-${relativePath}`);
    const fileId = rawId === expected ? expected : typeof rawId === "string" ? rawId.toLowerCase() : "";
    if (expected !== fileId && !FILE_ID.test(fileId)) {
      warnings.count(
        "UNSAFE_PATH",
        (n) => `${n} Manifest.db rows have an invalid fileID and were skipped`,
        `Manifest.db fileID ${String(rawId).slice(0, 60)}`,
      );
      return;
    }
    if (expected !== fileId) {
      warnings.count(
        "BAD_FILE_ID",
        (n) => `${n} Manifest.db rows have a fileID that is not SHA-1(domain-relativePath)`,
        `${domain}::${relativePath}`,
      );
    }
    let meta: MbFileMeta = EMPTY_META;
    if (blob instanceof Uint8Array && blob.length > 0) {
      try {
        meta = decodeMbFile(blob, this.scratch);
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
    const entry = new BackupEntry(
      known.root,
      normalRelativePath(relativePath),
      kind,
      kind === "file" ? declaredSize : 0,
      domain,
      relativePath,
      fileId,
      flags,
    );
    entry.mode = mode;
    entry.uid = num(meta.UserID);
    entry.gid = num(meta.GroupID);
    entry.protectionClass = num(meta.ProtectionClass);
    entry.birth = seconds(meta.Birth);
    entry.modified = seconds(meta.LastModified);
    entry.changed = seconds(meta.LastStatusChange);
    if (typeof target === "string") entry.linkTarget = target;
    entry.declaredSize = declaredSize;
    const key = meta.EncryptionKey;
    // A pooled copy: a few dozen bytes that must not keep a page or a blob alive.
    if (key instanceof Uint8Array) entry.encryptionKey = Buffer.isBuffer(key) ? key : Buffer.from(key);
    this.files.push(entry);
  }
}

const EMPTY_META: MbFileMeta = Object.freeze(emptyMeta());

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

/** The MBFile fields read from a Manifest.db row: numbers first, then the two that may be UIDs. */
export const MBFILE_KEYS = [
  "LastModified",
  "LastStatusChange",
  "Birth",
  "Size",
  "Mode",
  "UserID",
  "GroupID",
  "ProtectionClass",
  "EncryptionKey",
  "Target",
] as const;
export const FIRST_REFERENCE_KEY = 8;

/** KEY_LOOKUP[length][first byte] → index in MBFILE_KEYS, or -1 (no two keys share both). */
const KEY_LOOKUP: Int8Array[] = (() => {
  const longest = Math.max(...MBFILE_KEYS.map((key) => key.length));
  const table = Array.from({ length: longest + 1 }, () => new Int8Array(256).fill(-1));
  MBFILE_KEYS.forEach((key, index) => {
    table[key.length]![key.charCodeAt(0)] = index;
  });
  return table;
})();

/** MBFile metadata; one fixed shape for every row. */
export type MbFileMeta = Partial<Record<string, PlistValue>>;

/** Named stores (a store keyed by a varying name is a slow dictionary lookup in V8). */
function setMeta(meta: MbFileMeta, index: number, value: PlistValue): void {
  switch (index) {
    case 0:
      meta.LastModified = value;
      break;
    case 1:
      meta.LastStatusChange = value;
      break;
    case 2:
      meta.Birth = value;
      break;
    case 3:
      meta.Size = value;
      break;
    case 4:
      meta.Mode = value;
      break;
    case 5:
      meta.UserID = value;
      break;
    case 6:
      meta.GroupID = value;
      break;
    case 7:
      meta.ProtectionClass = value;
      break;
    case 8:
      meta.EncryptionKey = value;
      break;
    case 9:
      meta.Target = value;
      break;
  }
}

function clearMeta(meta: MbFileMeta): void {
  meta.LastModified = undefined;
  meta.LastStatusChange = undefined;
  meta.Birth = undefined;
  meta.Size = undefined;
  meta.Mode = undefined;
  meta.UserID = undefined;
  meta.GroupID = undefined;
  meta.ProtectionClass = undefined;
  meta.EncryptionKey = undefined;
  meta.Target = undefined;
}

function emptyMeta(): MbFileMeta {
  return {
    LastModified: undefined,
    LastStatusChange: undefined,
    Birth: undefined,
    Size: undefined,
    Mode: undefined,
    UserID: undefined,
    GroupID: undefined,
    ProtectionClass: undefined,
    EncryptionKey: undefined,
    Target: undefined,
  };
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A direct reader for the usual MBFile archive (bplist00 with one-to-four-byte offsets and
 * references): no closures, no allocation but the values kept, every offset checked against the
 * object area. Anything else it leaves to the decoder below (`undefined`). One instance serves
 * every row: reading is synchronous and does not recurse.
 */
class DirectMbFileReader {
  private b: Buffer = Buffer.alloc(0);
  private end = 0;
  private table = 0;
  private off = 0;
  private ref = 0;
  private count = 0;
  /** Start of the data of the last object sized by `sized`. */
  private data = 0;

  private uintBE(at: number, size: number): number {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.b[at + i]!;
    return value;
  }

  /** Offset of object `ref`, or -1. */
  private objectAt(ref: number): number {
    if (ref < 0 || ref >= this.count) return -1;
    const at = this.uintBE(this.table + ref * this.off, this.off);
    return at >= 8 && at < this.end ? at : -1;
  }

  /** Element count of the sized object at `at` (its data start in this.data), or -1. */
  private sized(at: number): number {
    const info = this.b[at]! & 0xf;
    if (info !== 0xf) {
      this.data = at + 1;
      return info;
    }
    if (at + 2 > this.end) return -1;
    const marker = this.b[at + 1]!;
    if (marker >> 4 !== 0x1 || (marker & 0xf) > 2) return -1;
    const size = 1 << (marker & 0xf);
    if (at + 2 + size > this.end) return -1;
    this.data = at + 2 + size;
    return this.uintBE(at + 2, size);
  }

  /** The dictionary at `at`: its entry count (keys at this.data, values after them), or -1. */
  private dictAt(at: number): number {
    if (at < 0 || this.b[at]! >> 4 !== 0xd) return -1;
    const length = this.sized(at);
    return length >= 0 && this.data + 2 * length * this.ref <= this.end ? length : -1;
  }

  /** True when object `ref` is the ASCII string `name`. */
  private asciiIs(ref: number, name: string): boolean {
    const at = this.objectAt(ref);
    if (at < 0 || this.b[at]! >> 4 !== 0x5) return false;
    const length = this.sized(at);
    if (length !== name.length || this.data + length > this.end) return false;
    for (let i = 0; i < length; i++) if (this.b[this.data + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  /** Index in MBFILE_KEYS of the key object `ref`, or -1 (picked by length and first byte, then compared). */
  private keyIndex(ref: number): number {
    const at = this.objectAt(ref);
    if (at < 0 || this.b[at]! >> 4 !== 0x5) return -1;
    const length = this.sized(at);
    if (length < 1 || length >= KEY_LOOKUP.length || this.data + length > this.end) return -1;
    const k = KEY_LOOKUP[length]![this.b[this.data]!]!;
    if (k < 0) return -1;
    const name = MBFILE_KEYS[k]!;
    for (let i = 1; i < length; i++) if (this.b[this.data + i] !== name.charCodeAt(i)) return -1;
    return k;
  }

  /** A number object (integer or real) at `ref`, or undefined. */
  private numberAt(ref: number): number | undefined {
    const at = this.objectAt(ref);
    if (at < 0) return undefined;
    const marker = this.b[at]!;
    const size = 1 << (marker & 0xf);
    if (at + 1 + size > this.end) return undefined;
    if (marker >> 4 === 0x1) {
      if (size <= 4) return this.uintBE(at + 1, size);
      if (size === 8) {
        const value = this.b.readBigInt64BE(at + 1);
        return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : undefined;
      }
      return undefined;
    }
    if (marker === 0x22) return this.b.readFloatBE(at + 1);
    if (marker === 0x23) return this.b.readDoubleBE(at + 1);
    return undefined;
  }

  /** Data (a pooled copy) or ASCII string at `ref`, through one UID and an NS.data / NS.string wrapper. */
  private payloadAt(
    ref: number,
    objects: number,
    objectCount: number,
    depth: number,
  ): PlistValue | undefined {
    let at = this.objectAt(ref);
    if (at < 0) return undefined;
    if (this.b[at]! >> 4 === 0x8) {
      const size = (this.b[at]! & 0xf) + 1;
      if (size > 4 || at + 1 + size > this.end) return undefined;
      const uid = this.uintBE(at + 1, size);
      if (uid === 0) return null; // UID 0 is "$null": nil.
      if (uid >= objectCount) return undefined;
      at = this.objectAt(this.uintBE(objects + uid * this.ref, this.ref));
      if (at < 0) return undefined;
    }
    const type = this.b[at]! >> 4;
    if (type === 0x4 || type === 0x5) {
      const length = this.sized(at);
      if (length < 0 || this.data + length > this.end) return undefined;
      return type === 0x4
        ? Buffer.from(this.b.subarray(this.data, this.data + length))
        : this.b.toString("latin1", this.data, this.data + length);
    }
    if (type !== 0xd || depth > 0) return undefined;
    const length = this.dictAt(at);
    const keys = this.data;
    for (let i = 0; i < length; i++) {
      const key = this.uintBE(keys + i * this.ref, this.ref);
      if (this.asciiIs(key, "NS.data") || this.asciiIs(key, "NS.string"))
        return this.payloadAt(
          this.uintBE(keys + (length + i) * this.ref, this.ref),
          objects,
          objectCount,
          depth + 1,
        );
    }
    return undefined;
  }

  /** The usual MBFile archive read directly; undefined when it is of another shape. */
  /** Reads into `meta` (which the caller may reuse: every field is set or cleared). */
  readMbFileDirect(blob: Buffer, meta: MbFileMeta = emptyMeta()): MbFileMeta | undefined {
    const n = blob.length;
    if (n < 40 || n > MBFILE_BUDGET.maxBytes || blob.readUInt32BE(0) !== 0x62706c69 || blob[6] !== 0x30)
      return undefined;
    const t = n - 32;
    this.b = blob;
    this.end = t;
    this.off = blob[t + 6]!;
    this.ref = blob[t + 7]!;
    if (this.off < 1 || this.off > 4 || this.ref < 1 || this.ref > 4) return undefined;
    if (blob.readUInt32BE(t + 8) !== 0 || blob.readUInt32BE(t + 16) !== 0 || blob.readUInt32BE(t + 24) !== 0)
      return undefined;
    this.count = blob.readUInt32BE(t + 12);
    const top = blob.readUInt32BE(t + 20);
    this.table = blob.readUInt32BE(t + 28);
    if (top >= this.count || this.table < 8 || this.table + this.count * this.off > t) return undefined;
    this.end = Math.min(this.end, this.table);
    const topLength = this.dictAt(this.objectAt(top));
    if (topLength < 0) return undefined;
    const topKeys = this.data;
    let objects = -1;
    let objectCount = 0;
    let rootUid = -1;
    for (let i = 0; i < topLength; i++) {
      const key = this.uintBE(topKeys + i * this.ref, this.ref);
      const value = this.uintBE(topKeys + (topLength + i) * this.ref, this.ref);
      if (this.asciiIs(key, "$objects")) {
        const at = this.objectAt(value);
        if (at < 0 || this.b[at]! >> 4 !== 0xa) return undefined;
        objectCount = this.sized(at);
        if (objectCount < 0 || this.data + objectCount * this.ref > this.end) return undefined;
        objects = this.data;
      } else if (this.asciiIs(key, "$top")) {
        const length = this.dictAt(this.objectAt(value));
        const keys = this.data;
        for (let j = 0; j < length; j++) {
          if (!this.asciiIs(this.uintBE(keys + j * this.ref, this.ref), "root")) continue;
          const at = this.objectAt(this.uintBE(keys + (length + j) * this.ref, this.ref));
          if (at < 0 || this.b[at]! >> 4 !== 0x8) return undefined;
          const size = (this.b[at]! & 0xf) + 1;
          if (size > 4 || at + 1 + size > this.end) return undefined;
          rootUid = this.uintBE(at + 1, size);
        }
      }
    }
    if (objects < 0 || rootUid < 0 || rootUid >= objectCount) return undefined;
    const rootLength = this.dictAt(this.objectAt(this.uintBE(objects + rootUid * this.ref, this.ref)));
    if (rootLength < 0) return undefined;
    const rootKeys = this.data;
    clearMeta(meta);
    for (let i = 0; i < rootLength; i++) {
      const index = this.keyIndex(this.uintBE(rootKeys + i * this.ref, this.ref));
      if (index < 0) continue;
      const valueRef = this.uintBE(rootKeys + (rootLength + i) * this.ref, this.ref);
      const value =
        index < FIRST_REFERENCE_KEY
          ? this.numberAt(valueRef)
          : this.payloadAt(valueRef, objects, objectCount, 0);
      if (value === undefined) return undefined;
      setMeta(meta, index, value);
    }
    return meta;
  }

  /** Lets go of the last blob (it may be a view into a page). */
  release(): void {
    this.b = EMPTY_BUFFER;
  }
}
const EMPTY_BUFFER = Buffer.alloc(0);
const directReader = new DirectMbFileReader();

/**
 * Decodes an MBFile keyed archive: the usual layout read directly, anything else through the
 * generic plist decoder and unarchiver. With `reuse`, the usual layout is read into that object
 * (overwritten on the next call).
 */
export function decodeMbFile(blob: Uint8Array, reuse?: MbFileMeta): MbFileMeta {
  const direct = directReader.readMbFileDirect(
    Buffer.isBuffer(blob) ? blob : Buffer.from(blob.buffer, blob.byteOffset, blob.length),
    reuse,
  );
  directReader.release();
  return direct ?? genericMbFile(blob);
}

function genericMbFile(blob: Uint8Array): Record<string, PlistValue> {
  const decoded = unarchive(parsePlist(blob, { file: "Manifest.db", budget: MBFILE_BUDGET }), {
    file: "Manifest.db",
    budget: { maxObjects: 10_000, maxDepth: 16 },
  });
  if (!isPlistDict(decoded)) throw new Error("MBFile is not a dictionary");
  return decoded;
}
