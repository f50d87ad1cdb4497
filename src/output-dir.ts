/**
 * Output folders. Evidence is read-only: an output folder may not be, contain or sit inside any
 * evidence path (compared after resolving links). Inside the folder nothing is written through a
 * link: files are created exclusively, and with --force whatever stands at a name we write (a
 * stale file or a planted link) is removed first, never followed.
 */
import { closeSync, constants, promises as fs, lstatSync, openSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { SpyglassError } from "./errors.js";

/** Throws OUTPUT_EXISTS when `out` holds anything and `force` is false, IO when it cannot be listed. */
export async function checkOutputDir(
  out: string,
  force: boolean,
  evidence: readonly string[] = [],
): Promise<void> {
  await refuseEvidenceOverlap(out, evidence);
  let entries: string[];
  try {
    entries = await fs.readdir(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new SpyglassError("IO", `Cannot use ${out} as the output folder: ${(error as Error).message}`);
  }
  if (entries.length > 0 && !force) {
    throw new SpyglassError("OUTPUT_EXISTS", `The output folder ${out} is not empty`, {
      hint: "Choose an empty folder or add --force",
    });
  }
}

/** Checks the folder as above, then creates it. */
export async function prepareOutputDir(
  out: string,
  force: boolean,
  evidence: readonly string[] = [],
): Promise<void> {
  await checkOutputDir(out, force, evidence);
  await makeFolders(out);
}

/**
 * Creates `out` and its missing parents one level at a time (Node's recursive mkdir spins forever
 * under /proc); a failure is one clear error naming the folder.
 */
async function makeFolders(out: string): Promise<void> {
  const missing: string[] = [];
  for (let path = resolve(out); ; ) {
    const stat = await fs.stat(path).catch(() => undefined);
    if (stat !== undefined) {
      if (!stat.isDirectory())
        throw new SpyglassError("IO", `Cannot use ${out} as the output folder: ${path} is not a folder`);
      break;
    }
    missing.push(path);
    const parent = dirname(path);
    if (parent === path) break;
    path = parent;
  }
  for (const path of missing.reverse()) {
    try {
      await fs.mkdir(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw new SpyglassError("IO", `Cannot create the output folder ${path}: ${(error as Error).message}`, {
        hint: "Choose a folder you can write to",
      });
    }
  }
}

/**
 * Refuses an output path (a folder or a file) that is an evidence path, lies inside one, or holds
 * one: writing there could change the evidence (a decrypted copy written over its own payloads,
 * `--force` clearing a folder that holds it).
 */
export async function refuseEvidenceOverlap(out: string, evidence: readonly string[]): Promise<void> {
  if (evidence.length === 0) return;
  const target = await realTarget(out);
  for (const item of evidence) {
    const real = await fs.realpath(item).catch(() => resolve(item));
    if (within(target, real) || within(real, target)) {
      throw new SpyglassError(
        "USAGE",
        `Refusing to write to ${out}: it ${target === real ? "is" : within(target, real) ? "is inside" : "holds"} the evidence ${item}`,
        { hint: "Choose an output path outside the evidence; evidence is never modified" },
      );
    }
  }
}

/** True when `path` is `parent` or lies below it (both absolute and resolved). */
function within(path: string, parent: string): boolean {
  const rel = relative(parent, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** The real path `path` would have: its nearest existing ancestor resolved, the rest appended. */
async function realTarget(path: string): Promise<string> {
  const absolute = resolve(path);
  const rest: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      return join(await fs.realpath(current), ...rest.reverse());
    } catch (error) {
      const parent = dirname(current);
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || parent === current) return absolute;
      rest.push(basename(current));
      current = parent;
    }
  }
}

/**
 * Opens `path` for writing as a new file, never through a link: an existing regular file or link
 * at that name is removed first (the caller has checked that the folder is ours to write), a
 * folder or anything else is refused. Returns the file descriptor.
 */
export function openNewFileSync(path: string, mode = 0o644): number {
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;
  try {
    return openSync(path, flags, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const stat = lstatSync(path);
  if (!stat.isFile() && !stat.isSymbolicLink())
    throw new SpyglassError("OUTPUT_EXISTS", `Cannot write ${path}: something other than a file is there`, {
      hint: "Remove it or choose an empty output folder",
    });
  unlinkSync(path);
  return openSync(path, flags, mode);
}

/** Writes a whole file with openNewFileSync. */
export function writeNewFileSync(path: string, data: string | Uint8Array, mode = 0o644): void {
  const fd = openNewFileSync(path, mode);
  try {
    const bytes = typeof data === "string" ? Buffer.from(data) : data;
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at);
  } finally {
    closeSync(fd);
  }
}

/**
 * Creates folder `path` (one level, inside a folder already checked): an existing real folder is
 * kept, a link or file standing there is removed and replaced by a folder, never followed.
 */
export async function makeFolder(path: string): Promise<void> {
  const stat = await fs.lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw error;
  });
  if (stat?.isDirectory() === true) return;
  if (stat !== undefined) await fs.unlink(path);
  await fs.mkdir(path);
}
