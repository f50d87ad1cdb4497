/**
 * Applies a SQLite write-ahead log to an in-memory copy of the database, without SQLite ever
 * seeing a file: committed frames with valid salts and checksums, in order, up to the last commit.
 * Format: sqlite.org/fileformat2.html section 4 (WAL file format).
 */
import { SpyglassError } from "../errors.js";

const WAL_MAGIC_LE = 0x377f0682;
const WAL_MAGIC_BE = 0x377f0683;

/** What applying a WAL did. */
export interface WalResult {
  image: Buffer;
  framesApplied: number;
  framesIgnored: number;
}

/** Returns a database image with the WAL's committed frames applied (the input is not modified). */
export function applyWal(database: Buffer, wal: Buffer, file?: string): WalResult {
  const where = file === undefined ? {} : { file };
  if (wal.length < 32) return { image: database, framesApplied: 0, framesIgnored: 0 };
  const magic = wal.readUInt32BE(0);
  if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) {
    throw new SpyglassError("CORRUPT", "Write-ahead log has a bad magic number", { ...where, offset: 0 });
  }
  const bigEndian = magic === WAL_MAGIC_BE;
  const pageSize = wal.readUInt32BE(8);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new SpyglassError("CORRUPT", `Write-ahead log has an invalid page size ${pageSize}`, {
      ...where,
      offset: 8,
    });
  }
  const salt1 = wal.readUInt32BE(16);
  const salt2 = wal.readUInt32BE(20);
  let [s0, s1] = checksum(wal, 0, 24, 0, 0, bigEndian);
  if (s0 !== wal.readUInt32BE(24) || s1 !== wal.readUInt32BE(28)) {
    return {
      image: database,
      framesApplied: 0,
      framesIgnored: Math.floor((wal.length - 32) / (pageSize + 24)),
    };
  }
  const dbPageSize = databasePageSize(database);
  if (dbPageSize !== undefined && dbPageSize !== pageSize) {
    throw new SpyglassError(
      "CORRUPT",
      `Write-ahead log page size ${pageSize} differs from the database's ${dbPageSize}`,
      where,
    );
  }

  const pending: Array<{ page: number; offset: number }> = [];
  const committed: Array<{ page: number; offset: number }> = [];
  let committedPages = 0;
  let framesSeen = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    framesSeen += 1;
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    [s0, s1] = checksum(wal, at, 8, s0, s1, bigEndian);
    [s0, s1] = checksum(wal, at + 24, pageSize, s0, s1, bigEndian);
    if (s0 !== wal.readUInt32BE(at + 16) || s1 !== wal.readUInt32BE(at + 20)) break;
    const page = wal.readUInt32BE(at);
    if (page === 0) break;
    pending.push({ page, offset: at + 24 });
    const commitSize = wal.readUInt32BE(at + 4);
    if (commitSize > 0) {
      for (const frame of pending) committed.push(frame);
      pending.length = 0;
      committedPages = commitSize;
    }
  }
  const totalFrames = Math.floor((wal.length - 32) / (pageSize + 24));
  if (committed.length === 0) return { image: database, framesApplied: 0, framesIgnored: totalFrames };

  const size = committedPages * pageSize;
  const image = Buffer.alloc(Math.max(size, 0));
  database.copy(image, 0, 0, Math.min(database.length, size));
  for (const frame of committed) {
    const target = (frame.page - 1) * pageSize;
    if (target + pageSize <= image.length) wal.copy(image, target, frame.offset, frame.offset + pageSize);
  }
  return {
    image,
    framesApplied: committed.length,
    framesIgnored: Math.max(0, framesSeen - committed.length),
  };
}

/** The page size from a database header, or undefined when the header is absent. */
export function databasePageSize(database: Buffer): number | undefined {
  if (database.length < 100) return undefined;
  const raw = database.readUInt16BE(16);
  return raw === 1 ? 65536 : raw;
}

function checksum(
  data: Buffer,
  start: number,
  length: number,
  s0: number,
  s1: number,
  bigEndian: boolean,
): [number, number] {
  let a = s0;
  let b = s1;
  for (let i = start; i < start + length; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    a = (a + x0 + b) >>> 0;
    b = (b + x1 + a) >>> 0;
  }
  return [a, b];
}
