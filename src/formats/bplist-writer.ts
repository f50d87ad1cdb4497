/** Binary plist writer (bplist00): used by the test and demo generators and by `backup decrypt`. */
import { isPlistDict, PlistUid, type PlistValue } from "./plist-value.js";

const COCOA_EPOCH_MS = Date.UTC(2001, 0, 1);

/** Encodes a value as a binary plist; objects are written once per occurrence (no sharing). */
export function writeBinaryPlist(root: PlistValue): Buffer {
  const chunks: Buffer[] = [];
  const offsets: number[] = [];
  let position = 8;
  const flat: PlistValue[] = [];
  const children = new Map<number, number[]>();

  // Assign object numbers breadth-first so that containers can refer to their children.
  const queue: PlistValue[] = [root];
  while (queue.length > 0) {
    const value = queue.shift() as PlistValue;
    const index = flat.length;
    flat.push(value);
    if (Array.isArray(value)) {
      const refs: number[] = [];
      for (const item of value) {
        refs.push(flat.length + queue.length);
        queue.push(item);
      }
      children.set(index, refs);
    } else if (isPlistDict(value)) {
      const keys = Object.keys(value);
      const refs: number[] = [];
      for (const key of keys) {
        refs.push(flat.length + queue.length);
        queue.push(key);
      }
      for (const key of keys) {
        refs.push(flat.length + queue.length);
        queue.push(value[key] as PlistValue);
      }
      children.set(index, refs);
    }
  }
  const refSize = flat.length < 256 ? 1 : flat.length < 65536 ? 2 : 4;

  const marker = (type: number, count: number): Buffer => {
    if (count < 15) return Buffer.from([(type << 4) | count]);
    return Buffer.concat([Buffer.from([(type << 4) | 0xf]), intBytes(count)]);
  };
  const refs = (list: number[]): Buffer => {
    const out = Buffer.alloc(list.length * refSize);
    list.forEach((ref, i) => {
      out.writeUIntBE(ref, i * refSize, refSize);
    });
    return out;
  };

  flat.forEach((value, index) => {
    let encoded: Buffer;
    if (value === null) encoded = Buffer.from([0x00]);
    else if (value === false) encoded = Buffer.from([0x08]);
    else if (value === true) encoded = Buffer.from([0x09]);
    else if (typeof value === "number" && Number.isInteger(value)) encoded = intBytes(value);
    else if (typeof value === "bigint") {
      const out = Buffer.alloc(9);
      out[0] = 0x13;
      out.writeBigInt64BE(value, 1);
      encoded = out;
    } else if (typeof value === "number") {
      const out = Buffer.alloc(9);
      out[0] = 0x23;
      out.writeDoubleBE(value, 1);
      encoded = out;
    } else if (value instanceof Date) {
      const out = Buffer.alloc(9);
      out[0] = 0x33;
      out.writeDoubleBE((value.getTime() - COCOA_EPOCH_MS) / 1000, 1);
      encoded = out;
    } else if (value instanceof Uint8Array) {
      encoded = Buffer.concat([marker(0x4, value.length), Buffer.from(value)]);
    } else if (value instanceof PlistUid) {
      const size = value.index < 256 ? 1 : value.index < 65536 ? 2 : 4;
      const out = Buffer.alloc(1 + size);
      out[0] = 0x80 | (size - 1);
      out.writeUIntBE(value.index, 1, size);
      encoded = out;
    } else if (typeof value === "string") {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII range test
      if (/^[\x00-\x7f]*$/.test(value))
        encoded = Buffer.concat([marker(0x5, value.length), Buffer.from(value, "latin1")]);
      else {
        const le = Buffer.from(value, "utf16le");
        const be = Buffer.alloc(le.length);
        for (let i = 0; i + 1 < le.length; i += 2) {
          be[i] = le[i + 1]!;
          be[i + 1] = le[i]!;
        }
        encoded = Buffer.concat([marker(0x6, le.length / 2), be]);
      }
    } else if (Array.isArray(value)) {
      const list = children.get(index) ?? [];
      encoded = Buffer.concat([marker(0xa, list.length), refs(list)]);
    } else {
      const list = children.get(index) ?? [];
      encoded = Buffer.concat([marker(0xd, list.length / 2), refs(list)]);
    }
    offsets.push(position);
    chunks.push(encoded);
    position += encoded.length;
  });

  const offsetSize = position < 256 ? 1 : position < 65536 ? 2 : position < 2 ** 32 ? 4 : 8;
  const table = Buffer.alloc(offsets.length * offsetSize);
  offsets.forEach((offset, i) => {
    if (offsetSize === 8) table.writeBigUInt64BE(BigInt(offset), i * 8);
    else table.writeUIntBE(offset, i * offsetSize, offsetSize);
  });
  const trailer = Buffer.alloc(32);
  trailer[6] = offsetSize;
  trailer[7] = refSize;
  trailer.writeBigUInt64BE(BigInt(flat.length), 8);
  trailer.writeBigUInt64BE(0n, 16);
  trailer.writeBigUInt64BE(BigInt(position), 24);
  return Buffer.concat([Buffer.from("bplist00", "latin1"), ...chunks, table, trailer]);
}

function intBytes(value: number): Buffer {
  if (value >= 0 && value < 256) return Buffer.from([0x10, value]);
  if (value >= 0 && value < 65536) {
    const out = Buffer.alloc(3);
    out[0] = 0x11;
    out.writeUInt16BE(value, 1);
    return out;
  }
  if (value >= 0 && value < 2 ** 32) {
    const out = Buffer.alloc(5);
    out[0] = 0x12;
    out.writeUInt32BE(value, 1);
    return out;
  }
  const out = Buffer.alloc(9);
  out[0] = 0x13;
  out.writeBigInt64BE(BigInt(value), 1);
  return out;
}
