/**
 * .zip dumps, read by index: the central directory is parsed once (streamed in chunks, ZIP64
 * aware) and a read inflates only the one member, through positioned reads on a file handle.
 * Zip bombs are refused: a member must inflate to exactly its declared size, and a declared size
 * far beyond its compressed size (over the ratio budget) is refused before inflating.
 */
import type { FileHandle } from "node:fs/promises";
import { promisify } from "node:util";
import { crc32, inflateRaw } from "node:zlib";
import { SpyglassError } from "../../errors.js";
import {
  CENTRAL_HEADER_SIZE,
  EOCD_SEARCH_BYTES,
  findZipEnd,
  LOCAL_HEADER_SIZE,
  localDataOffset,
  parseCentralEntry,
  parseZip64End,
  parseZip64Locator,
  ZIP64_EOCD_SIZE,
  ZIP64_LOCATOR_SIZE,
  type ZipCentralEntry,
} from "../../formats/zip.js";
import { fromUnixSeconds } from "../../model/time.js";
import type { WarningList } from "../../model/warning.js";
import { openEvidence, READ_ONLY } from "../evidence-open.js";
import type { EvidenceEntry } from "../types.js";
import { type FsDumpBudget, IndexMeter } from "./budget.js";
import { readAt } from "./byte-reader.js";
import type { DumpBackend, RawMember } from "./source.js";

const inflateRawAsync = promisify(inflateRaw);
const CHUNK = 4 * 1024 * 1024;

/** A member's coordinates in the archive (offsets already corrected for prepended data). */
export interface ZipLocator {
  localHeaderOffset: number;
  compressedSize: number;
  uncompressedSize: number;
  method: number;
  crc32: number;
  encrypted: boolean;
}

/** Reads one member at a time by position. */
export class ZipBackend implements DumpBackend<ZipLocator> {
  private closed = false;

  constructor(
    private readonly path: string,
    private readonly handle: FileHandle,
    /** Where member data must end: the start of the central directory. */
    private readonly dataEnd: number,
    private readonly budget: FsDumpBudget,
    private readonly warnings: WarningList,
  ) {}

  async readMember(locator: ZipLocator, entry: EvidenceEntry, maxBytes: number): Promise<Buffer> {
    const where = { file: this.path, offset: locator.localHeaderOffset };
    if (locator.encrypted)
      throw new SpyglassError("UNSUPPORTED", `${entry.origin} is encrypted in the zip`, where);
    if (locator.method !== 0 && locator.method !== 8) {
      throw new SpyglassError(
        "UNSUPPORTED",
        `${entry.origin} uses zip compression method ${locator.method}`,
        where,
      );
    }
    const { compressedSize: packed, uncompressedSize: size } = locator;
    if (size > maxBytes) {
      throw new SpyglassError(
        "BUDGET",
        `${entry.origin} is ${size} bytes, over the ${maxBytes}-byte budget`,
        where,
      );
    }
    if (locator.method === 0 && packed !== size) {
      throw new SpyglassError("CORRUPT", `${entry.origin} is stored but its two sizes differ`, where);
    }
    if (size > this.budget.ratioFloorBytes && size > packed * this.budget.maxZipRatio) {
      throw new SpyglassError(
        "BUDGET",
        `${entry.origin} would inflate ${packed} bytes to ${size} (over the ${this.budget.maxZipRatio}:1 ratio budget; zip bomb?)`,
        where,
      );
    }
    // Deflate never grows data by more than a few bytes per 16 KiB block.
    if (packed > size + Math.ceil(size / 1000) + 1024) {
      throw new SpyglassError(
        "CORRUPT",
        `${entry.origin}: compressed size ${packed} is implausible for ${size} bytes`,
        where,
      );
    }
    const header = await readAt(this.handle, locator.localHeaderOffset, LOCAL_HEADER_SIZE);
    const dataOffset = localDataOffset(header, locator.localHeaderOffset, this.path);
    if (dataOffset + packed > this.dataEnd) {
      throw new SpyglassError(
        "CORRUPT",
        `${entry.origin}: member data runs into the central directory`,
        where,
      );
    }
    const compressed = await readAt(this.handle, dataOffset, packed);
    if (compressed.length < packed) throw new SpyglassError("CORRUPT", `${entry.origin} is truncated`, where);
    let data: Buffer;
    if (locator.method === 0) data = compressed;
    else {
      try {
        data = await inflateRawAsync(compressed, { maxOutputLength: Math.max(1, size) + 1 });
      } catch (cause) {
        const tooLarge = (cause as { code?: string }).code === "ERR_BUFFER_TOO_LARGE";
        throw new SpyglassError(
          "CORRUPT",
          tooLarge
            ? `${entry.origin} inflates beyond its declared ${size} bytes (zip bomb?); inflating stopped`
            : `${entry.origin} does not inflate: ${(cause as Error).message}`,
          { ...where, cause },
        );
      }
      if (data.length > size) {
        throw new SpyglassError(
          "CORRUPT",
          `${entry.origin} inflates beyond its declared ${size} bytes (zip bomb?)`,
          where,
        );
      }
      if (data.length < size) {
        throw new SpyglassError(
          "CORRUPT",
          `${entry.origin} inflates to ${data.length} of ${size} bytes`,
          where,
        );
      }
    }
    if (crc32(data) >>> 0 !== locator.crc32 >>> 0) {
      this.warnings.add({ code: "CORRUPT", message: `CRC-32 mismatch in ${entry.origin}`, file: entry.path });
    }
    return data;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

/** Lists a zip's members from its central directory. Throws CORRUPT/BUDGET when the directory is unusable. */
export async function indexZip(
  path: string,
  options: { budget: FsDumpBudget; warnings: WarningList },
): Promise<{ members: RawMember<ZipLocator>[]; backend: ZipBackend }> {
  const handle = await openEvidence(path, READ_ONLY);
  try {
    return await indexOpenZip(path, handle, options);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function indexOpenZip(
  path: string,
  handle: FileHandle,
  { budget, warnings }: { budget: FsDumpBudget; warnings: WarningList },
): Promise<{ members: RawMember<ZipLocator>[]; backend: ZipBackend }> {
  const fileSize = (await handle.stat()).size;
  const tailStart = Math.max(0, fileSize - EOCD_SEARCH_BYTES);
  const end = findZipEnd(await readAt(handle, tailStart, fileSize - tailStart), tailStart);
  if (end === undefined) {
    throw new SpyglassError("CORRUPT", "Not a zip archive, or truncated: no end of central directory", {
      file: path,
    });
  }
  if (end.disk !== 0 && end.disk !== 0xffff) {
    throw new SpyglassError("UNSUPPORTED", "Split (multi-volume) zip archives are not supported", {
      file: path,
      hint: "Join the parts into one .zip first (zip -s 0 split.zip --out whole.zip)",
    });
  }
  let { entries, cdSize, cdOffset } = end;
  let cdEnd = end.eocdOffset;
  if (end.needsZip64) {
    const locatorAt = end.eocdOffset - ZIP64_LOCATOR_SIZE;
    const zip64At =
      locatorAt >= 0 ? parseZip64Locator(await readAt(handle, locatorAt, ZIP64_LOCATOR_SIZE)) : undefined;
    if (zip64At === undefined || zip64At + ZIP64_EOCD_SIZE > locatorAt) {
      throw new SpyglassError("CORRUPT", "Zip64 end of central directory locator missing or invalid", {
        file: path,
      });
    }
    let recordAt = zip64At;
    let record = await readAt(handle, recordAt, ZIP64_EOCD_SIZE);
    if (record.length < 4 || record.readUInt32LE(0) !== 0x06064b50) {
      // Prepended data shifts the recorded offset too; the record usually sits just before the locator.
      recordAt = locatorAt - ZIP64_EOCD_SIZE;
      record = await readAt(handle, recordAt, ZIP64_EOCD_SIZE);
    }
    ({ entries, cdSize, cdOffset } = parseZip64End(record, path));
    cdEnd = recordAt;
  }
  if (entries > budget.maxEntries) {
    throw new SpyglassError(
      "BUDGET",
      `Zip central directory claims ${entries} entries (budget ${budget.maxEntries})`,
      {
        file: path,
      },
    );
  }
  if (cdSize < entries * CENTRAL_HEADER_SIZE || cdSize > cdEnd) {
    throw new SpyglassError(
      "CORRUPT",
      `Zip central directory of ${cdSize} bytes cannot hold ${entries} entries`,
      {
        file: path,
      },
    );
  }
  // Data prepended to the archive (self-extractors) shifts every recorded offset by the same amount.
  const shift = cdEnd - cdSize - cdOffset;
  if (shift < 0) {
    throw new SpyglassError("CORRUPT", "Zip central directory offset lies past its end record", {
      file: path,
    });
  }
  const cdStart = cdOffset + shift;
  const members: RawMember<ZipLocator>[] = [];
  const meter = new IndexMeter(budget);
  let buffer = Buffer.alloc(0);
  let at = 0;
  let read = 0;
  let parsed = 0;
  let dosTimes = 0;
  const symlinks: Array<{ raw: RawMember<ZipLocator>; entry: EvidenceEntry }> = [];
  while (parsed < entries) {
    const record = parseCentralEntry(buffer, at, path);
    if (record === undefined) {
      if (read >= cdSize) break;
      const chunk = await readAt(handle, cdStart + read, Math.min(CHUNK, cdSize - read));
      if (chunk.length === 0) break;
      read += chunk.length;
      buffer = Buffer.concat([buffer.subarray(at), chunk]);
      at = 0;
      continue;
    }
    at = record.next;
    parsed += 1;
    const over = meter.count(record.entry.uncompressedSize);
    if (over !== undefined) {
      warnings.add({ code: "BUDGET", message: over, file: path });
      break;
    }
    const raw = rawMember(record.entry, shift);
    members.push(raw);
    if (record.entry.mtimeIsDos && raw.modifiedAt !== undefined && raw.kind === "file") dosTimes += 1;
    if (record.entry.encrypted) {
      warnings.count("SKIPPED", (n) => `${n} encrypted zip member(s) cannot be read`, record.entry.name);
    }
    if (raw.kind === "symlink")
      symlinks.push({
        raw,
        entry: { path: raw.name, kind: "file", size: raw.size, origin: raw.name, present: true },
      });
  }
  if (dosTimes > 0) {
    warnings.add({
      code: "OTHER",
      message: `${dosTimes} zip member time(s) are MS-DOS times (local time of the archiving machine, 2-second steps), read as UTC`,
      file: path,
      count: dosTimes,
    });
  }
  if (parsed < entries && members.length === parsed) {
    warnings.add({
      code: "CORRUPT",
      message: `zip central directory ends after ${parsed} of ${entries} entries`,
      file: path,
    });
  }
  const backend = new ZipBackend(path, handle, cdStart, budget, warnings);
  for (const { raw, entry } of symlinks) {
    if (raw.size > budget.maxMetadataBytes) {
      warnings.add({ code: "BUDGET", message: "symlink target too long", file: raw.name });
      continue;
    }
    try {
      raw.linkTarget = (await backend.readMember(raw.locator, entry, budget.maxMetadataBytes)).toString(
        "utf8",
      );
    } catch (error) {
      warnings.add({
        code: "CORRUPT",
        message: `symlink target unreadable: ${(error as Error).message}`,
        file: raw.name,
      });
    }
  }
  return { members, backend };
}

function rawMember(entry: ZipCentralEntry, shift: number): RawMember<ZipLocator> {
  const raw: RawMember<ZipLocator> = {
    name: entry.name,
    kind: entry.kind,
    size: entry.uncompressedSize,
    present: true,
    locator: {
      localHeaderOffset: entry.localHeaderOffset + shift,
      compressedSize: entry.compressedSize,
      uncompressedSize: entry.uncompressedSize,
      method: entry.method,
      crc32: entry.crc32,
      encrypted: entry.encrypted,
    },
  };
  if (entry.mode !== undefined) raw.mode = entry.mode & 0o7777;
  if (entry.uid !== undefined) raw.uid = entry.uid;
  if (entry.gid !== undefined) raw.gid = entry.gid;
  const modifiedAt = entry.mtime === undefined ? undefined : fromUnixSeconds(entry.mtime);
  const birthAt = entry.crtime === undefined ? undefined : fromUnixSeconds(entry.crtime);
  if (modifiedAt !== undefined) raw.modifiedAt = modifiedAt;
  if (birthAt !== undefined) raw.birthAt = birthAt;
  const accessedAt = entry.atime === undefined ? undefined : fromUnixSeconds(entry.atime);
  if (accessedAt !== undefined) raw.accessedAt = accessedAt;
  return raw;
}
