/**
 * Reading one file of a backup folder as hostile evidence: regular files only (a link is never
 * followed, a FIFO or device never opened in a way that blocks), read within a byte budget that
 * holds while reading (a size from stat can lie), and every failure a SpyglassError naming the file.
 */
import { promises as fs, type Stats } from "node:fs";
import { SpyglassError } from "../../errors.js";
import { openEvidence } from "../evidence-open.js";

/** What a non-regular file is, in words ("a folder", "a symbolic link", …). */
export function fileKind(stat: Stats): string {
  if (stat.isFile()) return "a regular file";
  if (stat.isDirectory()) return "a folder";
  if (stat.isSymbolicLink()) return "a symbolic link";
  if (stat.isFIFO()) return "a FIFO (named pipe)";
  if (stat.isSocket()) return "a socket";
  if (stat.isBlockDevice() || stat.isCharacterDevice()) return "a device";
  return "not a regular file";
}

/** True for the errors of a file the current user may not read. */
export function isPermissionError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EACCES" || code === "EPERM";
}

/** A SpyglassError for an I/O failure on `path` (`name` is how the message calls it). */
export function evidenceIoError(error: unknown, path: string, name: string): SpyglassError {
  if (error instanceof SpyglassError) return error;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (isPermissionError(error)) {
    return new SpyglassError("IO", `${name} cannot be read: permission denied`, {
      file: path,
      hint: "Check the permissions of the backup folder: the user running Spyglass must be able to read every file in it",
      cause: error,
    });
  }
  if (code === "ELOOP") return notRegular(path, name, "a symbolic link");
  if (code === "EISDIR") return notRegular(path, name, "a folder");
  if (code === "ENOENT") return new SpyglassError("NOT_FOUND", `${name} is missing`, { file: path });
  return new SpyglassError("IO", `${name} cannot be read: ${(error as Error).message}`, {
    file: path,
    cause: error,
  });
}

function notRegular(path: string, name: string, kind: string): SpyglassError {
  return new SpyglassError("NOT_A_BACKUP", `${name} is ${kind}, not a regular file; it was not read`, {
    file: path,
    hint:
      kind === "a symbolic link"
        ? "Links in evidence are not followed: copy the backup with the files themselves (cp -RL) and point Spyglass at the copy"
        : "A backup holds this as a regular file: check that this is the backup folder",
  });
}

/** lstat that refuses anything but a regular file (a link is refused, not followed). */
export async function statRegularFile(path: string, name: string): Promise<Stats> {
  let stat: Stats;
  try {
    stat = await fs.lstat(path);
  } catch (error) {
    throw evidenceIoError(error, path, name);
  }
  if (!stat.isFile()) throw notRegular(path, name, fileKind(stat));
  return stat;
}

/** Opens a regular file for reading (refusing links, FIFOs, devices and folders without blocking). */
export async function openRegularFile(path: string, name: string): Promise<fs.FileHandle> {
  let handle: fs.FileHandle;
  try {
    handle = await openEvidence(path);
  } catch (error) {
    throw evidenceIoError(error, path, name);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw notRegular(path, name, fileKind(stat));
    return handle;
  } catch (error) {
    await handle.close();
    throw evidenceIoError(error, path, name);
  }
}

/** Reads a whole regular file, refusing it once more than `maxBytes` have been read. */
export async function readRegularFile(
  path: string,
  options: { name: string; maxBytes: number },
): Promise<Buffer> {
  const { name, maxBytes } = options;
  const handle = await openRegularFile(path, name);
  try {
    const stat = await handle.stat();
    const over = (size: number): SpyglassError =>
      new SpyglassError("BUDGET", `${name} of ${size} bytes or more exceeds the ${maxBytes}-byte budget`, {
        file: path,
      });
    if (stat.size > maxBytes) throw over(stat.size);
    // One read of the stated size and a probe for more: the budget holds even when stat lies.
    const chunks: Buffer[] = [];
    let total = 0;
    let want = stat.size + 1;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(want, maxBytes + 1 - total));
      let filled = 0;
      while (filled < buffer.length) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, total + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
      total += filled;
      if (total > maxBytes) throw over(total);
      chunks.push(buffer.subarray(0, filled));
      if (filled < buffer.length) break;
      want = 1024 * 1024;
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  } catch (error) {
    throw evidenceIoError(error, path, name);
  } finally {
    await handle.close();
  }
}

/** The first `length` bytes of a regular file. */
export async function readRegularHead(path: string, name: string, length: number): Promise<Buffer> {
  const handle = await openRegularFile(path, name);
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } catch (error) {
    throw evidenceIoError(error, path, name);
  } finally {
    await handle.close();
  }
}
