/**
 * Zip structure decoder: end of central directory (with ZIP64), central directory records, local
 * headers and the extra fields that carry sizes and times (0x0001 ZIP64, 0x5455 extended
 * timestamp, 0x000a NTFS, 0x7875 and 0x5855 Unix). Pure: the caller supplies the bytes.
 * Format: PKWARE APPNOTE.TXT 6.3.x and Info-ZIP's extrafld.txt.
 */
import { SpyglassError } from "../errors.js";

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

/** Fixed sizes of the records, in bytes. */
export const EOCD_SIZE = 22;
export const ZIP64_LOCATOR_SIZE = 20;
export const ZIP64_EOCD_SIZE = 56;
export const CENTRAL_HEADER_SIZE = 46;
export const LOCAL_HEADER_SIZE = 30;
/** The EOCD lies within this many bytes of the end (fixed part plus the longest comment). */
export const EOCD_SEARCH_BYTES = EOCD_SIZE + 0xffff;

/** The end-of-central-directory record, as far as it can be read from the end of the file. */
export interface ZipEnd {
  entries: number;
  cdSize: number;
  cdOffset: number;
  eocdOffset: number;
  /** Set when a field is saturated and the ZIP64 records must be read. */
  needsZip64: boolean;
  /** Number of this disk; non-zero only in split (multi-volume) archives. */
  disk: number;
}

/** Finds the EOCD record in the last bytes of the file (`tailOffset` = file offset of `tail`). */
export function findZipEnd(tail: Buffer, tailOffset: number): ZipEnd | undefined {
  for (let at = tail.length - EOCD_SIZE; at >= 0; at--) {
    if (tail.readUInt32LE(at) !== EOCD_SIG) continue;
    const commentLength = tail.readUInt16LE(at + 20);
    if (at + EOCD_SIZE + commentLength !== tail.length) continue;
    const entries = tail.readUInt16LE(at + 10);
    const cdSize = tail.readUInt32LE(at + 12);
    const cdOffset = tail.readUInt32LE(at + 16);
    return {
      entries,
      cdSize,
      cdOffset,
      eocdOffset: tailOffset + at,
      disk: tail.readUInt16LE(at + 4),
      needsZip64: entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff,
    };
  }
  return undefined;
}

/** Reads the ZIP64 EOCD locator (the 20 bytes just before the EOCD): the offset of the ZIP64 EOCD. */
export function parseZip64Locator(bytes: Buffer): number | undefined {
  if (bytes.length < ZIP64_LOCATOR_SIZE || bytes.readUInt32LE(0) !== ZIP64_LOCATOR_SIG) return undefined;
  return safeNumber(bytes.readBigUInt64LE(8));
}

/** Reads the ZIP64 EOCD record into the counts and offsets it carries. */
export function parseZip64End(
  bytes: Buffer,
  file?: string,
): Omit<ZipEnd, "eocdOffset" | "needsZip64" | "disk"> {
  if (bytes.length < ZIP64_EOCD_SIZE || bytes.readUInt32LE(0) !== ZIP64_EOCD_SIG) {
    throw new SpyglassError("CORRUPT", "Zip64 end of central directory record not found", optFile(file));
  }
  return {
    entries: safeNumber(bytes.readBigUInt64LE(32)),
    cdSize: safeNumber(bytes.readBigUInt64LE(40)),
    cdOffset: safeNumber(bytes.readBigUInt64LE(48)),
  };
}

/** One central directory record, with extra fields decoded. */
export interface ZipCentralEntry {
  name: string;
  flags: number;
  method: number;
  versionMadeBy: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  externalAttributes: number;
  /** Unix mode when the archive was made on Unix (upper 16 bits of the external attributes). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Unix seconds: extended timestamp or NTFS when present, else the DOS time read as UTC. */
  mtime?: number;
  atime?: number;
  /** Creation time (0x5455 CrTime, NTFS creation time). */
  crtime?: number;
  /** True when mtime comes from the DOS field (local time of the archiver, zone unknown). */
  mtimeIsDos: boolean;
  kind: "file" | "directory" | "symlink";
  encrypted: boolean;
}

/** Parses the central record at `at`; returns it and the offset of the next one, or undefined if `bytes` ends first. */
export function parseCentralEntry(
  bytes: Buffer,
  at: number,
  file?: string,
): { entry: ZipCentralEntry; next: number } | undefined {
  if (at + CENTRAL_HEADER_SIZE > bytes.length) return undefined;
  if (bytes.readUInt32LE(at) !== CENTRAL_SIG) {
    throw new SpyglassError("CORRUPT", "Zip central directory record has a bad signature", optFile(file));
  }
  const nameLength = bytes.readUInt16LE(at + 28);
  const extraLength = bytes.readUInt16LE(at + 30);
  const commentLength = bytes.readUInt16LE(at + 32);
  const next = at + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength;
  if (next > bytes.length) return undefined;
  const flags = bytes.readUInt16LE(at + 8);
  const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
  const versionMadeBy = bytes.readUInt16LE(at + 4);
  const externalAttributes = bytes.readUInt32LE(at + 38);
  const entry: ZipCentralEntry = {
    name: decodeName(nameBytes, (flags & 0x800) !== 0),
    flags,
    method: bytes.readUInt16LE(at + 10),
    versionMadeBy,
    crc32: bytes.readUInt32LE(at + 16),
    compressedSize: bytes.readUInt32LE(at + 20),
    uncompressedSize: bytes.readUInt32LE(at + 24),
    localHeaderOffset: bytes.readUInt32LE(at + 42),
    externalAttributes,
    mtimeIsDos: true,
    kind: "file",
    encrypted: (flags & 1) !== 0,
  };
  const dos = dosToUnix(bytes.readUInt16LE(at + 14), bytes.readUInt16LE(at + 12));
  if (dos !== undefined) entry.mtime = dos;
  applyExtra(entry, bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
  if (versionMadeBy >> 8 === 3) {
    const mode = externalAttributes >>> 16;
    if (mode !== 0) entry.mode = mode;
  }
  const type = (entry.mode ?? 0) & 0o170000;
  if (type === 0o120000) entry.kind = "symlink";
  else if (type === 0o040000 || entry.name.endsWith("/") || (externalAttributes & 0x10) !== 0) {
    entry.kind = "directory";
  }
  return { entry, next };
}

/** The offset of a member's data, from its local header (30 bytes plus name and extra). */
export function localDataOffset(localHeader: Buffer, headerOffset: number, file?: string): number {
  if (localHeader.length < LOCAL_HEADER_SIZE || localHeader.readUInt32LE(0) !== LOCAL_SIG) {
    throw new SpyglassError("CORRUPT", "Zip local header not found where the central directory says", {
      ...optFile(file),
      offset: headerOffset,
    });
  }
  return headerOffset + LOCAL_HEADER_SIZE + localHeader.readUInt16LE(26) + localHeader.readUInt16LE(28);
}

function applyExtra(entry: ZipCentralEntry, extra: Buffer): void {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    const data = extra.subarray(at + 4, Math.min(extra.length, at + 4 + size));
    at += 4 + size;
    if (id === 0x0001) {
      let p = 0;
      const take = (): number | undefined => {
        if (p + 8 > data.length) return undefined;
        const value = safeNumber(data.readBigUInt64LE(p));
        p += 8;
        return value;
      };
      if (entry.uncompressedSize === 0xffffffff) entry.uncompressedSize = take() ?? entry.uncompressedSize;
      if (entry.compressedSize === 0xffffffff) entry.compressedSize = take() ?? entry.compressedSize;
      if (entry.localHeaderOffset === 0xffffffff) entry.localHeaderOffset = take() ?? entry.localHeaderOffset;
    } else if (id === 0x5455 && data.length >= 5) {
      const present = data[0]!;
      let p = 1;
      const times: Array<"mtime" | "atime" | "crtime"> = ["mtime", "atime", "crtime"];
      for (const [bit, key] of times.entries()) {
        if (!(present & (1 << bit))) continue;
        if (p + 4 > data.length) break;
        entry[key] = data.readInt32LE(p);
        if (key === "mtime") entry.mtimeIsDos = false;
        p += 4;
      }
    } else if (id === 0x000a && data.length >= 4) {
      let p = 4;
      while (p + 4 <= data.length) {
        const tag = data.readUInt16LE(p);
        const length = data.readUInt16LE(p + 2);
        if (tag === 1 && length >= 24 && p + 4 + 24 <= data.length) {
          entry.mtime = fileTimeToUnix(data.readBigUInt64LE(p + 4));
          entry.atime = fileTimeToUnix(data.readBigUInt64LE(p + 12));
          entry.crtime = fileTimeToUnix(data.readBigUInt64LE(p + 20));
          entry.mtimeIsDos = false;
        }
        p += 4 + length;
      }
    } else if (id === 0x7875 && data.length >= 3 && data[0] === 1) {
      const uidSize = data[1]!;
      if (uidSize >= 1 && uidSize <= 6 && 2 + uidSize < data.length) {
        entry.uid = data.readUIntLE(2, uidSize);
        const gidSize = data[2 + uidSize]!;
        if (gidSize <= 6 && gidSize > 0 && 3 + uidSize + gidSize <= data.length) {
          entry.gid = data.readUIntLE(3 + uidSize, gidSize);
        }
      }
    } else if (id === 0x5855 && data.length >= 8) {
      entry.atime = data.readUInt32LE(0);
      entry.mtime = data.readUInt32LE(4);
      entry.mtimeIsDos = false;
      if (data.length >= 12) {
        entry.uid = data.readUInt16LE(8);
        entry.gid = data.readUInt16LE(10);
      }
    }
  }
}

function decodeName(bytes: Buffer, utf8Flag: boolean): string {
  // Most archivers write UTF-8 without setting the flag; fall back to Latin-1 only for invalid UTF-8.
  const text = bytes.toString("utf8");
  if (utf8Flag || !text.includes("\uFFFD")) return text;
  return bytes.toString("latin1");
}

/** MS-DOS date and time (no zone) as Unix seconds, reading the fields as UTC. */
export function dosToUnix(date: number, time: number): number | undefined {
  if (date === 0) return undefined;
  const ms = Date.UTC(
    ((date >> 9) & 0x7f) + 1980,
    ((date >> 5) & 0x0f) - 1,
    date & 0x1f,
    (time >> 11) & 0x1f,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

function fileTimeToUnix(value: bigint): number {
  return Number(value) / 1e7 - 11_644_473_600;
}

function safeNumber(value: bigint): number {
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

function optFile(file: string | undefined): { file?: string } {
  return file === undefined ? {} : { file };
}
