/**
 * A read-only walker over the table b-trees of a SQLite database file, for the one hot path where
 * SQLite itself costs too much: the hundreds of thousands of rows of a backup's Manifest.db. Pages
 * come from a {@link PageSource} (a file read in chunks, an encrypted file decrypted in chunks, or
 * an image in memory), so the database is never held whole and never copied into SQLite.
 *
 * Format: sqlite.org/fileformat2.html sections 1.3 (header), 1.6 (b-tree pages), 2.1 (records),
 * 1.6 (overflow). Hostile input is expected: every page number, cell offset, payload size and
 * overflow chain is checked, each page is visited once, and the depth is bounded. Anything the
 * walker does not understand throws {@link BtreeError}; callers fall back on SQLite.
 */
import { createDecipheriv } from "node:crypto";
import { closeSync, fstatSync, readSync } from "node:fs";
import { openEvidenceSync } from "../readers/evidence-open.js";

/** Bytes of one page, by 1-based page number. */
export interface PageSource {
  readonly pageSize: number;
  readonly pageCount: number;
  /** Usable bytes per page (page size less the reserved bytes of header offset 20). */
  readonly usable: number;
  /** The bytes of page `n`; the returned view stays valid (it is never overwritten). */
  page(n: number): Buffer;
  close(): void;
}

/**
 * The walker met something it does not read: a corrupt file (`kind` "corrupt": a loop, a page or
 * cell pointer out of range, a bad record…), or a feature or size outside its scope ("unsupported").
 */
export class BtreeError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
    readonly kind: "corrupt" | "unsupported" = "corrupt",
  ) {
    super(message);
    this.name = "BtreeError";
  }
}

/** A column value: null, number (bigint beyond 2^53), text, or a view of blob bytes. */
export type SqlValue = null | number | bigint | string | Buffer;

const HEADER = Buffer.from("SQLite format 3\0", "latin1");
/**
 * Chunk size: page sizes divide it, and buffers of this size come from the allocator's heap
 * (glibc maps 128 KiB and larger afresh, which costs a page fault per 4 KiB on every chunk).
 */
const CHUNK = 64 * 1024;
const MAX_DEPTH = 40;

function headerInfo(
  first: Buffer,
  byteLength: number,
): { pageSize: number; pageCount: number; usable: number } {
  if (first.length < 100 || !first.subarray(0, 16).equals(HEADER))
    throw new BtreeError("not a SQLite database (no SQLite header)", 0);
  const raw = first.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0)
    throw new BtreeError(`invalid page size ${raw}`, 16);
  const reserved = first[20]!;
  const usable = pageSize - reserved;
  if (usable < 480) throw new BtreeError(`usable page size ${usable} is too small`, 20);
  const encoding = first.readUInt32BE(56);
  if (encoding !== 0 && encoding !== 1) throw new BtreeError("text encoding is not UTF-8", 56, "unsupported");
  return { pageSize, pageCount: Math.floor(byteLength / pageSize), usable };
}

/** Pages of a database image already in memory (zero copy). */
export function imagePages(image: Buffer): PageSource {
  const { pageSize, pageCount, usable } = headerInfo(image, image.length);
  return {
    pageSize,
    pageCount,
    usable,
    page: (n) => image.subarray((n - 1) * pageSize, n * pageSize),
    close: () => undefined,
  };
}

/**
 * Pages of a database file read in 64 KiB chunks, optionally decrypted with AES-256-CBC under a
 * zero IV (an encrypted backup's Manifest.db): CBC decrypts any block from the ciphertext block
 * before it, so each chunk decrypts on its own and plaintext is never held whole.
 */
export function filePages(path: string, key?: Buffer): PageSource {
  // Never follow a link, never block opening a FIFO or device; then only a regular file is read.
  const fd = openEvidenceSync(path);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new BtreeError("not a regular file", 0);
    const size = stat.size;
    if (key !== undefined && (size % 16 !== 0 || size < 16))
      throw new BtreeError("encrypted size is not a whole number of AES blocks", size);
    const cache = new Map<number, Buffer>();
    const chunkAt = (index: number): Buffer => {
      const hit = cache.get(index);
      if (hit !== undefined) return hit;
      const start = index * CHUNK;
      const length = Math.min(CHUNK, size - start);
      let chunk: Buffer;
      if (key === undefined) {
        chunk = Buffer.allocUnsafe(length);
        readExactly(fd, chunk, start);
      } else {
        const before = start === 0 ? 0 : 16;
        const raw = Buffer.allocUnsafe(length + before);
        readExactly(fd, raw, start - before);
        const iv = before === 0 ? Buffer.alloc(16) : raw.subarray(0, 16);
        const decipher = createDecipheriv("aes-256-cbc", key, iv).setAutoPadding(false);
        chunk = decipher.update(raw.subarray(before));
        decipher.final();
      }
      if (cache.size >= 4) cache.delete(cache.keys().next().value as number);
      cache.set(index, chunk);
      return chunk;
    };
    const bytes = (offset: number, length: number): Buffer => {
      const index = Math.floor(offset / CHUNK);
      const within = offset - index * CHUNK;
      const chunk = chunkAt(index);
      if (within + length <= chunk.length) return chunk.subarray(within, within + length);
      // A page never straddles a 64 KiB boundary (page sizes divide it); the header read may.
      const out = Buffer.allocUnsafe(Math.min(length, size - offset));
      let done = 0;
      while (done < out.length) {
        const at = offset + done;
        const c = chunkAt(Math.floor(at / CHUNK));
        const from = at % CHUNK;
        done += c.copy(out, done, from, Math.min(c.length, from + out.length - done));
      }
      return out;
    };
    const plainSize = key === undefined ? size : size - paddingOf(bytes(size - 16, 16), size);
    const first = bytes(0, Math.min(100, plainSize));
    const { pageSize, pageCount, usable } = headerInfo(first, plainSize);
    let closed = false;
    return {
      pageSize,
      pageCount,
      usable,
      page: (n) => bytes((n - 1) * pageSize, pageSize),
      close: () => {
        if (!closed) closeSync(fd);
        closed = true;
      },
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

function paddingOf(last: Buffer, size: number): number {
  const pad = last[15]!;
  if (pad < 1 || pad > 16) throw new BtreeError("bad PKCS#7 padding", size - 1);
  return pad;
}

function readExactly(fd: number, into: Buffer, position: number): void {
  let done = 0;
  while (done < into.length) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new BtreeError("file ended early", position + done);
    done += n;
  }
}

/** One schema row of sqlite_master. */
export interface SchemaEntry {
  type: string;
  name: string;
  tableName: string;
  rootPage: number;
  sql: string;
}

/**
 * Walks table b-trees. Values handed to a row callback are only valid during that call when they
 * are blob views (copy what must outlive it).
 */
export class TableWalker {
  private readonly visited: Uint8Array;
  private readonly values: SqlValue[] = [];

  constructor(private readonly pages: PageSource) {
    this.visited = new Uint8Array(pages.pageCount + 1);
  }

  /** The rows of sqlite_master. */
  schema(): SchemaEntry[] {
    const out: SchemaEntry[] = [];
    this.scan(1, 5, (v) => {
      const [type, name, tableName, rootPage, sql] = v;
      if (typeof type === "string" && typeof name === "string")
        out.push({
          type,
          name,
          tableName: typeof tableName === "string" ? tableName : "",
          rootPage: typeof rootPage === "number" ? rootPage : 0,
          sql: typeof sql === "string" ? sql : "",
        });
    });
    return out;
  }

  /**
   * Visits every row of the table b-tree rooted at `root`, in rowid order, with its first
   * `columns` values (missing trailing columns are null, as after ALTER TABLE ADD COLUMN).
   */
  scan(
    root: number,
    columns: number,
    visit: (values: readonly SqlValue[], rowid: number | bigint) => void,
  ): void {
    this.values.length = columns;
    this.walk(root, 0, columns, visit);
  }

  private pageAt(n: number): { page: Buffer; base: number } {
    if (!Number.isInteger(n) || n < 1 || n > this.pages.pageCount)
      throw new BtreeError(`page ${n} is outside the file (${this.pages.pageCount} pages)`);
    if (this.visited[n] !== 0)
      throw new BtreeError(`page ${n} is reached twice (a loop)`, (n - 1) * this.pages.pageSize);
    this.visited[n] = 1;
    return { page: this.pages.page(n), base: n === 1 ? 100 : 0 };
  }

  private walk(
    n: number,
    depth: number,
    columns: number,
    visit: (values: readonly SqlValue[], rowid: number | bigint) => void,
  ): void {
    if (depth > MAX_DEPTH) throw new BtreeError(`b-tree deeper than ${MAX_DEPTH} levels`);
    const { page, base } = this.pageAt(n);
    const at = (n - 1) * this.pages.pageSize;
    const type = page[base];
    const cells = page.readUInt16BE(base + 3);
    const usable = this.pages.usable;
    if (type === 0x05) {
      const pointers = base + 12;
      if (pointers + cells * 2 > usable) throw new BtreeError("cell pointer array overflows the page", at);
      for (let i = 0; i < cells; i++) {
        const cell = page.readUInt16BE(pointers + i * 2);
        if (cell < pointers || cell + 4 > usable) throw new BtreeError("cell offset outside the page", at);
        this.walk(page.readUInt32BE(cell), depth + 1, columns, visit);
      }
      this.walk(page.readUInt32BE(base + 8), depth + 1, columns, visit);
      return;
    }
    if (type !== 0x0d) throw new BtreeError(`page ${n} is not a table b-tree page (type ${type})`, at + base);
    const pointers = base + 8;
    if (pointers + cells * 2 > usable) throw new BtreeError("cell pointer array overflows the page", at);
    const maxLocal = usable - 35;
    const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
    const values = this.values;
    for (let i = 0; i < cells; i++) {
      let p = page.readUInt16BE(pointers + i * 2);
      if (p < pointers || p >= usable) throw new BtreeError("cell offset outside the page", at);
      // Payload size and rowid varints.
      let payload = 0;
      for (let k = 0; ; k++) {
        if (p >= usable || k > 8) throw new BtreeError("bad payload size", at + p);
        const b = page[p++]!;
        payload = payload * 128 + (b & 0x7f);
        if (b < 0x80) break;
      }
      let rowid: number | bigint = 0;
      const rowidAt = p;
      for (let k = 0; ; k++) {
        if (p >= usable) throw new BtreeError("bad rowid", at + p);
        const b = page[p++]!;
        if (k === 8) {
          rowid = rowid * 256 + b;
          break;
        }
        rowid = rowid * 128 + (b & 0x7f);
        if (b < 0x80) break;
      }
      // Beyond seven bytes (2^49) the rowid may be negative or past 2^53: read it exactly.
      if (p - rowidAt > 7) rowid = signedVarint(page, rowidAt);
      if (payload <= maxLocal) {
        if (p + payload > usable) throw new BtreeError("cell payload overflows the page", at + p);
        decodeRecord(page, p, p + payload, columns, values, at);
      } else {
        const k = minLocal + ((payload - minLocal) % (usable - 4));
        const local = k <= maxLocal ? k : minLocal;
        if (p + local + 4 > usable) throw new BtreeError("cell payload overflows the page", at + p);
        const record = this.overflow(page, p, local, payload, page.readUInt32BE(p + local));
        decodeRecord(record, 0, record.length, columns, values, at + p);
      }
      visit(values, rowid);
    }
  }

  private overflow(page: Buffer, start: number, local: number, payload: number, first: number): Buffer {
    if (payload > 1024 * 1024 * 1024)
      throw new BtreeError(`payload of ${payload} bytes is beyond the budget`, undefined, "unsupported");
    const out = Buffer.allocUnsafe(payload);
    page.copy(out, 0, start, start + local);
    let done = local;
    let next = first;
    const step = this.pages.usable - 4;
    while (done < payload) {
      const { page: over } = this.pageAt(next);
      const n = Math.min(step, payload - done);
      over.copy(out, done, 4, 4 + n);
      done += n;
      next = over.readUInt32BE(0);
    }
    return out;
  }
}

/** A varint read exactly as a signed 64-bit integer (a number when it is safe). */
function signedVarint(page: Buffer, at: number): number | bigint {
  let value = 0n;
  for (let k = 0; k < 9; k++) {
    const b = page[at + k]!;
    if (k === 8) {
      value = (value << 8n) | BigInt(b);
      break;
    }
    value = (value << 7n) | BigInt(b & 0x7f);
    if (b < 0x80) break;
  }
  const signed = BigInt.asIntN(64, value);
  return signed >= BigInt(Number.MIN_SAFE_INTEGER) && signed <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(signed)
    : signed;
}

/**
 * Decodes the record in `buf[start, end)` (header of serial types, then the body) into
 * `out[0..columns)`; `at` is the file offset of `buf[0]`, for errors.
 */
function decodeRecord(
  buf: Buffer,
  start: number,
  end: number,
  columns: number,
  out: SqlValue[],
  at: number,
): void {
  let p = start;
  let headerSize = 0;
  for (let k = 0; ; k++) {
    if (p >= end || k > 8) throw new BtreeError("bad record header", at + p);
    const b = buf[p++]!;
    headerSize = headerSize * 128 + (b & 0x7f);
    if (b < 0x80) break;
  }
  const headerEnd = start + headerSize;
  if (headerEnd > end || headerEnd < p) throw new BtreeError("record header overflows", at + start);
  let body = headerEnd;
  for (let column = 0; column < columns; column++) {
    if (p >= headerEnd) {
      out[column] = null;
      continue;
    }
    let serial = 0;
    for (let k = 0; ; k++) {
      if (p >= headerEnd || k > 8) throw new BtreeError("bad serial type", at + p);
      const b = buf[p++]!;
      serial = serial * 128 + (b & 0x7f);
      if (b < 0x80) break;
    }
    let size: number;
    let value: SqlValue;
    if (serial >= 12) {
      size = (serial - 12) >>> 1;
      if (body + size > end) throw new BtreeError("record value overflows", at + body);
      value = serial & 1 ? utf8(buf, body, body + size) : buf.subarray(body, body + size);
    } else {
      size = SERIAL_SIZE[serial]!;
      if (size === undefined || body + size > end) throw new BtreeError("bad serial type", at + p);
      value = intValue(buf, body, serial);
    }
    out[column] = value;
    body += size;
  }
}

/** Node's own UTF-8 slice when the Buffer prototype has it (it skips toString's argument handling). */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice?: (start: number, end: number) => string })
  .utf8Slice;
function utf8(buf: Buffer, start: number, end: number): string {
  return utf8Slice === undefined ? buf.toString("utf8", start, end) : utf8Slice.call(buf, start, end);
}

const SERIAL_SIZE = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0];

function intValue(b: Buffer, at: number, serial: number): SqlValue {
  switch (serial) {
    case 0:
      return null;
    case 1:
      return b.readInt8(at);
    case 2:
      return b.readInt16BE(at);
    case 3:
      return b.readIntBE(at, 3);
    case 4:
      return b.readInt32BE(at);
    case 5:
      return b.readIntBE(at, 6);
    case 6: {
      const v = b.readBigInt64BE(at);
      return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
    }
    case 7:
      return b.readDoubleBE(at);
    case 8:
      return 0;
    default:
      return 1;
  }
}

/**
 * The declared column names of a CREATE TABLE statement, or undefined when the statement is of a
 * shape this reader does not take — WITHOUT ROWID, an INTEGER PRIMARY KEY alias of the rowid,
 * generated columns, columns with a DEFAULT (rows older than an ADD COLUMN would need it) — in
 * which case the caller uses SQLite.
 */
export function tableColumnNames(sql: string): string[] | undefined {
  const text = withoutComments(sql);
  const open = indexOutsideQuotes(text, "(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  if (/without\s+rowid/i.test(text.slice(close))) return undefined;
  const names: string[] = [];
  const types: string[] = [];
  const tableKeys: string[][] = [];
  for (const part of splitTopLevel(text.slice(open + 1, close))) {
    if (/^(constraint\s+\S+\s+)?(primary\s+key|unique|check|foreign)\b/i.test(part)) {
      const key = /^(?:constraint\s+\S+\s+)?primary\s+key\s*\(([^)]*)\)/i.exec(part);
      if (key !== null)
        tableKeys.push(
          splitTopLevel(key[1]!).map((column) => unquote(column.split(/\s+/)[0]!).toLowerCase()),
        );
      continue;
    }
    if (/\bgenerated\b|\bas\s*\(|\bdefault\b/i.test(part)) return undefined;
    const match = /^("(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\]|[A-Za-z_][A-Za-z0-9_$]*)\s*(.*)$/s.exec(part);
    if (match === null) return undefined;
    const rest = match[2] ?? "";
    const type = (/^[A-Za-z]+/.exec(rest)?.[0] ?? "").toLowerCase();
    if (type === "integer" && /\bprimary\s+key\b/i.test(rest)) return undefined;
    names.push(unquote(match[1]!));
    types.push(type);
  }
  for (const key of tableKeys) {
    if (key.length !== 1) continue;
    const index = names.findIndex((name) => name.toLowerCase() === key[0]);
    if (index >= 0 && types[index] === "integer") return undefined;
  }
  return names;
}

/** The statement with `--` and block comments outside quotes replaced by spaces. */
function withoutComments(sql: string): string {
  let out = "";
  let quote = "";
  for (let i = 0; i < sql.length; i++) {
    const ch = sql[i]!;
    if (quote !== "") {
      out += ch;
      if (ch === quote) quote = "";
    } else if (ch === "-" && sql[i + 1] === "-") {
      const end = sql.indexOf("\n", i);
      i = end < 0 ? sql.length : end - 1;
      out += " ";
    } else if (ch === "/" && sql[i + 1] === "*") {
      const end = sql.indexOf("*/", i + 2);
      i = end < 0 ? sql.length : end + 1;
      out += " ";
    } else {
      if (ch === '"' || ch === "'" || ch === "`") quote = ch;
      else if (ch === "[") quote = "]";
      out += ch;
    }
  }
  return out;
}

function indexOutsideQuotes(text: string, wanted: string): number {
  let quote = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote !== "") {
      if (ch === quote) quote = "";
    } else if (ch === wanted) return i;
    else if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "[") quote = "]";
  }
  return -1;
}

function splitTopLevel(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = "";
  let current = "";
  for (const ch of body) {
    if (quote !== "") {
      current += ch;
      if (ch === quote) quote = "";
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if (ch === "[") quote = "]";
    else if (ch === "(") depth += 1;
    else if (ch === ")") depth -= 1;
    else if (ch === "," && depth === 0) {
      parts.push(current.trim());
      current = "";
      continue;
    }
    current += ch;
  }
  parts.push(current.trim());
  return parts;
}

function unquote(name: string): string {
  const first = name[0];
  if (first === '"') return name.slice(1, -1).replaceAll('""', '"');
  if (first === "`" || first === "[") return name.slice(1, -1);
  return name;
}
