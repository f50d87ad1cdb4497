/** Manifest.db rows → evidence entries (MBFile NSKeyedArchiver metadata decoded within budgets). */
import { hash } from "node:crypto";
import { SpyglassError } from "../../errors.js";
import { BinaryPlistDecoder } from "../../formats/bplist.js";
import { unarchive } from "../../formats/nskeyed.js";
import { parsePlist } from "../../formats/plist.js";
import { DEFAULT_PLIST_BUDGET, isPlistDict, type PlistValue } from "../../formats/plist-value.js";
import { fromUnixSeconds } from "../../model/time.js";
import type { WarningList } from "../../model/warning.js";
import { type PageSource, TableWalker, tableColumnNames } from "../../sqlite/btree.js";
import type { SqliteDatabase } from "../../sqlite/open.js";
import type { EntryKind, EvidenceEntry } from "../types.js";
import { domainRoot, pathUnder } from "./domains.js";

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
const MBFILE_DECODER_BUDGET = { ...DEFAULT_PLIST_BUDGET, ...MBFILE_BUDGET };

/** Reads every Files row through SQLite; bad rows become counted warnings and are skipped or kept with what is known. */
export function readManifestFiles(db: SqliteDatabase, warnings: WarningList): ManifestFile[] {
  const rows = db
    .prepare("SELECT fileID, domain, relativePath, flags, file FROM Files")
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
  warnings: WarningList,
  maxRows: number,
  file: string,
): ManifestFile[] | undefined {
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
 * A Manifest entry. A backup lists hundreds of thousands, so times stay numbers and the ISO
 * strings and `origin` are made when read.
 */
export class BackupEntry implements EvidenceEntry {
  present: boolean;
  mode: number | undefined = undefined;
  uid: number | undefined = undefined;
  gid: number | undefined = undefined;
  protectionClass: number | undefined = undefined;
  linkTarget: string | undefined = undefined;
  /** Unix seconds, or NaN when unknown. */
  birth = Number.NaN;
  modified = Number.NaN;
  changed = Number.NaN;

  constructor(
    readonly path: string,
    readonly kind: EntryKind,
    readonly size: number,
    readonly backup: { domain: string; relativePath: string; fileId: string; flags: number },
  ) {
    this.present = kind !== "file";
  }

  get origin(): string {
    return `${this.backup.domain}::${this.backup.relativePath}`;
  }
  get birthAt(): string | undefined {
    return fromUnixSeconds(this.birth);
  }
  get modifiedAt(): string | undefined {
    return fromUnixSeconds(this.modified);
  }
  get changedAt(): string | undefined {
    return fromUnixSeconds(this.changed);
  }
}

/** Seconds as a number for BackupEntry, NaN when absent, zero or out of range. */
function seconds(value: PlistValue | undefined): number {
  const n = typeof value === "number" ? value : typeof value === "bigint" ? Number(value) : Number.NaN;
  return n !== 0 && n >= 0 && n <= MAX_UNIX_SECONDS ? n : Number.NaN;
}
const MAX_UNIX_SECONDS = Date.UTC(2100, 0, 1) / 1000;

/** Turns Files rows into entries; values may be views into pages, so nothing here keeps them. */
class ManifestRows {
  readonly files: ManifestFile[] = [];
  /** One string and device folder per domain, shared by all its rows. */
  private readonly domains = new Map<string, { domain: string; root: string }>();

  constructor(private readonly warnings: WarningList) {}

  add(rawId: unknown, rawDomain: unknown, rawPath: unknown, rawFlags: unknown, blob: unknown): void {
    const warnings = this.warnings;
    const fileId = typeof rawId === "string" ? rawId.toLowerCase() : "";
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
    const entry = new BackupEntry(
      pathUnder(known.root, relativePath),
      kind,
      kind === "file" ? declaredSize : 0,
      { domain, relativePath, fileId, flags },
    );
    entry.mode = mode;
    entry.uid = num(meta.UserID);
    entry.gid = num(meta.GroupID);
    entry.protectionClass = num(meta.ProtectionClass);
    entry.birth = seconds(meta.Birth);
    entry.modified = seconds(meta.LastModified);
    entry.changed = seconds(meta.LastStatusChange);
    if (typeof target === "string") entry.linkTarget = target;
    const key = meta.EncryptionKey;
    const file: ManifestFile = { entry, declaredSize };
    // A pooled copy: a few dozen bytes that must not keep a page or a blob alive.
    if (key instanceof Uint8Array) file.encryptionKey = Buffer.isBuffer(key) ? key : Buffer.from(key);
    this.files.push(file);
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

/** MBFile metadata; one fixed shape for every row. */
export type MbFileMeta = Partial<Record<string, PlistValue>>;

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

/*
 * A direct reader for the usual MBFile archive (bplist00 with one-to-four-byte offsets and
 * references): no closures, no allocation but the values kept, every offset checked against the
 * object area. Anything else it leaves to the decoder below (`undefined`). Module-level state is
 * safe here: the reader is synchronous and does not recurse.
 */
const EMPTY = Buffer.alloc(0);
let B: Buffer = EMPTY;
let END = 0;
let TABLE = 0;
let OFF = 0;
let REF = 0;
let COUNT = 0;
/** Start of the data of the last object sized by `sized`. */
let DATA = 0;

function uintBE(at: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + B[at + i]!;
  return value;
}

/** Offset of object `ref`, or -1. */
function objectAt(ref: number): number {
  if (ref < 0 || ref >= COUNT) return -1;
  const at = uintBE(TABLE + ref * OFF, OFF);
  return at >= 8 && at < END ? at : -1;
}

/** Element count of the sized object at `at` (its data start in DATA), or -1. */
function sized(at: number): number {
  const info = B[at]! & 0xf;
  if (info !== 0xf) {
    DATA = at + 1;
    return info;
  }
  if (at + 2 > END) return -1;
  const marker = B[at + 1]!;
  if (marker >> 4 !== 0x1 || (marker & 0xf) > 2) return -1;
  const size = 1 << (marker & 0xf);
  if (at + 2 + size > END) return -1;
  DATA = at + 2 + size;
  return uintBE(at + 2, size);
}

/** The dictionary at `at`: its entry count (keys at DATA, values after them), or -1. */
function dictAt(at: number): number {
  if (at < 0 || B[at]! >> 4 !== 0xd) return -1;
  const length = sized(at);
  return length >= 0 && DATA + 2 * length * REF <= END ? length : -1;
}

/** True when object `ref` is the ASCII string `name`. */
function asciiIs(ref: number, name: string): boolean {
  const at = objectAt(ref);
  if (at < 0 || B[at]! >> 4 !== 0x5) return false;
  const length = sized(at);
  if (length !== name.length || DATA + length > END) return false;
  for (let i = 0; i < length; i++) if (B[DATA + i] !== name.charCodeAt(i)) return false;
  return true;
}

/** Index in MBFILE_KEYS of the key object `ref`, or -1. */
function keyIndex(ref: number): number {
  const at = objectAt(ref);
  if (at < 0 || B[at]! >> 4 !== 0x5) return -1;
  const length = sized(at);
  if (length < 0 || DATA + length > END) return -1;
  for (let k = 0; k < MBFILE_KEYS.length; k++) {
    const name = MBFILE_KEYS[k]!;
    if (name.length !== length) continue;
    let i = 0;
    while (i < length && B[DATA + i] === name.charCodeAt(i)) i++;
    if (i === length) return k;
  }
  return -1;
}

/** A number object (integer or real) at `ref`, or undefined. */
function numberAt(ref: number): number | undefined {
  const at = objectAt(ref);
  if (at < 0) return undefined;
  const marker = B[at]!;
  const size = 1 << (marker & 0xf);
  if (at + 1 + size > END) return undefined;
  if (marker >> 4 === 0x1) {
    if (size <= 4) return uintBE(at + 1, size);
    if (size === 8) {
      const value = B.readBigInt64BE(at + 1);
      return value >= -MAX_SAFE && value <= MAX_SAFE ? Number(value) : undefined;
    }
    return undefined;
  }
  if (marker === 0x22) return B.readFloatBE(at + 1);
  if (marker === 0x23) return B.readDoubleBE(at + 1);
  return undefined;
}
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Data (a pooled copy) or ASCII string at `ref`, through one UID and an NS.data / NS.string wrapper. */
function payloadAt(ref: number, objects: number, objectCount: number, depth: number): PlistValue | undefined {
  let at = objectAt(ref);
  if (at < 0) return undefined;
  if (B[at]! >> 4 === 0x8) {
    const size = (B[at]! & 0xf) + 1;
    if (size > 4 || at + 1 + size > END) return undefined;
    const uid = uintBE(at + 1, size);
    if (uid === 0) return null; // UID 0 is "$null": nil.
    if (uid >= objectCount) return undefined;
    at = objectAt(uintBE(objects + uid * REF, REF));
    if (at < 0) return undefined;
  }
  const type = B[at]! >> 4;
  if (type === 0x4 || type === 0x5) {
    const length = sized(at);
    if (length < 0 || DATA + length > END) return undefined;
    return type === 0x4
      ? Buffer.from(B.subarray(DATA, DATA + length))
      : B.toString("latin1", DATA, DATA + length);
  }
  if (type !== 0xd || depth > 0) return undefined;
  const length = dictAt(at);
  const keys = DATA;
  for (let i = 0; i < length; i++) {
    const key = uintBE(keys + i * REF, REF);
    if (asciiIs(key, "NS.data") || asciiIs(key, "NS.string"))
      return payloadAt(uintBE(keys + (length + i) * REF, REF), objects, objectCount, depth + 1);
  }
  return undefined;
}

/** The usual MBFile archive read directly; undefined when it is of another shape. */
function readMbFileDirect(blob: Buffer): MbFileMeta | undefined {
  const n = blob.length;
  if (n < 40 || n > MBFILE_BUDGET.maxBytes || blob.readUInt32BE(0) !== 0x62706c69 || blob[6] !== 0x30)
    return undefined;
  const t = n - 32;
  B = blob;
  END = t;
  OFF = blob[t + 6]!;
  REF = blob[t + 7]!;
  if (OFF < 1 || OFF > 4 || REF < 1 || REF > 4) return undefined;
  if (blob.readUInt32BE(t + 8) !== 0 || blob.readUInt32BE(t + 16) !== 0 || blob.readUInt32BE(t + 24) !== 0)
    return undefined;
  COUNT = blob.readUInt32BE(t + 12);
  const top = blob.readUInt32BE(t + 20);
  TABLE = blob.readUInt32BE(t + 28);
  if (top >= COUNT || TABLE < 8 || TABLE + COUNT * OFF > t) return undefined;
  END = Math.min(END, TABLE);
  const topLength = dictAt(objectAt(top));
  if (topLength < 0) return undefined;
  const topKeys = DATA;
  let objects = -1;
  let objectCount = 0;
  let rootUid = -1;
  for (let i = 0; i < topLength; i++) {
    const key = uintBE(topKeys + i * REF, REF);
    const value = uintBE(topKeys + (topLength + i) * REF, REF);
    if (asciiIs(key, "$objects")) {
      const at = objectAt(value);
      if (at < 0 || B[at]! >> 4 !== 0xa) return undefined;
      objectCount = sized(at);
      if (objectCount < 0 || DATA + objectCount * REF > END) return undefined;
      objects = DATA;
    } else if (asciiIs(key, "$top")) {
      const length = dictAt(objectAt(value));
      const keys = DATA;
      for (let j = 0; j < length; j++) {
        if (!asciiIs(uintBE(keys + j * REF, REF), "root")) continue;
        const at = objectAt(uintBE(keys + (length + j) * REF, REF));
        if (at < 0 || B[at]! >> 4 !== 0x8) return undefined;
        const size = (B[at]! & 0xf) + 1;
        if (size > 4 || at + 1 + size > END) return undefined;
        rootUid = uintBE(at + 1, size);
      }
    }
  }
  if (objects < 0 || rootUid < 0 || rootUid >= objectCount) return undefined;
  const rootLength = dictAt(objectAt(uintBE(objects + rootUid * REF, REF)));
  if (rootLength < 0) return undefined;
  const rootKeys = DATA;
  const meta = emptyMeta();
  for (let i = 0; i < rootLength; i++) {
    const index = keyIndex(uintBE(rootKeys + i * REF, REF));
    if (index < 0) continue;
    const valueRef = uintBE(rootKeys + (rootLength + i) * REF, REF);
    const value =
      index < FIRST_REFERENCE_KEY ? numberAt(valueRef) : payloadAt(valueRef, objects, objectCount, 0);
    if (value === undefined) return undefined;
    meta[MBFILE_KEYS[index]!] = value;
  }
  return meta;
}

/**
 * Decodes an MBFile keyed archive: the usual layout read directly, any other through the
 * decoder's lazy navigation, and archives of another shape through the generic unarchiver.
 */
export function decodeMbFile(blob: Uint8Array): MbFileMeta {
  const direct = readMbFileDirect(
    Buffer.isBuffer(blob) ? blob : Buffer.from(blob.buffer, blob.byteOffset, blob.length),
  );
  B = EMPTY;
  return direct ?? decodeMbFileNavigating(blob);
}

/** The same fields through the general decoder's lazy navigation (any bplist layout). */
export function decodeMbFileNavigating(blob: Uint8Array): MbFileMeta {
  const decoder = new BinaryPlistDecoder(blob, MBFILE_DECODER_BUDGET, "Manifest.db");
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
  const meta = emptyMeta();
  let unexpected = false;
  decoder.forEachEntry(rootRef, (key, value) => {
    const index = decoder.asciiIndex(key, MBFILE_KEYS);
    if (index < 0) return;
    const name = MBFILE_KEYS[index]!;
    if (index < FIRST_REFERENCE_KEY) {
      meta[name] = decoder.valueAt(value);
      return;
    }
    if (decoder.uidAt(value) === 0) {
      meta[name] = null; // UID 0 is "$null": nil.
      return;
    }
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
