/**
 * Binary property list decoder (bplist00), with budgets on size, value count, depth and time.
 * Format: Apple CFBinaryPList.c; see ../shared/reference/ios-formats.md section 3.1.
 * Written as one small class that allocates nothing per value but the values themselves.
 */
import { SpyglassError } from "../errors.js";
import {
  DEFAULT_PLIST_BUDGET,
  keyString,
  type PlistBudget,
  type PlistDict,
  PlistUid,
  type PlistValue,
} from "./plist-value.js";

const COCOA_EPOCH_MS = Date.UTC(2001, 0, 1);

/** True when the bytes start like a binary plist ("bplist0"). */
export function isBinaryPlist(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 8 &&
    bytes[0] === 0x62 &&
    bytes[1] === 0x70 &&
    bytes[2] === 0x6c &&
    bytes[3] === 0x69 &&
    bytes[4] === 0x73 &&
    bytes[5] === 0x74 &&
    bytes[6] === 0x30
  );
}

/** Decodes a binary plist; throws SpyglassError CORRUPT or BUDGET naming `file` and the offset. */
export function parseBinaryPlist(
  bytes: Uint8Array,
  options: { file?: string; budget?: Partial<PlistBudget> } = {},
): PlistValue {
  const budget =
    options.budget === undefined ? DEFAULT_PLIST_BUDGET : { ...DEFAULT_PLIST_BUDGET, ...options.budget };
  return new BinaryPlistDecoder(bytes, budget, options.file).decodeTop();
}

/** A decoder over one binary plist. */
export class BinaryPlistDecoder {
  private readonly buf: Buffer;
  private readonly end: number;
  private readonly offsetSize: number = 0;
  private readonly refSize: number = 0;
  private readonly objectCount: number = 0;
  private readonly topObject: number = 0;
  private readonly tableOffset: number = 0;
  private produced = 0;
  private readonly startedAt = Date.now();
  private readonly active = new Set<number>();

  constructor(
    bytes: Uint8Array,
    private readonly budget: PlistBudget,
    private readonly file: string | undefined,
  ) {
    if (bytes.length > budget.maxBytes) {
      throw this.error(
        "BUDGET",
        `Binary plist of ${bytes.length} bytes exceeds the ${budget.maxBytes}-byte budget`,
      );
    }
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!isBinaryPlist(bytes) || bytes.length < 8 + 32) this.fail("missing bplist00 header or trailer", 0);
    const trailer = bytes.length - 32;
    this.end = trailer;
    this.offsetSize = this.buf[trailer + 6]!;
    this.refSize = this.buf[trailer + 7]!;
    this.objectCount = this.uintAt(trailer + 8, 8);
    this.topObject = this.uintAt(trailer + 16, 8);
    this.tableOffset = this.uintAt(trailer + 24, 8);
    if (!isIntSize(this.offsetSize) || !isIntSize(this.refSize)) {
      this.fail(`invalid offset size ${this.offsetSize} or reference size ${this.refSize}`, trailer + 6);
    }
    if (this.objectCount > budget.maxValues) {
      throw this.error(
        "BUDGET",
        `Binary plist declares ${this.objectCount} objects (budget ${budget.maxValues})`,
        trailer + 8,
      );
    }
    if (this.topObject >= this.objectCount) this.fail("top object outside the object table", trailer + 16);
    if (this.tableOffset < 8 || this.tableOffset + this.objectCount * this.offsetSize > trailer) {
      this.fail("offset table outside the file", trailer + 24);
    }
  }

  decodeTop(): PlistValue {
    return this.decode(this.topObject, 0);
  }

  private error(code: "CORRUPT" | "BUDGET", message: string, offset?: number): SpyglassError {
    return new SpyglassError(code, message, {
      ...(this.file === undefined ? {} : { file: this.file }),
      ...(offset === undefined ? {} : { offset }),
    });
  }

  private fail(message: string, offset?: number): never {
    throw this.error("CORRUPT", `Malformed binary plist: ${message}`, offset);
  }

  /** A big-endian unsigned integer of `size` bytes (sizes of 8 beyond 2^53 lose precision; range checks catch them). */
  private uintAt(at: number, size: number): number {
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + this.buf[at + i]!;
    return value;
  }

  /** A bounds-checked integer inside the object area. */
  private uint(at: number, size: number): number {
    if (at < 0 || at + size > this.end) this.fail("value runs past the end of the object area", at);
    return this.uintAt(at, size);
  }

  private need(start: number, size: number): void {
    if (size < 0 || start + size > this.end)
      this.fail(`value of ${size} bytes runs past the object area`, start);
  }

  private objectOffset(ref: number): number {
    if (ref >= this.objectCount) this.fail(`object reference ${ref} out of range`);
    const offset = this.uint(this.tableOffset + ref * this.offsetSize, this.offsetSize);
    if (offset < 8 || offset >= this.tableOffset) this.fail(`object ${ref} offset out of range`, offset);
    return offset;
  }

  /** The element count of a container or string and where its data starts. */
  private count(info: number, at: number): [number, number] {
    if (info !== 0xf) return [info, at + 1];
    if (at + 1 >= this.end) this.fail("truncated length", at + 1);
    const marker = this.buf[at + 1]!;
    if (marker >> 4 !== 0x1) this.fail("length is not an integer", at + 1);
    const size = 1 << (marker & 0xf);
    if (size > 8) this.fail("length integer too large", at + 1);
    return [this.uint(at + 2, size), at + 2 + size];
  }

  private decode(ref: number, depth: number): PlistValue {
    this.produced += 1;
    if ((this.produced & 0xffff) === 0 && Date.now() - this.startedAt > this.budget.maxMillis) {
      throw this.error("BUDGET", `Binary plist took longer than ${this.budget.maxMillis} ms to decode`);
    }
    if (this.produced > this.budget.maxValues) {
      throw this.error("BUDGET", `Binary plist expands to more than ${this.budget.maxValues} values`);
    }
    if (depth > this.budget.maxDepth) {
      throw this.error("BUDGET", `Binary plist nests deeper than ${this.budget.maxDepth} levels`);
    }
    const at = this.objectOffset(ref);
    const marker = this.buf[at]!;
    const info = marker & 0xf;
    switch (marker >> 4) {
      case 0x0:
        if (info === 0x8) return false;
        if (info === 0x9) return true;
        if (info === 0x0 || info === 0xf) return null;
        return this.fail(`unknown simple value 0x${marker.toString(16)}`, at);
      case 0x1: {
        const size = 1 << info;
        this.need(at + 1, size);
        if (size <= 4) return this.uintAt(at + 1, size);
        if (size === 8) return safeNumber(this.buf.readBigInt64BE(at + 1));
        // 128-bit integers are written by CF for unsigned 64-bit values; the high half is zero.
        if (size === 16) return safeNumber(this.buf.readBigUInt64BE(at + 9));
        return this.fail(`integer of ${size} bytes`, at);
      }
      case 0x2: {
        const size = 1 << info;
        this.need(at + 1, size);
        if (size === 4) return this.buf.readFloatBE(at + 1);
        if (size === 8) return this.buf.readDoubleBE(at + 1);
        return this.fail(`real of ${size} bytes`, at);
      }
      case 0x3:
        this.need(at + 1, 8);
        return new Date(COCOA_EPOCH_MS + this.buf.readDoubleBE(at + 1) * 1000);
      case 0x4: {
        const [length, start] = this.count(info, at);
        this.need(start, length);
        // A plain Uint8Array (not a Buffer), as the XML decoder gives, detached from the input.
        const data = new Uint8Array(length);
        data.set(this.buf.subarray(start, start + length));
        return data;
      }
      case 0x5: {
        const [length, start] = this.count(info, at);
        this.need(start, length);
        return this.buf.toString("latin1", start, start + length);
      }
      case 0x6: {
        const [length, start] = this.count(info, at);
        this.need(start, length * 2);
        const swapped = Buffer.allocUnsafe(length * 2);
        for (let i = 0; i < length * 2; i += 2) {
          swapped[i] = this.buf[start + i + 1]!;
          swapped[i + 1] = this.buf[start + i]!;
        }
        return swapped.toString("utf16le");
      }
      case 0x7: {
        const [length, start] = this.count(info, at);
        this.need(start, length);
        return this.buf.toString("utf8", start, start + length);
      }
      case 0x8:
        return new PlistUid(this.uint(at + 1, info + 1));
      case 0xa:
      case 0xc: {
        const [length, start] = this.count(info, at);
        const refSize = this.refSize;
        this.need(start, length * refSize);
        this.enter(ref, at);
        const items: PlistValue[] = new Array(length);
        for (let i = 0; i < length; i++)
          items[i] = this.decode(this.uintAt(start + i * refSize, refSize), depth + 1);
        this.active.delete(ref);
        return items;
      }
      case 0xd: {
        const [length, start] = this.count(info, at);
        const refSize = this.refSize;
        this.need(start, length * 2 * refSize);
        this.enter(ref, at);
        const dict: PlistDict = Object.create(null) as PlistDict;
        for (let i = 0; i < length; i++) {
          const key = this.decode(this.uintAt(start + i * refSize, refSize), depth + 1);
          dict[keyString(key)] = this.decode(this.uintAt(start + (length + i) * refSize, refSize), depth + 1);
        }
        this.active.delete(ref);
        return dict;
      }
      default:
        return this.fail(`unknown object type 0x${(marker >> 4).toString(16)}`, at);
    }
  }

  /** Marks a container as being decoded; one that contains itself is refused. */
  private enter(ref: number, at: number): void {
    if (this.active.has(ref)) this.fail(`object ${ref} contains itself`, at);
    this.active.add(ref);
  }
}

function isIntSize(size: number): boolean {
  return size === 1 || size === 2 || size === 4 || size === 8;
}

function safeNumber(value: bigint): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}
