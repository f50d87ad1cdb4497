/**
 * Tar archive decoder: ustar, GNU (long names 'L'/'K', base-256 numbers) and pax ('x', 'g')
 * headers, read through a pull-based byte reader so the same code indexes a seekable .tar and a
 * gunzipped stream. Format: POSIX.1-2001 pax/ustar and the GNU tar manual, "Basic Tar Format".
 */
import { SpyglassError } from "../errors.js";

const BLOCK = 512;

/** Where the decoder pulls bytes from; `skip` may seek (file) or discard (stream). */
export interface ByteReader {
  /** Up to `length` bytes; fewer only at the end of the input. */
  read(length: number): Promise<Buffer>;
  /** Advances by up to `length` bytes and returns how many were skipped. */
  skip(length: number): Promise<number>;
  /** Bytes consumed so far. */
  readonly position: number;
}

/** What a member header says, after GNU long names and pax records are applied. */
export interface TarMember {
  name: string;
  /** Header type: file, directory, symlink, hard link, or anything else (devices, fifos). */
  kind: "file" | "directory" | "symlink" | "hardlink" | "other";
  typeflag: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  /** Unix seconds (fractional with pax). */
  mtime: number;
  atime?: number;
  ctime?: number;
  birthtime?: number;
  linkName: string;
  /** Offset of the member's data in the (uncompressed) tar stream. */
  dataOffset: number;
  headerOffset: number;
  /** GNU or pax sparse file: the stored data is not the file's bytes. */
  sparse: boolean;
}

/** Limits on one decoding pass. */
export interface TarBudget {
  /** Largest GNU long name or pax header read into memory. */
  maxMetadataBytes: number;
}

/** A problem that ends the walk early without invalidating the members already seen. */
export interface TarProblem {
  message: string;
  offset: number;
}

/** One member and, until the walk moves on, a way to read its data. */
export interface TarItem {
  member: TarMember;
  /** Reads the member's data (at most `maxBytes`); only valid before the next item is requested. */
  body(maxBytes?: number): Promise<Buffer>;
}

function cString(block: Buffer, start: number, length: number): string {
  const end = block.indexOf(0, start);
  return block.toString("utf8", start, end < 0 || end > start + length ? start + length : end);
}

/** Octal ASCII field, or GNU base-256 when the high bit of the first byte is set. */
function numberField(block: Buffer, start: number, length: number): number {
  const first = block[start]!;
  if (first & 0x80) {
    if (first === 0xff) return Number.NaN; // negative base-256: never valid for sizes and ids
    let value = first & 0x7f;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const text = block
    .toString("latin1", start, start + length)
    .replace(/[\0 ]+$/g, "")
    .trim();
  if (text === "") return 0;
  return /^[0-7]+$/.test(text) ? Number.parseInt(text, 8) : Number.NaN;
}

function checksumOk(block: Buffer): boolean {
  const stored = numberField(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const byte = i >= 148 && i < 156 ? 0x20 : block[i]!;
    unsigned += byte;
    signed += byte > 127 ? byte - 256 : byte;
  }
  return stored === unsigned || stored === signed;
}

function isZeroBlock(block: Buffer): boolean {
  for (let i = 0; i < block.length; i++) if (block[i] !== 0) return false;
  return true;
}

/** Parses pax "%d key=value\n" records. */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    if (space < 0) break;
    const length = Number.parseInt(data.toString("latin1", at, space), 10);
    if (!Number.isFinite(length) || length <= space - at || at + length > data.length) break;
    const record = data.toString("utf8", space + 1, at + length - 1);
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
}

function kindOf(typeflag: string, name: string): TarMember["kind"] {
  switch (typeflag) {
    case "0":
    case "\0":
    case "7":
    case "":
      return name.endsWith("/") ? "directory" : "file";
    case "1":
      return "hardlink";
    case "2":
      return "symlink";
    case "5":
    case "D":
      return "directory";
    case "S":
      return "file";
    default:
      return "other";
  }
}

function paxNumber(records: Map<string, string>, key: string): number | undefined {
  const value = records.get(key);
  if (value === undefined || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return Number(value);
}

/**
 * Walks the members of a tar stream. Stops at the end-of-archive marker or the end of input; a
 * truncated or corrupt archive ends the walk and is reported through `onProblem`.
 */
export async function* walkTar(
  reader: ByteReader,
  options: { budget: TarBudget; onProblem(problem: TarProblem): void },
): AsyncGenerator<TarItem> {
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax = new Map<string, string>();
  const globalPax = new Map<string, string>();
  const readMetadata = async (size: number, offset: number): Promise<Buffer | undefined> => {
    if (size > options.budget.maxMetadataBytes) {
      options.onProblem({ message: `tar metadata of ${size} bytes exceeds the budget`, offset });
      return undefined;
    }
    const data = await reader.read(size);
    if (data.length < size) {
      options.onProblem({ message: "tar archive is truncated inside a metadata header", offset });
      return undefined;
    }
    await reader.skip(padding(size));
    return data;
  };
  for (;;) {
    const headerOffset = reader.position;
    const block = await reader.read(BLOCK);
    if (block.length === 0) return;
    if (block.length < BLOCK) {
      options.onProblem({ message: "tar archive is truncated inside a header", offset: headerOffset });
      return;
    }
    if (isZeroBlock(block)) return;
    if (!checksumOk(block)) {
      options.onProblem({
        message: "tar header has a bad checksum (corrupt or not a tar)",
        offset: headerOffset,
      });
      return;
    }
    const typeflag = String.fromCharCode(block[156]!).replace("\0", "0");
    const size = numberField(block, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) {
      options.onProblem({ message: "tar header has an invalid size", offset: headerOffset });
      return;
    }
    if (typeflag === "L" || typeflag === "K" || typeflag === "x" || typeflag === "g") {
      const data = await readMetadata(size, headerOffset);
      if (data === undefined) return;
      if (typeflag === "L") longName = cString(data, 0, data.length);
      else if (typeflag === "K") longLink = cString(data, 0, data.length);
      else if (typeflag === "x") pax = parsePaxRecords(data);
      else for (const [key, value] of parsePaxRecords(data)) globalPax.set(key, value);
      continue;
    }
    const magic = block.toString("latin1", 257, 263);
    const ustar = magic === "ustar\0";
    const gnu = magic === "ustar ";
    let name = cString(block, 0, 100);
    if (ustar) {
      const prefix = cString(block, 345, 155);
      if (prefix !== "") name = `${prefix}/${name}`;
    }
    const records = new Map([...globalPax, ...pax]);
    name = records.get("path") ?? longName ?? name;
    const linkName = records.get("linkpath") ?? longLink ?? cString(block, 157, 100);
    const paxSize = paxNumber(records, "size");
    const dataSize = paxSize !== undefined && Number.isSafeInteger(paxSize) ? paxSize : size;
    const member: TarMember = {
      name,
      kind: kindOf(typeflag, name),
      typeflag,
      size: dataSize,
      mode: numberField(block, 100, 8) || 0,
      uid: paxNumber(records, "uid") ?? (numberField(block, 108, 8) || 0),
      gid: paxNumber(records, "gid") ?? (numberField(block, 116, 8) || 0),
      mtime: paxNumber(records, "mtime") ?? (numberField(block, 136, 12) || 0),
      linkName,
      dataOffset: headerOffset + BLOCK,
      headerOffset,
      sparse: typeflag === "S" || [...records.keys()].some((key) => key.startsWith("GNU.sparse.")),
    };
    const atime = paxNumber(records, "atime") ?? (gnu ? numberField(block, 345, 12) || undefined : undefined);
    const ctime = paxNumber(records, "ctime") ?? (gnu ? numberField(block, 357, 12) || undefined : undefined);
    const birthtime = paxNumber(records, "LIBARCHIVE.creationtime");
    if (atime !== undefined && Number.isFinite(atime)) member.atime = atime;
    if (ctime !== undefined && Number.isFinite(ctime)) member.ctime = ctime;
    if (birthtime !== undefined) member.birthtime = birthtime;
    longName = undefined;
    longLink = undefined;
    pax = new Map();
    // Links and device nodes carry no data whatever their size field says; everything else
    // (files, GNU dumpdirs, unknown types) is followed by `size` bytes.
    const stored = "1234".includes(typeflag) || typeflag === "6" ? 0 : dataSize;
    let consumed = 0;
    yield {
      member,
      async body(maxBytes = stored) {
        if (consumed > 0) throw new SpyglassError("INTERNAL", "tar member data already read");
        const want = Math.min(stored, maxBytes);
        const data = await reader.read(want);
        consumed = data.length;
        return data;
      },
    };
    const rest = stored - consumed + padding(stored);
    const skipped = await reader.skip(rest);
    if (skipped < rest) {
      options.onProblem({
        message: "tar archive is truncated inside member data",
        offset: member.dataOffset,
      });
      return;
    }
  }
}

function padding(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

/** True when a 512-byte block looks like a tar header (ustar magic or a valid checksum). */
export function looksLikeTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK || isZeroBlock(block.subarray(0, BLOCK))) return false;
  return checksumOk(block.subarray(0, BLOCK));
}
