/**
 * `backup decrypt`: writes a decrypted copy in the backup's own layout (Manifest.db as plain
 * SQLite, payloads at xx/fileID, the three host plists copied unchanged) and the SHA-256 of
 * every written file. Payloads are decrypted in a stream (large files never sit in memory), on
 * every core when running from the compiled build.
 */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { SpyglassError } from "../../errors.js";
import { makeFolder, writeNewFileSync } from "../../output-dir.js";
import type { IosBackup } from "./backup.js";
import { splitWrappedKey } from "./crypto.js";
import { decryptAll } from "./decrypt-pool.js";
import type { DecryptTask } from "./decrypt-worker.js";
import { readRegularFile } from "./evidence-file.js";
import type { ManifestFile } from "./manifest.js";

/** Largest host plist copied (Info.plist with every app's metadata stays far below). */
const MAX_PLIST_COPY = 256 * 1024 * 1024;

/** One written file and its hash, as listed in hashes.json. */
export interface WrittenFile {
  path: string;
  size: number;
  sha256: string;
}

/** What the copy did. */
export interface DecryptCopyResult {
  files: WrittenFile[];
  skipped: Array<{ path: string; reason: string }>;
  /** Files written, but with something to check (padding, a size that differs from the Manifest's). */
  warnings: Array<{ path: string; reason: string }>;
  bytes: number;
}

/** Writes the decrypted copy into `out` (which must already be prepared). */
export async function writeDecryptedCopy(
  backup: IosBackup,
  out: string,
  options: { onProgress?: (doneBytes: number, totalBytes: number) => void; threads?: number } = {},
): Promise<DecryptCopyResult> {
  const result: DecryptCopyResult = { files: [], skipped: [], warnings: [], bytes: 0 };
  const write = async (name: string, data: Buffer): Promise<void> => {
    // Never through a link planted in the folder (openNewFileSync replaces what stands there).
    writeNewFileSync(join(out, name), data);
    result.files.push({
      path: name,
      size: data.length,
      sha256: createHash("sha256").update(data).digest("hex"),
    });
  };
  await write("Manifest.db", await backup.readManifestDb());
  for (const name of ["Info.plist", "Manifest.plist", "Status.plist"]) {
    // Copied only when it is a regular file (a link or a FIFO in the evidence is not followed).
    const stat = await fs.lstat(join(backup.dir, name)).catch(() => undefined);
    if (stat === undefined) continue;
    if (!stat.isFile()) {
      result.skipped.push({ path: name, reason: "not a regular file; not copied" });
      continue;
    }
    // Opened again without following a link or blocking (the lstat above can be raced), within
    // the plist budget, leaving the access time alone.
    await write(name, await readRegularFile(join(backup.dir, name), { name, maxBytes: MAX_PLIST_COPY }));
  }

  const todo = backup.files.filter((f) => f.entry.kind === "file" && f.entry.present);
  const total = todo.reduce((sum, f) => sum + f.entry.size, 0);
  const tasks: DecryptTask[] = [];
  const folders = new Set<string>();
  todo.forEach((file, id) => {
    const fileId = file.entry.backup!.fileId;
    folders.add(fileId.slice(0, 2));
    try {
      const key = fileKey(backup, file);
      tasks.push({
        id,
        source: backup.payloadPath(file),
        target: join(out, fileId.slice(0, 2), fileId),
        sizeHint: file.entry.size,
        ...(key === undefined
          ? { expectEmpty: backup.encrypted && !backup.alreadyDecrypted }
          : { keyHex: key.toString("hex") }),
      });
    } catch (error) {
      result.skipped.push({
        path: file.entry.origin,
        reason: error instanceof SpyglassError ? error.toLine() : (error as Error).message,
      });
    }
  });
  for (const folder of folders) await makeFolder(join(out, folder));
  let done = 0;
  await decryptAll(tasks, {
    ...(options.threads === undefined ? {} : { threads: options.threads }),
    onDone(outcome, task) {
      const file = todo[task.id]!;
      const fileId = file.entry.backup!.fileId;
      if (outcome.error !== undefined || outcome.sha256 === undefined || outcome.size === undefined) {
        result.skipped.push({ path: file.entry.origin, reason: outcome.error ?? "not decrypted" });
      } else {
        if (outcome.paddingValid === false)
          result.warnings.push({
            path: file.entry.origin,
            reason: "the last block has no valid PKCS#7 padding; written whole (the payload may be damaged)",
          });
        if (task.keyHex !== undefined && outcome.size !== file.declaredSize)
          result.warnings.push({
            path: file.entry.origin,
            reason: `decrypted to ${outcome.size} bytes but the Manifest declares ${file.declaredSize}; written as decrypted, not cut to the declared size`,
          });
        result.files.push({
          path: `${fileId.slice(0, 2)}/${fileId}`,
          size: outcome.size,
          sha256: outcome.sha256,
        });
        result.bytes += outcome.size;
      }
      done += file.entry.size;
      options.onProgress?.(done, total);
    },
  });
  result.files.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}

function fileKey(backup: IosBackup, file: ManifestFile): Buffer | undefined {
  if (!backup.encrypted || backup.alreadyDecrypted || backup.keybag === undefined) return undefined;
  if (file.declaredSize === 0 && file.encryptionKey === undefined) return undefined;
  const split = file.encryptionKey === undefined ? undefined : splitWrappedKey(file.encryptionKey);
  if (split === undefined)
    throw new SpyglassError("CORRUPT", "no usable EncryptionKey", { file: file.entry.origin });
  const key = backup.fileKey(split.protectionClass, split.wrapped);
  if (key === undefined)
    throw new SpyglassError("CORRUPT", "the file key does not unwrap", { file: file.entry.origin });
  return key;
}
