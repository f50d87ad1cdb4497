/**
 * .tar and .tar.gz dumps, read without extracting. A .tar is indexed by header offsets and members
 * are read by position. A .tar.gz cannot seek: during the one indexing pass the data of members
 * that `retain` selects is kept in memory (up to a budget); any other member is read by
 * decompressing the archive again from the start up to that member — slow but correct.
 */
import { createReadStream } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { SpyglassError } from "../../errors.js";
import { type ByteReader, type TarMember, walkTar } from "../../formats/tar.js";
import { fromUnixSeconds } from "../../model/time.js";
import type { WarningList } from "../../model/warning.js";
import { openEvidence, openEvidenceSync, READ_ONLY } from "../evidence-open.js";
import type { EvidenceEntry } from "../types.js";
import { type FsDumpBudget, IndexMeter } from "./budget.js";
import { FileByteReader, readAt, StreamByteReader } from "./byte-reader.js";
import {
  candidateDevicePaths,
  type DumpLayout,
  LayoutVotes,
  normalizeMemberName,
  toDevicePath,
} from "./layout.js";
import type { DumpBackend, RawMember } from "./source.js";

/** Where a tar member's data starts in the uncompressed stream (its size is the entry's). */
export type TarLocator = number;

/** A tar or tar.gz backend plus the members it listed. */
export interface TarIndex {
  members: RawMember<TarLocator>[];
  backend: TarBackend;
}

/** Decompressed chunks of a gzip file; the file stream and the gunzip are destroyed when iteration stops. */
export async function* gunzipChunks(path: string): AsyncGenerator<Buffer> {
  const file = createReadStream(path, { highWaterMark: 1024 * 1024, fd: openEvidenceSync(path, READ_ONLY) });
  const gunzip = createGunzip();
  const stream = pipeline(file, gunzip, () => {});
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}

/** Reads tar members by position (.tar) or from memory / by re-streaming (.tar.gz). */
export class TarBackend implements DumpBackend<TarLocator> {
  readonly retained = new Map<number, Buffer>();
  private stream: { chunks: AsyncGenerator<Buffer>; reader: StreamByteReader } | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly path: string,
    private handle: FileHandle | undefined,
  ) {}

  async readMember(locator: TarLocator, entry: EvidenceEntry, maxBytes: number): Promise<Buffer> {
    const want = Math.min(entry.size, maxBytes);
    const kept = this.retained.get(locator);
    if (kept !== undefined) return Buffer.from(kept.subarray(0, want));
    let data: Buffer;
    if (this.handle !== undefined) data = await readAt(this.handle, locator, want);
    else data = await this.restream(locator, want, entry);
    if (data.length < want) {
      throw new SpyglassError("CORRUPT", `${entry.origin} is truncated in the archive`, {
        file: this.path,
        offset: locator,
      });
    }
    return data;
  }

  /**
   * Reads from the decompressed stream. One stream stays open between reads, so members asked
   * for in archive order cost one pass; a read behind its position starts again from the top.
   * Reads are serialised because they share that stream.
   */
  private restream(offset: number, length: number, entry: EvidenceEntry): Promise<Buffer> {
    const run = async (): Promise<Buffer> => {
      if (this.stream === undefined || this.stream.reader.position > offset) {
        await this.stream?.chunks.return(undefined);
        const chunks = gunzipChunks(this.path);
        this.stream = { chunks, reader: new StreamByteReader(chunks) };
      }
      const { reader } = this.stream;
      try {
        await reader.skip(offset - reader.position);
        return await reader.read(length);
      } catch (cause) {
        await this.stream.chunks.return(undefined);
        this.stream = undefined;
        throw new SpyglassError(
          "CORRUPT",
          `Could not decompress ${entry.origin}: ${(cause as Error).message}`,
          {
            file: this.path,
            cause,
          },
        );
      }
    };
    const result = this.queue.then(run, run);
    this.queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Drops retained data the final layout does not need. */
  prune(keep: Set<number>): void {
    for (const offset of this.retained.keys()) if (!keep.has(offset)) this.retained.delete(offset);
  }

  async close(): Promise<void> {
    this.retained.clear();
    await this.queue;
    await this.stream?.chunks.return(undefined);
    this.stream = undefined;
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

function rawMember(member: TarMember): RawMember<TarLocator> {
  const raw: RawMember<TarLocator> = {
    name: member.name,
    kind: member.kind,
    size: member.size,
    mode: member.mode & 0o7777,
    uid: member.uid,
    gid: member.gid,
    present: !member.sparse,
    locator: member.dataOffset,
  };
  const modifiedAt = fromUnixSeconds(member.mtime);
  const changedAt = member.ctime === undefined ? undefined : fromUnixSeconds(member.ctime);
  const birthAt = member.birthtime === undefined ? undefined : fromUnixSeconds(member.birthtime);
  if (modifiedAt !== undefined) raw.modifiedAt = modifiedAt;
  if (changedAt !== undefined) raw.changedAt = changedAt;
  if (birthAt !== undefined) raw.birthAt = birthAt;
  const accessedAt = member.atime === undefined ? undefined : fromUnixSeconds(member.atime);
  if (accessedAt !== undefined) raw.accessedAt = accessedAt;
  if (member.kind === "symlink" || member.kind === "hardlink") raw.linkTarget = member.linkName;
  return raw;
}

/** Indexes a .tar (seekable) or .tar.gz (one streaming pass, keeping `retain`ed members in memory). */
export async function indexTar(
  path: string,
  options: {
    gzip: boolean;
    budget: FsDumpBudget;
    warnings: WarningList;
    retain: (devicePath: string) => boolean;
  },
): Promise<TarIndex> {
  const { budget, warnings } = options;
  let handle: FileHandle | undefined;
  let reader: ByteReader;
  let chunks: AsyncGenerator<Buffer> | undefined;
  if (options.gzip) {
    chunks = gunzipChunks(path);
    reader = new StreamByteReader(chunks);
  } else {
    handle = await openEvidence(path, READ_ONLY);
    reader = new FileByteReader(handle, (await handle.stat()).size);
  }
  const backend = new TarBackend(path, handle);
  const members: RawMember<TarLocator>[] = [];
  const meter = new IndexMeter(budget);
  let retainedBytes = 0;
  const votes = new LayoutVotes();
  let layout: DumpLayout | undefined;
  let truncatedAt: number | undefined;
  try {
    const walk = walkTar(reader, {
      budget,
      onProblem(problem) {
        truncatedAt = problem.offset;
        warnings.add({ code: "CORRUPT", message: problem.message, file: path, offset: problem.offset });
      },
    });
    for await (const item of walk) {
      const member = item.member;
      const over = meter.count(member.size);
      if (over !== undefined) {
        warnings.add({ code: "BUDGET", message: over, file: path });
        break;
      }
      if (member.sparse) {
        warnings.count("SKIPPED", (n) => `${n} sparse file(s) listed without their data`, member.name);
      }
      members.push(rawMember(member));
      if (!options.gzip) continue;
      const name = normalizeMemberName(member.name);
      if ("unsafe" in name || name.path === "") continue;
      votes.add(name.path);
      if (layout === undefined || (meter.entries & 0x3ff) === 0) layout = votes.result();
      if (member.kind === "file" && !member.sparse && wanted(name.path, layout, options.retain)) {
        if (member.size > budget.maxFileBytes || retainedBytes + member.size > budget.maxRetainedBytes) {
          warnings.count(
            "OTHER",
            (n) =>
              `${n} wanted file(s) over the in-memory budget; they are read by decompressing the archive again`,
            member.name,
          );
          continue;
        }
        const data = await item.body();
        if (data.length === member.size) {
          backend.retained.set(member.dataOffset, data);
          retainedBytes += data.length;
        }
      }
    }
  } catch (cause) {
    if (!options.gzip) {
      await handle?.close();
      throw cause;
    }
    warnings.add({
      code: "CORRUPT",
      message: `compressed stream ended early or is corrupt: ${(cause as Error).message}`,
      file: path,
    });
  } finally {
    await chunks?.return(undefined);
  }
  const last = members.at(-1);
  if (last !== undefined && truncatedAt === last.locator) last.present = false;
  return { members, backend };
}

/**
 * Whether to keep a member's data, judged by the layout the members seen so far agree on (or,
 * before there is one, by every device path the member could end up with). A later change of
 * layout costs only speed: unneeded data is pruned and missing data is read by re-streaming.
 */
function wanted(
  path: string,
  layout: DumpLayout | undefined,
  retain: (devicePath: string) => boolean,
): boolean {
  if (layout === undefined) return candidateDevicePaths(path).some(retain);
  const devicePath = toDevicePath(path, layout);
  return devicePath !== undefined && devicePath !== "" && retain(devicePath);
}
