/** Builds small tar and zip archives in memory for the fs-dump tests (ustar/pax/GNU headers, ZIP64, extra fields). */
import { crc32, deflateRawSync } from "node:zlib";

/** One tar member to write. */
export interface TarSpec {
  name: string;
  /** Type flag: "0" file (default), "1" hard link, "2" symlink, "5" directory, "S" GNU sparse… */
  type?: string;
  data?: Buffer | string;
  linkName?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: number;
  /** Pax records written in an 'x' header before the member. */
  pax?: Record<string, string>;
  /** Write a long name as a GNU 'L' header instead of truncating. */
  gnuLongName?: boolean;
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, "0")}\0`;
}

function tarHeader(name: string, type: string, size: number, spec: Partial<TarSpec>, linkName = ""): Buffer {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 100), 0, "utf8");
  block.write(octal(spec.mode ?? 0o644, 8), 100, "latin1");
  block.write(octal(spec.uid ?? 501, 8), 108, "latin1");
  block.write(octal(spec.gid ?? 501, 8), 116, "latin1");
  block.write(octal(size, 12), 124, "latin1");
  block.write(octal(spec.mtime ?? 1_700_000_000, 12), 136, "latin1");
  block.write("        ", 148, "latin1");
  block.write(type, 156, "latin1");
  block.write(linkName.slice(0, 100), 157, "utf8");
  block.write("ustar\0", 257, "latin1");
  block.write("00", 263, "latin1");
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return block;
}

function padded(data: Buffer): Buffer {
  const pad = (512 - (data.length % 512)) % 512;
  return Buffer.concat([data, Buffer.alloc(pad)]);
}

function paxData(records: Record<string, string>): Buffer {
  let text = "";
  for (const [key, value] of Object.entries(records)) {
    const body = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(body) + 1;
    while (String(length).length + Buffer.byteLength(body) !== length) length += 1;
    text += `${length}${body}`;
  }
  return Buffer.from(text, "utf8");
}

/** A tar archive of the given members, ending with two zero blocks unless `end` is false. */
export function buildTar(specs: readonly TarSpec[], options: { end?: boolean } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const spec of specs) {
    const type = spec.type ?? "0";
    const data = typeof spec.data === "string" ? Buffer.from(spec.data) : (spec.data ?? Buffer.alloc(0));
    if (spec.gnuLongName && Buffer.byteLength(spec.name) > 100) {
      const long = Buffer.from(`${spec.name}\0`);
      parts.push(tarHeader("././@LongLink", "L", long.length, {}), padded(long));
    }
    if (spec.pax !== undefined) {
      const records = paxData(spec.pax);
      parts.push(tarHeader("PaxHeader", "x", records.length, {}), padded(records));
    }
    parts.push(tarHeader(spec.name, type, data.length, spec, spec.linkName), padded(data));
  }
  if (options.end !== false) parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

/** One zip member to write. */
export interface ZipSpec {
  name: string;
  data?: Buffer | string;
  /** 0 stored, 8 deflate (default). */
  method?: 0 | 8;
  /** Unix st_mode (type and permission bits); sets "made by Unix". */
  mode?: number;
  /** Unix seconds for a 0x5455 extended timestamp (mtime, optional atime and creation time). */
  unixTimes?: { mtime: number; atime?: number; crtime?: number };
  /** Unix seconds written as an NTFS 0x000a field. */
  ntfs?: { mtime: number; atime: number; crtime: number };
  /** Overrides the uncompressed size written in the headers (to build lying archives). */
  declaredSize?: number;
}

/** A zip archive; `zip64` forces ZIP64 records, `claimEntries` overrides the EOCD entry count. */
export function buildZip(
  specs: readonly ZipSpec[],
  options: { zip64?: boolean; claimEntries?: number; prepend?: Buffer; comment?: string } = {},
): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = options.prepend?.length ?? 0;
  const base = offset;
  for (const spec of specs) {
    const data = typeof spec.data === "string" ? Buffer.from(spec.data) : (spec.data ?? Buffer.alloc(0));
    const method = spec.method ?? 8;
    const packed = method === 8 ? deflateRawSync(data) : data;
    const size = spec.declaredSize ?? data.length;
    const name = Buffer.from(spec.name, "utf8");
    const extras: Buffer[] = [];
    if (spec.unixTimes !== undefined) {
      const times = [spec.unixTimes.mtime, spec.unixTimes.atime, spec.unixTimes.crtime];
      const flags = times.reduce<number>((acc, t, i) => (t === undefined ? acc : acc | (1 << i)), 0);
      const body = Buffer.alloc(1 + 4 * times.filter((t) => t !== undefined).length);
      body[0] = flags;
      let p = 1;
      for (const t of times) {
        if (t === undefined) continue;
        body.writeInt32LE(t, p);
        p += 4;
      }
      extras.push(extraField(0x5455, body));
    }
    if (spec.ntfs !== undefined) {
      const body = Buffer.alloc(32);
      body.writeUInt16LE(1, 4);
      body.writeUInt16LE(24, 6);
      const ft = (t: number): bigint => BigInt(Math.round((t + 11_644_473_600) * 1e7));
      body.writeBigUInt64LE(ft(spec.ntfs.mtime), 8);
      body.writeBigUInt64LE(ft(spec.ntfs.atime), 16);
      body.writeBigUInt64LE(ft(spec.ntfs.crtime), 24);
      extras.push(extraField(0x000a, body));
    }
    const localExtras = [...extras];
    const centralExtras = [...extras];
    if (options.zip64) {
      const z = Buffer.alloc(24);
      z.writeBigUInt64LE(BigInt(size), 0);
      z.writeBigUInt64LE(BigInt(packed.length), 8);
      z.writeBigUInt64LE(BigInt(offset - base), 16);
      centralExtras.push(extraField(0x0001, z));
      localExtras.push(extraField(0x0001, z.subarray(0, 16)));
    }
    const localExtra = Buffer.concat(localExtras);
    const centralExtra = Buffer.concat(centralExtras);
    const crc = crc32(data) >>> 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(options.zip64 ? 45 : 20, 4);
    local.writeUInt16LE(0x800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0x6000, 10); // 12:00:00
    local.writeUInt16LE(((2023 - 1980) << 9) | (1 << 5) | 8, 12); // 2023-01-08
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : packed.length, 18);
    local.writeUInt32LE(options.zip64 ? 0xffffffff : size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(localExtra.length, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(spec.mode === undefined ? 20 : (3 << 8) | 20, 4);
    central.writeUInt16LE(options.zip64 ? 45 : 20, 6);
    central.writeUInt16LE(0x800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(0x6000, 12);
    central.writeUInt16LE(((2023 - 1980) << 9) | (1 << 5) | 8, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : packed.length, 20);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(centralExtra.length, 30);
    central.writeUInt32LE(spec.mode === undefined ? 0 : (spec.mode << 16) >>> 0, 38);
    central.writeUInt32LE(options.zip64 ? 0xffffffff : offset - base, 42);
    const localRecord = Buffer.concat([local, name, localExtra, packed]);
    locals.push(localRecord);
    centrals.push(Buffer.concat([central, name, centralExtra]));
    offset += localRecord.length;
  }
  const cd = Buffer.concat(centrals);
  const cdOffset = offset - base;
  const count = options.claimEntries ?? specs.length;
  const tail: Buffer[] = [];
  if (options.zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    record.writeBigUInt64LE(44n, 4);
    record.writeUInt16LE(45, 12);
    record.writeUInt16LE(45, 14);
    record.writeBigUInt64LE(BigInt(count), 24);
    record.writeBigUInt64LE(BigInt(count), 32);
    record.writeBigUInt64LE(BigInt(cd.length), 40);
    record.writeBigUInt64LE(BigInt(cdOffset), 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeBigUInt64LE(BigInt(offset - base + cd.length), 8);
    locator.writeUInt32LE(1, 16);
    tail.push(record, locator);
  }
  const comment = Buffer.from(options.comment ?? "");
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(options.zip64 ? 0xffff : Math.min(count, 0xffff), 8);
  eocd.writeUInt16LE(options.zip64 ? 0xffff : Math.min(count, 0xffff), 10);
  eocd.writeUInt32LE(options.zip64 ? 0xffffffff : cd.length, 12);
  eocd.writeUInt32LE(options.zip64 ? 0xffffffff : cdOffset, 16);
  eocd.writeUInt16LE(comment.length, 20);
  return Buffer.concat([options.prepend ?? Buffer.alloc(0), ...locals, cd, ...tail, eocd, comment]);
}

function extraField(id: number, body: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(id, 0);
  head.writeUInt16LE(body.length, 2);
  return Buffer.concat([head, body]);
}
