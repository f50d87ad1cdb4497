/**
 * Binary property list decoder (bplist00), with budgets on size, value count and depth.
 * Format: Apple CFBinaryPList.c; see ../shared/reference/ios-formats.md section 3.1.
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
const MAGIC = "bplist0";

/** True when the bytes start like a binary plist. */
export function isBinaryPlist(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && Buffer.from(bytes.subarray(0, 7)).toString("latin1") === MAGIC;
}

/** Decodes a binary plist; throws SpyglassError CORRUPT or BUDGET naming `file` and the offset. */
export function parseBinaryPlist(
  bytes: Uint8Array,
  options: { file?: string; budget?: Partial<PlistBudget> } = {},
): PlistValue {
  const budget = { ...DEFAULT_PLIST_BUDGET, ...options.budget };
  const file = options.file;
  const fail = (message: string, offset?: number): never => {
    throw new SpyglassError("CORRUPT", `Malformed binary plist: ${message}`, {
      ...(file === undefined ? {} : { file }),
      ...(offset === undefined ? {} : { offset }),
    });
  };
  if (bytes.length > budget.maxBytes) {
    throw new SpyglassError(
      "BUDGET",
      `Binary plist of ${bytes.length} bytes exceeds the ${budget.maxBytes}-byte budget`,
      {
        ...(file === undefined ? {} : { file }),
      },
    );
  }
  if (!isBinaryPlist(bytes) || bytes.length < 8 + 32) fail("missing bplist00 header or trailer", 0);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trailer = bytes.length - 32;
  const offsetSize = view.getUint8(trailer + 6);
  const refSize = view.getUint8(trailer + 7);
  const objectCount = readBig(view, trailer + 8, 8);
  const topObject = readBig(view, trailer + 16, 8);
  const tableOffset = readBig(view, trailer + 24, 8);
  if (![1, 2, 4, 8].includes(offsetSize) || ![1, 2, 4, 8].includes(refSize)) {
    fail(`invalid offset size ${offsetSize} or reference size ${refSize}`, trailer + 6);
  }
  if (objectCount > budget.maxValues) {
    throw new SpyglassError(
      "BUDGET",
      `Binary plist declares ${objectCount} objects (budget ${budget.maxValues})`,
      {
        ...(file === undefined ? {} : { file }),
        offset: trailer + 8,
      },
    );
  }
  if (topObject >= objectCount) fail("top object outside the object table", trailer + 16);
  if (tableOffset < 8 || tableOffset + objectCount * offsetSize > trailer) {
    fail("offset table outside the file", trailer + 24);
  }

  let produced = 0;
  const startedAt = Date.now();
  const active = new Set<number>();

  function uint(at: number, size: number): number {
    if (at < 0 || at + size > trailer) fail("value runs past the end of the object area", at);
    return readBig(view, at, size);
  }

  function objectOffset(ref: number): number {
    if (ref >= objectCount) fail(`object reference ${ref} out of range`);
    const offset = uint(tableOffset + ref * offsetSize, offsetSize);
    if (offset < 8 || offset >= tableOffset) fail(`object ${ref} offset out of range`, offset);
    return offset;
  }

  function length(info: number, at: number): { count: number; start: number } {
    if (info !== 0xf) return { count: info, start: at + 1 };
    const marker = bytes[at + 1] ?? fail("truncated length", at + 1);
    if (marker >> 4 !== 0x1) fail("length is not an integer", at + 1);
    const size = 1 << (marker & 0xf);
    if (size > 8) fail("length integer too large", at + 1);
    return { count: uint(at + 2, size), start: at + 2 + size };
  }

  function slice(start: number, size: number): Uint8Array {
    if (size < 0 || start + size > trailer) fail(`value of ${size} bytes runs past the object area`, start);
    return bytes.subarray(start, start + size);
  }

  function decode(ref: number, depth: number): PlistValue {
    produced += 1;
    if ((produced & 0xffff) === 0 && Date.now() - startedAt > budget.maxMillis) {
      throw new SpyglassError("BUDGET", `Binary plist took longer than ${budget.maxMillis} ms to decode`, {
        ...(file === undefined ? {} : { file }),
      });
    }
    if (produced > budget.maxValues) {
      throw new SpyglassError("BUDGET", `Binary plist expands to more than ${budget.maxValues} values`, {
        ...(file === undefined ? {} : { file }),
      });
    }
    if (depth > budget.maxDepth) {
      throw new SpyglassError("BUDGET", `Binary plist nests deeper than ${budget.maxDepth} levels`, {
        ...(file === undefined ? {} : { file }),
      });
    }
    const at = objectOffset(ref);
    const marker = bytes[at] ?? fail("truncated object", at);
    const type = marker >> 4;
    const info = marker & 0xf;
    switch (type) {
      case 0x0:
        if (info === 0x8) return false;
        if (info === 0x9) return true;
        if (info === 0x0 || info === 0xf) return null;
        return fail(`unknown simple value 0x${marker.toString(16)}`, at);
      case 0x1: {
        const size = 1 << info;
        if (size === 16) {
          // 128-bit integers are written by CF for unsigned 64-bit values; the high half is zero.
          return toNumber(view.getBigUint64(at + 1 + 8, false), slice(at + 1, 16));
        }
        if (size > 8) return fail(`integer of ${size} bytes`, at);
        slice(at + 1, size);
        if (size === 8) return toNumber(view.getBigInt64(at + 1, false));
        return readBig(view, at + 1, size);
      }
      case 0x2: {
        const size = 1 << info;
        slice(at + 1, size);
        if (size === 4) return view.getFloat32(at + 1, false);
        if (size === 8) return view.getFloat64(at + 1, false);
        return fail(`real of ${size} bytes`, at);
      }
      case 0x3: {
        slice(at + 1, 8);
        return new Date(COCOA_EPOCH_MS + view.getFloat64(at + 1, false) * 1000);
      }
      case 0x4: {
        const { count, start } = length(info, at);
        return Uint8Array.from(slice(start, count));
      }
      case 0x5: {
        const { count, start } = length(info, at);
        return Buffer.from(slice(start, count)).toString("latin1");
      }
      case 0x6: {
        const { count, start } = length(info, at);
        const raw = Buffer.from(slice(start, count * 2));
        const swapped = Buffer.alloc(raw.length);
        for (let i = 0; i + 1 < raw.length; i += 2) {
          swapped[i] = raw[i + 1]!;
          swapped[i + 1] = raw[i]!;
        }
        return swapped.toString("utf16le");
      }
      case 0x7: {
        const { count, start } = length(info, at);
        return Buffer.from(slice(start, count)).toString("utf8");
      }
      case 0x8:
        return new PlistUid(uint(at + 1, info + 1));
      case 0xa:
      case 0xc: {
        const { count, start } = length(info, at);
        slice(start, count * refSize);
        return enter(ref, at, () => {
          const items: PlistValue[] = [];
          for (let i = 0; i < count; i++) items.push(decode(uint(start + i * refSize, refSize), depth + 1));
          return items;
        });
      }
      case 0xd: {
        const { count, start } = length(info, at);
        slice(start, count * 2 * refSize);
        return enter(ref, at, () => {
          const dict: PlistDict = Object.create(null) as PlistDict;
          for (let i = 0; i < count; i++) {
            const key = decode(uint(start + i * refSize, refSize), depth + 1);
            const value = decode(uint(start + (count + i) * refSize, refSize), depth + 1);
            dict[keyString(key)] = value;
          }
          return dict;
        });
      }
      default:
        return fail(`unknown object type 0x${type.toString(16)}`, at);
    }
  }

  function enter(ref: number, at: number, body: () => PlistValue): PlistValue {
    if (active.has(ref)) fail(`object ${ref} contains itself`, at);
    active.add(ref);
    try {
      return body();
    } finally {
      active.delete(ref);
    }
  }

  return decode(topObject, 0);
}

function readBig(view: DataView, at: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + view.getUint8(at + i);
  return value;
}

function toNumber(value: bigint, _raw?: Uint8Array): number | bigint {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}
