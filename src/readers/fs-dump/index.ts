/**
 * Full file-system dumps of an iPhone: a folder, .tar, .tar.gz/.tgz or .zip holding the device's
 * tree (see layout.ts for the layouts and how paths become device paths), read without extracting.
 */
import { open, readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { SpyglassError } from "../../errors.js";
import { looksLikeTarHeader, walkTar } from "../../formats/tar.js";
import { EOCD_SEARCH_BYTES, findZipEnd } from "../../formats/zip.js";
import { WarningList } from "../../model/warning.js";
import type { EvidenceSource } from "../types.js";
import { DEFAULT_FS_DUMP_BUDGET, type FsDumpBudget } from "./budget.js";
import { FileByteReader, readAt, StreamByteReader } from "./byte-reader.js";
import { DEVICE_INFO_PATHS, readDeviceInfo } from "./device.js";
import { indexFolder } from "./folder-backend.js";
import { LayoutVotes, normalizeMemberName } from "./layout.js";
import { artifactRetainPredicate } from "./retain.js";
import { buildDumpSource } from "./source.js";
import { gunzipChunks, indexTar, type TarLocator } from "./tar-backend.js";
import { indexZip } from "./zip-backend.js";

export { DEFAULT_FS_DUMP_BUDGET, type FsDumpBudget } from "./budget.js";

/** Options of `openFsDump`. */
export interface FsDumpOptions {
  /**
   * For .tar.gz only: device paths whose data is kept in memory during the indexing pass. Other
   * files are read by decompressing the archive again. Default: every file a registered
   * artifact reads, plus `-wal` sidecars.
   */
  retain?: (devicePath: string) => boolean;
  budget?: Partial<FsDumpBudget>;
}

/** The container format of a dump. */
export type FsDumpFormat = "folder" | "tar" | "tar.gz" | "zip";

const OTHER_COMPRESSIONS: ReadonlyArray<readonly [Buffer, string]> = [
  [Buffer.from("BZh"), "bzip2"],
  [Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), "xz"],
  [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), "zstd"],
  [Buffer.from("7z\xbc\xaf\x27\x1c", "latin1"), "7-Zip"],
];

/** Recognises the container by magic bytes (or a folder), without judging its contents. */
export async function sniffDumpFormat(path: string): Promise<FsDumpFormat | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return undefined;
  if (info.isDirectory()) return "folder";
  if (!info.isFile()) return undefined;
  const handle = await open(path, "r");
  try {
    const head = await readAt(handle, 0, 512);
    if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return "zip";
    if (head.length >= 22 && head.readUInt32LE(0) === 0x06054b50) return "zip";
    if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return "tar.gz";
    if (looksLikeTarHeader(head)) return "tar";
    const other = OTHER_COMPRESSIONS.find(([magic]) => head.subarray(0, magic.length).equals(magic));
    if (other !== undefined) {
      throw new SpyglassError("UNSUPPORTED", `${other[1]}-compressed archives are not read directly`, {
        file: path,
        hint: "Decompress it to a .tar first, or repack as .tar.gz or .zip",
      });
    }
    // A zip with data in front of it (self-extractor) is recognised by its end record.
    const tailStart = Math.max(0, info.size - EOCD_SEARCH_BYTES);
    if (findZipEnd(await readAt(handle, tailStart, info.size - tailStart), tailStart) !== undefined)
      return "zip";
    return undefined;
  } finally {
    await handle.close();
  }
}

/** Opens a file-system dump as an EvidenceSource (kind "fs-dump"). */
export async function openFsDump(path: string, options: FsDumpOptions = {}): Promise<EvidenceSource> {
  const budget: FsDumpBudget = { ...DEFAULT_FS_DUMP_BUDGET, ...options.budget };
  const warnings = new WarningList();
  const format = await sniffDumpFormat(path).catch((error: unknown) => {
    if (error instanceof SpyglassError) throw error;
    throw new SpyglassError("IO", `Cannot read ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  });
  if (format === undefined) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    throw new SpyglassError(
      exists ? "UNSUPPORTED" : "NOT_FOUND",
      exists ? "Not a file-system dump (not a folder, tar, tar.gz or zip)" : "Evidence path not found",
      { file: path },
    );
  }
  const source = await openIndexed(path, format, options, budget, warnings);
  try {
    Object.assign(source.device, await readDeviceInfo(source, warnings));
  } catch (error) {
    await source.close();
    throw error;
  }
  return source;
}

async function openIndexed(
  path: string,
  format: FsDumpFormat,
  options: FsDumpOptions,
  budget: FsDumpBudget,
  warnings: WarningList,
): Promise<EvidenceSource> {
  const sourceOptions = { warnings, budget };
  try {
    if (format === "folder") {
      // Walk only the folder that holds the tree, not siblings such as a tool's report folder.
      const start = (await findFolderRoot(path)) ?? "";
      const { members, backend } = await indexFolder(path, { ...sourceOptions, start });
      return buildDumpSource(path, members, backend, sourceOptions).source;
    }
    if (format === "zip") {
      const { members, backend } = await indexZip(path, sourceOptions);
      try {
        return buildDumpSource(path, members, backend, sourceOptions).source;
      } catch (error) {
        await backend.close();
        throw error;
      }
    }
    const wanted = options.retain ?? artifactRetainPredicate();
    const retain = (devicePath: string): boolean =>
      DEVICE_INFO_PATHS.includes(devicePath) || wanted(devicePath);
    const gzip = format === "tar.gz";
    const { members, backend } = await indexTar(path, { gzip, budget, warnings, retain });
    try {
      const built = buildDumpSource<TarLocator>(path, members, backend, sourceOptions);
      if (gzip) {
        const keep = new Set<number>();
        for (const item of built.index.items()) {
          if (typeof item.locator !== "number") continue;
          const offset = item.locator;
          if (backend.retained.has(offset) && retain(item.entry.path)) keep.add(offset);
        }
        backend.prune(keep);
      }
      return built.source;
    } catch (error) {
      await backend.close();
      throw error;
    }
  } catch (error) {
    if (error instanceof SpyglassError) throw error;
    throw new SpyglassError("IO", `Cannot read ${path}: ${(error as Error).message}`, {
      file: path,
      cause: error,
    });
  }
}

/** Headers or names looked at by `detectFsDump` before it gives up. */
const SNIFF_MEMBERS = 20_000;
const SNIFF_MILLIS = 3_000;

/** Cheap check for the scan command: is this a folder or archive holding an iOS file system? */
export async function detectFsDump(path: string): Promise<boolean> {
  const format = await sniffDumpFormat(path).catch(() => undefined);
  if (format === undefined) return false;
  try {
    if (format === "folder") return (await findFolderRoot(path)) !== undefined;
    const votes = new LayoutVotes();
    const names = format === "zip" ? zipNames(path) : tarNames(path, format === "tar.gz");
    let seen = 0;
    const startedAt = Date.now();
    for await (const name of names) {
      const normalized = normalizeMemberName(name);
      if (!("unsafe" in normalized) && normalized.path !== "") {
        votes.add(normalized.path);
        if (/(^|\/)private\/var(\/|$)/.test(normalized.path)) return true;
      }
      seen += 1;
      if (seen >= SNIFF_MEMBERS || Date.now() - startedAt > SNIFF_MILLIS) break;
    }
    return votes.result() !== undefined;
  } catch {
    return false;
  }
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * The folder (relative to `path`: "" or one child's name) that holds the dump's tree, judged from
 * the top two levels only, or undefined when neither looks like an iOS file system.
 */
async function findFolderRoot(path: string): Promise<string | undefined> {
  const check = async (dir: string): Promise<boolean> => {
    if (await isDir(join(dir, "private", "var"))) return true;
    const votes = new LayoutVotes();
    for (const child of await readdir(dir).catch(() => [] as string[])) {
      votes.add(child);
      if (child !== "var") continue;
      for (const grandchild of await readdir(join(dir, child)).catch(() => [] as string[])) {
        votes.add(`var/${grandchild}`);
      }
    }
    return votes.result() !== undefined;
  };
  if (await check(path)) return "";
  const children = await readdir(path, { withFileTypes: true }).catch(() => []);
  const folders = children.filter((child) => child.isDirectory());
  const roots: string[] = [];
  for (const folder of folders.slice(0, 16))
    if (await check(join(path, folder.name))) roots.push(folder.name);
  // Several candidates: walk them all and let the member count decide (see layout.ts).
  return roots.length <= 1 ? roots[0] : "";
}

/** Decompressed bytes `detectFsDump` reads from a .tar.gz: a huge first member must not stall the check. */
const SNIFF_GZIP_BYTES = 256 * 1024 * 1024;

async function* limited(chunks: AsyncGenerator<Buffer>, maxBytes: number): AsyncGenerator<Buffer> {
  let seen = 0;
  try {
    for await (const chunk of chunks) {
      yield chunk;
      seen += chunk.length;
      if (seen >= maxBytes) return;
    }
  } finally {
    await chunks.return(undefined);
  }
}

async function* tarNames(path: string, gzip: boolean): AsyncGenerator<string> {
  const walkOptions = { budget: DEFAULT_FS_DUMP_BUDGET, onProblem() {} };
  if (gzip) {
    const chunks = limited(gunzipChunks(path), SNIFF_GZIP_BYTES);
    try {
      for await (const item of walkTar(new StreamByteReader(chunks), walkOptions)) yield item.member.name;
    } finally {
      await chunks.return(undefined);
    }
    return;
  }
  const handle = await open(path, "r");
  try {
    const reader = new FileByteReader(handle, (await handle.stat()).size);
    for await (const item of walkTar(reader, walkOptions)) yield item.member.name;
  } finally {
    await handle.close();
  }
}

async function* zipNames(path: string): AsyncGenerator<string> {
  const warnings = new WarningList();
  const { members, backend } = await indexZip(path, { budget: DEFAULT_FS_DUMP_BUDGET, warnings });
  await backend.close();
  for (const member of members) yield member.name;
}
