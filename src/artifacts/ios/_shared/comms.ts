/**
 * Helpers shared by the communication artifacts (batch C: messages, calls, contacts, calendar):
 * hostile-value coercion, text caps, link extraction, device-path normalisation, and a small
 * budgeted reader for the NSString inside an NSArchiver "typedstream" blob (sms.db attributedBody).
 */
import { isKeyedArchive, unarchive } from "../../../formats/nskeyed.js";
import { isBinaryPlist, isPlistDict, type PlistValue, parsePlist } from "../../../formats/plist.js";
import type { Observable } from "../../../model/observable.js";
import type { SqliteDatabase } from "../../../sqlite/open.js";
import { capText, MAX_TEXT } from "../../values.js";

export {
  asBoolean as asFlag,
  asNonEmpty,
  asNumber,
  assignDefined,
  asText,
  capText,
  MAX_TEXT,
} from "../../values.js";

/** Most links kept per record: a message with a million URLs must not produce a million observables. */
export const MAX_LINKS = 500;

/**
 * SQL for a text column read at most MAX_TEXT + 1 characters (or bytes for blobs), so a 50 MB
 * value never reaches JavaScript; one extra character tells the parser the value was cut.
 */
export function cappedColumn(expression: string, limit = MAX_TEXT): string {
  return `substr(${expression}, 1, ${limit + 1})`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters in evidence text end a URL.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`\u0000-\u001f\u007f\u00a0\u2028\u2029\ufffc]+/giu;
const TRAILING = /[.,;:!?'")\]}>]+$/u;

/** URLs (http/https) found in text, trailing punctuation trimmed, de-duplicated, at most MAX_LINKS. */
export function extractLinks(text: string | undefined, into: string[] = []): string[] {
  if (text === undefined || text === "") return into;
  for (const match of text.matchAll(URL_PATTERN)) {
    if (into.length >= MAX_LINKS) break;
    let url = match[0];
    // Keep a closing bracket that closes one opened inside the URL (Wikipedia-style links).
    while (TRAILING.test(url)) {
      const last = url.at(-1);
      if (last === ")" && count(url, "(") >= count(url, ")")) break;
      url = url.slice(0, -1);
    }
    if (/^https?:\/\/[^/?#]+/i.test(url) && !into.includes(url)) into.push(url);
  }
  return into;
}

/** Bytes of a long text value read per query, and the most looked at for links in one value. */
export const LINK_SCAN_CHUNK = 4 * 1024 * 1024;
export const LINK_SCAN_MAX = 256 * 1024 * 1024;

/**
 * Links in the whole of a text column too long to read at once (a link hidden behind megabytes of
 * padding must not escape MAX_TEXT): the value is read as bytes, a chunk at a time, and each chunk
 * is cut after its last whitespace byte (which no URL contains and which never splits a UTF-8
 * character), the next chunk starting there. `select` returns `substr(CAST(column AS BLOB), ?, ?)`
 * of one row for (start, length). Returns false when the value is longer than LINK_SCAN_MAX bytes
 * and the rest was not looked at.
 */
export function linksInLongText(
  select: (start: number, length: number) => unknown,
  into: string[],
  limits: { chunk?: number; max?: number } = {},
): boolean {
  const chunk = limits.chunk ?? LINK_SCAN_CHUNK;
  const max = limits.max ?? LINK_SCAN_MAX;
  const decoder = new TextDecoder("utf-8");
  let start = 0;
  while (into.length < MAX_LINKS) {
    if (start >= max) return false;
    const part = select(start + 1, chunk);
    if (!(part instanceof Uint8Array) || part.length === 0) return true;
    const last = part.length < chunk ? part.length : cutPoint(part);
    extractLinks(decoder.decode(part.subarray(0, last)), into);
    if (part.length < chunk) return true;
    start += last;
  }
  return true;
}

/**
 * Where to end a full chunk: after its last whitespace byte, or else (padding without whitespace,
 * such as dots or no-break spaces) before its last "http", so a link that starts in this chunk is
 * read whole from the next; a chunk with neither keeps its last 7 bytes (a beginning "https:/")
 * for the next one.
 */
function cutPoint(bytes: Uint8Array): number {
  const space = lastWhitespace(bytes);
  if (space >= 0) return space + 1;
  const http = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).lastIndexOf("http");
  if (http > 0) return http;
  if (http === 0) return bytes.length;
  // A link may begin in the last bytes ("htt"): keep them for the next chunk, cut on a character.
  let cut = bytes.length - 7;
  while (cut > 0 && (bytes[cut]! & 0xc0) === 0x80) cut -= 1;
  return cut > 0 ? cut : bytes.length;
}

function lastWhitespace(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0; i--) {
    const b = bytes[i]!;
    if (b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) return i;
  }
  return -1;
}

function count(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n += 1;
  return n;
}

/** True when a string looks like an e-mail address (one @, something on both sides, a dot after it). */
export function looksLikeEmail(value: string | undefined): value is string {
  return value !== undefined && /^[^\s@]+@[^\s@]+\.[^\s@]+$/u.test(value);
}

/** An e-mail observable for `value` when it is one (a `mailto:` prefix is dropped), else nothing. */
export function emailObservable(value: string | undefined, field: string): Observable[] {
  const address = value?.replace(/^mailto:/i, "").trim();
  return looksLikeEmail(address) ? [{ kind: "email", value: address, field }] : [];
}

/** URL observables for a list of links, one per link, with its index in the field name. */
export function urlObservables(links: readonly string[], field: string): Observable[] {
  return links.map((value, i) => ({ kind: "url" as const, value, field: `${field}[${i}]` }));
}

/**
 * A device path as an absolute canonical path: `~/…` is the mobile user's home
 * (/private/var/mobile), `/var/…` and `/tmp/…` sit under /private. Undefined for relative names.
 */
export function toDevicePath(value: string | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (value.startsWith("~/")) return `/private/var/mobile/${value.slice(2)}`;
  if (value === "/var" || value.startsWith("/var/")) return `/private${value}`;
  if (value === "/tmp" || value.startsWith("/tmp/")) return `/private${value}`;
  return value.startsWith("/") ? value : undefined;
}

/** The lower-cased columns of each table (for probing optional columns). */
export type ColumnMap = Map<string, Set<string>>;

/** True when `table` has every one of `columns` (names compared case-insensitively). */
export function hasColumns(tables: ColumnMap, table: string, ...columns: string[]): boolean {
  const have = tables.get(table.toLowerCase());
  return have !== undefined && columns.every((c) => have.has(c.toLowerCase()));
}

/** `table.column AS alias` when the column exists, else `NULL AS alias`, so one query serves every variant. */
export function columnOrNull(tables: ColumnMap, table: string, column: string, alias: string): string {
  return hasColumns(tables, table, column) ? `${table}.${column} AS ${alias}` : `NULL AS ${alias}`;
}

/** Reads every row of a prepared query lazily (large tables are never held in memory at once). */
export function* iterateRows(db: SqliteDatabase, sql: string): Generator<Record<string, unknown>> {
  for (const row of db.prepare(sql).iterate()) yield row as Record<string, unknown>;
}

/** Outcome of decoding an attributedBody blob. */
export type BodyText = { text: string; truncated: boolean } | { error: string };

/** Largest attributedBody examined; longer blobs are read only this far (SQL `substr`). */
export const MAX_BODY_BYTES = 256 * 1024;

const TYPEDSTREAM_HEADER = Buffer.from("\x04\x0bstreamtyped", "latin1");
const NSSTRING_CLASS = Buffer.from("NSString", "latin1");

/**
 * The text of an sms.db `attributedBody` blob.
 *
 * Usually an NSArchiver typedstream (little-endian "streamtyped", version 4) of an
 * NSAttributedString. Rather than a full typedstream decoder, this does a conservative scan:
 * the first NSString class name in the stream is followed, within a few bytes (class version,
 * superclass reference, object start), by the one-character type encoding "+" (`01 2B`), then the
 * typedstream length of the UTF-8 bytes (`< 0x80` literal, `0x81` + 2-byte LE, `0x82` + 4-byte LE),
 * then the bytes. Anything else is refused rather than guessed. A keyed-archiver plist (some
 * exports) is decoded with the budgeted plist reader and its `NSString` value taken.
 */
export function decodeAttributedBody(blob: Uint8Array): BodyText {
  const bytes = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (isBinaryPlist(bytes)) return decodeKeyedBody(bytes);
  if (bytes.length < TYPEDSTREAM_HEADER.length || !bytes.subarray(0, 13).equals(TYPEDSTREAM_HEADER)) {
    return { error: "not a typedstream or keyed archive" };
  }
  const marker = bytes.indexOf(NSSTRING_CLASS, TYPEDSTREAM_HEADER.length);
  if (marker < 0) return { error: "no NSString in the typedstream" };
  const searchEnd = Math.min(bytes.length - 1, marker + NSSTRING_CLASS.length + 16);
  let at = -1;
  for (let i = marker + NSSTRING_CLASS.length; i < searchEnd; i++) {
    if (bytes[i] === 0x01 && bytes[i + 1] === 0x2b) {
      at = i + 2;
      break;
    }
  }
  if (at < 0) return { error: "no string value after NSString" };
  const head = bytes[at];
  let length: number;
  if (head === undefined) return { error: "typedstream ends before the string length" };
  if (head === 0x81) {
    if (at + 3 > bytes.length) return { error: "typedstream ends inside the string length" };
    length = bytes.readUInt16LE(at + 1);
    at += 3;
  } else if (head === 0x82) {
    if (at + 5 > bytes.length) return { error: "typedstream ends inside the string length" };
    length = bytes.readUInt32LE(at + 1);
    at += 5;
  } else if (head < 0x80) {
    length = head;
    at += 1;
  } else {
    return { error: `unexpected typedstream length tag 0x${head.toString(16)}` };
  }
  const available = Math.min(length, bytes.length - at);
  // A blob read only up to MAX_BODY_BYTES may end inside the string: keep what is there, flagged.
  const cut = available < length;
  const decoded = bytes.subarray(at, at + available).toString("utf8");
  const capped = capText(decoded);
  return { text: capped.text, truncated: cut || capped.truncated };
}

function decodeKeyedBody(bytes: Buffer): BodyText {
  try {
    const plist = parsePlist(bytes, { budget: { maxValues: 100_000, maxDepth: 64 } });
    if (!isKeyedArchive(plist)) return { error: "plist is not a keyed archive" };
    const root: PlistValue = unarchive(plist, { budget: { maxObjects: 100_000, maxDepth: 64 } });
    const text = typeof root === "string" ? root : isPlistDict(root) ? root.NSString : undefined;
    if (typeof text !== "string") return { error: "keyed archive holds no NSString" };
    return capText(text);
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/** Counts a problem per file and reports it once, with the count, when the file is done. */
export class ProblemCounter {
  private readonly counts = new Map<string, { count: number; example: string }>();

  add(kind: string, example: string): void {
    const entry = this.counts.get(kind);
    if (entry === undefined) this.counts.set(kind, { count: 1, example });
    else entry.count += 1;
  }

  /** Emits one warning per kind of problem seen. */
  flush(
    warn: (warning: { code: "CORRUPT"; message: string; count: number }) => void,
    describe: (kind: string, count: number, example: string) => string,
  ): void {
    for (const [kind, { count, example }] of this.counts) {
      warn({ code: "CORRUPT", message: describe(kind, count, example), count });
    }
    this.counts.clear();
  }
}
