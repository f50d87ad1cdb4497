/**
 * `backup decrypt`: writes a decrypted copy in the backup's own layout (Manifest.db as plain
 * SQLite, payloads at xx/fileID, the three host plists copied unchanged) and the SHA-256 of
 * every written file. Payloads are decrypted in a stream, so large files never sit in memory.
 */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import { join } from "node:path";
import { SpyglassError } from "../../errors.js";
import type { IosBackup } from "./backup.js";
import { PayloadDecryptor, splitWrappedKey } from "./crypto.js";
import type { ManifestFile } from "./manifest.js";

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
  bytes: number;
}

/** Refuses a non-empty output folder unless forced; creates it otherwise. */
export async function prepareOutputDir(out: string, force: boolean): Promise<void> {
  try {
    const entries = await fs.readdir(out);
    if (entries.length > 0 && !force) {
      throw new SpyglassError("OUTPUT_EXISTS", `The output folder ${out} is not empty`, {
        hint: "Choose an empty folder or add --force",
      });
    }
  } catch (error) {
    if (error instanceof SpyglassError) throw error;
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
      throw new SpyglassError("IO", `Cannot use ${out} as the output folder: ${(error as Error).message}`);
    }
  }
  await fs.mkdir(out, { recursive: true });
}

/** Writes the decrypted copy into `out` (which must already be prepared). */
export async function writeDecryptedCopy(
  backup: IosBackup,
  out: string,
  options: { onProgress?: (doneBytes: number, totalBytes: number) => void; concurrency?: number } = {},
): Promise<DecryptCopyResult> {
  const result: DecryptCopyResult = { files: [], skipped: [], bytes: 0 };
  const write = async (name: string, data: Buffer): Promise<void> => {
    await fs.writeFile(join(out, name), data, { flag: "wx" }).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== "EEXIST") throw error;
      await fs.writeFile(join(out, name), data);
    });
    result.files.push({
      path: name,
      size: data.length,
      sha256: createHash("sha256").update(data).digest("hex"),
    });
  };
  await write("Manifest.db", backup.manifestDb);
  for (const name of ["Info.plist", "Manifest.plist", "Status.plist"]) {
    try {
      await write(name, await fs.readFile(join(backup.dir, name)));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  const todo = backup.files.filter((f) => f.entry.kind === "file" && f.entry.present);
  const total = todo.reduce((sum, f) => sum + f.entry.size, 0);
  let done = 0;
  const made = new Set<string>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < todo.length) {
      const file = todo[next++]!;
      const id = file.entry.backup!.fileId;
      const folder = join(out, id.slice(0, 2));
      if (!made.has(folder)) {
        made.add(folder);
        await fs.mkdir(folder, { recursive: true });
      }
      try {
        const written = await copyPayload(backup, file, join(folder, id));
        result.files.push({ path: `${id.slice(0, 2)}/${id}`, ...written });
        result.bytes += written.size;
      } catch (error) {
        result.skipped.push({
          path: file.entry.origin,
          reason: error instanceof SpyglassError ? error.toLine() : (error as Error).message,
        });
      }
      done += file.entry.size;
      options.onProgress?.(done, total);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 4 }, () => worker()));
  result.files.sort((a, b) => a.path.localeCompare(b.path));
  return result;
}

async function copyPayload(
  backup: IosBackup,
  file: ManifestFile,
  target: string,
): Promise<{ size: number; sha256: string }> {
  const source = backup.payloadPath(file);
  const stat = await fs.lstat(source);
  if (!stat.isFile())
    throw new SpyglassError("CORRUPT", "payload is not a regular file; not followed", { file: source });
  const hash = createHash("sha256");
  const handle = await fs.open(target, "w");
  let size = 0;
  try {
    const key = fileKey(backup, file);
    const decryptor = key === undefined ? undefined : new PayloadDecryptor(key);
    for await (const chunk of createReadStream(source, { highWaterMark: 1024 * 1024 })) {
      const plain = decryptor === undefined ? (chunk as Buffer) : decryptor.update(chunk as Buffer);
      if (plain.length > 0) {
        hash.update(plain);
        await handle.write(plain);
        size += plain.length;
      }
    }
    if (decryptor !== undefined) {
      if (stat.size % 16 !== 0)
        throw new SpyglassError("CORRUPT", "encrypted payload is not a whole number of AES blocks", {
          file: source,
        });
      const tail = decryptor.final().plaintext;
      hash.update(tail);
      await handle.write(tail);
      size += tail.length;
    }
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest("hex") };
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
