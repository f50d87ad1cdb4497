/**
 * A dump extracted to a folder, walked with lstat: symlinks are listed with their target and never
 * followed on the host; reads open the file without following links (nor touching its access time
 * where allowed) and check that its real path stays inside the folder.
 */
import { lstat, readdir, readlink, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { SpyglassError } from "../../errors.js";
import { fromUnixSeconds } from "../../model/time.js";
import type { WarningList } from "../../model/warning.js";
import { openEvidence } from "../evidence-open.js";
import type { EvidenceEntry } from "../types.js";
import { type FsDumpBudget, IndexMeter } from "./budget.js";
import type { DumpBackend, RawMember } from "./source.js";

/** Path of a member relative to the folder, with `/` separators (the same string as its origin). */
export type FolderLocator = string;

/** Reads files of an extracted dump, refusing anything that resolves outside the folder. */
export class FolderBackend implements DumpBackend<FolderLocator> {
  private realRoot: string | undefined;

  constructor(private readonly root: string) {}

  async readMember(locator: FolderLocator, entry: EvidenceEntry, maxBytes: number): Promise<Buffer> {
    const hostPath = join(this.root, ...locator.split("/"));
    this.realRoot ??= await realpath(this.root);
    const real = await realpath(hostPath).catch((cause: unknown) => {
      throw new SpyglassError("IO", `Cannot read ${entry.origin}: ${(cause as Error).message}`, {
        file: hostPath,
        cause,
      });
    });
    if (!real.startsWith(this.realRoot + sep)) {
      throw new SpyglassError("NOT_FOUND", `${entry.origin} resolves outside the dump folder; not read`, {
        file: hostPath,
      });
    }
    const handle = await openEvidence(real);
    try {
      const stat = await handle.stat();
      if (!stat.isFile())
        throw new SpyglassError("UNSUPPORTED", `${entry.origin} is not a regular file`, { file: hostPath });
      const want = Math.min(stat.size, maxBytes);
      if (stat.size > maxBytes) {
        throw new SpyglassError(
          "BUDGET",
          `${entry.origin} is ${stat.size} bytes, over the ${maxBytes}-byte budget`,
          {
            file: hostPath,
          },
        );
      }
      const buffer = Buffer.allocUnsafe(want);
      let filled = 0;
      while (filled < want) {
        const { bytesRead } = await handle.read(buffer, filled, want - filled, filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      return filled === want ? buffer : buffer.subarray(0, filled);
    } finally {
      await handle.close();
    }
  }

  async close(): Promise<void> {}
}

function smallInteger(value: number): number {
  return value >= 0 && value <= 0x7fffffff ? value | 0 : value;
}

/** Walks the folder from `start` (breadth first, lstat only) and lists every member under it. */
export async function indexFolder(
  root: string,
  options: { budget: FsDumpBudget; warnings: WarningList; start?: string },
): Promise<{ members: RawMember<FolderLocator>[]; backend: FolderBackend }> {
  const members: RawMember<FolderLocator>[] = [];
  const meter = new IndexMeter(options.budget);
  // Names stay relative to `root` (so origins show the prefix folder); the walk starts at `start`.
  const queue: string[] = [options.start ?? ""];
  const describe = async (name: string): Promise<RawMember<FolderLocator> | undefined> => {
    const hostPath = join(root, ...name.split("/"));
    const stat = await lstat(hostPath).catch(() => undefined);
    if (stat === undefined) {
      options.warnings.count("SKIPPED", (n) => `${n} folder entr(ies) could not be examined`, name);
      return undefined;
    }
    const kind = stat.isFile()
      ? "file"
      : stat.isDirectory()
        ? "directory"
        : stat.isSymbolicLink()
          ? "symlink"
          : "other";
    const member: RawMember<FolderLocator> = {
      name,
      kind,
      // Small integers as such: Stats numbers are doubles, which V8 would box per field.
      size: kind === "file" ? smallInteger(stat.size) : 0,
      mode: stat.mode & 0o7777,
      uid: smallInteger(stat.uid),
      gid: smallInteger(stat.gid),
      present: true,
      locator: name,
    };
    // Only mtime survives extraction; the folder's ctime and birth time are those of the copy.
    const modifiedAt = fromUnixSeconds(stat.mtimeMs / 1000);
    if (modifiedAt !== undefined) member.modifiedAt = modifiedAt;
    if (kind === "symlink") member.linkTarget = await readlink(hostPath).catch(() => "");
    return member;
  };
  walk: for (let next = 0; next < queue.length; next++) {
    const relative = queue[next]!;
    let names: string[];
    try {
      names = await readdir(join(root, ...relative.split("/")));
    } catch {
      options.warnings.count("SKIPPED", (n) => `${n} unreadable folder(s) skipped`, relative || root);
      continue;
    }
    // A few lstat calls in flight at a time: much faster on large trees, bounded memory.
    for (let i = 0; i < names.length; i += 32) {
      const batch = names.slice(i, i + 32).map((name) => (relative === "" ? name : `${relative}/${name}`));
      for (const member of await Promise.all(batch.map(describe))) {
        if (member === undefined) continue;
        const over = meter.count(member.size);
        if (over !== undefined) {
          options.warnings.add({ code: "BUDGET", message: over, file: root });
          break walk;
        }
        if (member.kind === "directory") queue.push(member.name);
        members.push(member);
      }
    }
    queue[next] = "";
  }
  return { members, backend: new FolderBackend(root) };
}
