/**
 * Opening evidence files for reading. open(2) flags that never follow a final link and never block
 * on a FIFO or device; and, where the system allows it (Linux, for the file's owner or root),
 * O_NOATIME, so that reading leaves the file's access time as it was. Without that permission the
 * file is opened again without the flag. Folder listings still update folders' access times: mount
 * evidence read-only with noatime, or work on a copy, when access times matter.
 */
import { constants, promises as fs, openSync } from "node:fs";

/** Read-only, no final link followed, never blocking on a FIFO or device. */
export const EVIDENCE_OPEN_FLAGS =
  constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/** Read-only and nothing more: for a path the user named (an archive given through a link is fine). */
export const READ_ONLY = constants.O_RDONLY;

const NOATIME = constants.O_NOATIME ?? 0;

/** True once the system refused O_NOATIME for lack of permission (the files are not ours). */
let noatimeRefused = NOATIME === 0;

function refusedNoatime(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "EPERM" || code === "EINVAL";
}

/** Opens `path` with `flags` (default EVIDENCE_OPEN_FLAGS), asking the system not to touch its access time. */
export async function openEvidence(path: string, flags = EVIDENCE_OPEN_FLAGS): Promise<fs.FileHandle> {
  if (!noatimeRefused) {
    try {
      return await fs.open(path, flags | NOATIME);
    } catch (error) {
      if (!refusedNoatime(error)) throw error;
      noatimeRefused = true;
    }
  }
  return fs.open(path, flags);
}

/** openEvidence, synchronously; returns the file descriptor. */
export function openEvidenceSync(path: string, flags = EVIDENCE_OPEN_FLAGS): number {
  if (!noatimeRefused) {
    try {
      return openSync(path, flags | NOATIME);
    } catch (error) {
      if (!refusedNoatime(error)) throw error;
      noatimeRefused = true;
    }
  }
  return openSync(path, flags);
}
