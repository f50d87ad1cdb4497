/**
 * Payload decryption for `backup decrypt` and benchmarks, run in worker threads (or in-process when
 * workers are unavailable). Synchronous file I/O on purpose: inside a worker it avoids a thread-pool
 * round trip per call, which dominates when a backup holds tens of thousands of small files.
 */
import { createDecipheriv, createHash, type Hash } from "node:crypto";
import { closeSync, fstatSync, readSync, writeSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { openNewFileSync } from "../../output-dir.js";
import { openEvidenceSync } from "../evidence-open.js";

/** A payload to decrypt: its path, the unwrapped file key (hex, absent for plain copies), and where to write. */
export interface DecryptTask {
  id: number;
  source: string;
  /** Where to write the plaintext; undefined to decrypt and hash only (benchmarks). */
  target?: string;
  keyHex?: string;
  /** Skip the SHA-256 of the plaintext (benchmarks measure decryption alone). */
  noHash?: boolean;
  /**
   * No key although the backup is encrypted (the Manifest says the file is empty, or its metadata
   * is unreadable): only an empty payload may be copied; bytes would be ciphertext.
   */
  expectEmpty?: boolean;
  /** Expected size in bytes, used only to balance batches between workers. */
  sizeHint?: number;
}

/** The outcome of a task. */
export interface DecryptOutcome {
  id: number;
  size?: number;
  sha256?: string;
  paddingValid?: boolean;
  error?: string;
}

/**
 * Below 128 KiB on purpose: every `decipher.update` returns a new buffer of the chunk's size, and
 * glibc serves 128 KiB and more with fresh mappings, page-faulted 4 KiB at a time on each chunk;
 * measured on 1 GiB, 96 KiB chunks decrypt about 1.5 times as fast as 256 KiB ones (BENCHMARKS.md).
 */
export const DECRYPT_CHUNK = 96 * 1024;
const ZERO_IV = Buffer.alloc(16);

/** Decrypts one payload in chunks of DECRYPT_CHUNK bytes, holding back the last block to remove its padding. */
export function decryptTaskSync(
  task: DecryptTask,
  scratch: Buffer = Buffer.allocUnsafe(DECRYPT_CHUNK),
): DecryptOutcome {
  let input: number | undefined;
  let output: number | undefined;
  try {
    // O_NOFOLLOW refuses a link; fstat then tells a regular file from anything else.
    // Never through a link, never blocking on a FIFO, leaving the access time as it was.
    input = openEvidenceSync(task.source);
    const stat = fstatSync(input);
    if (!stat.isFile()) return { id: task.id, error: "payload is not a regular file; not followed" };
    const total = stat.size;
    if (task.keyHex !== undefined && total % 16 !== 0) {
      return {
        id: task.id,
        error: `encrypted payload of ${total} bytes is not a whole number of AES blocks`,
      };
    }
    if (task.expectEmpty === true && total > 0) {
      return {
        id: task.id,
        error: `the payload holds ${total} bytes but its Manifest entry has no usable encryption key; not copied (the bytes are ciphertext)`,
      };
    }
    // Created anew, never through a link already standing at that name.
    output = task.target === undefined ? undefined : openNewFileSync(task.target);
    const hash: Hash | undefined = task.noHash === true ? undefined : createHash("sha256");
    const decipher =
      task.keyHex === undefined
        ? undefined
        : createDecipheriv("aes-256-cbc", Buffer.from(task.keyHex, "hex"), ZERO_IV);
    decipher?.setAutoPadding(false);
    let size = 0;
    const emit = (plain: Buffer): void => {
      if (plain.length === 0) return;
      hash?.update(plain);
      if (output !== undefined) writeSync(output, plain);
      size += plain.length;
    };
    // With padding handling off, CBC decryption needs no look-ahead: every chunk but the last is
    // emitted whole, and only the last one is checked for PKCS#7 padding.
    let tail = Buffer.alloc(0);
    for (let position = 0; position < total; ) {
      const read = readSync(input, scratch, 0, Math.min(DECRYPT_CHUNK, total - position), position);
      if (read === 0) break;
      position += read;
      const chunk = scratch.subarray(0, read);
      if (decipher === undefined) emit(chunk);
      else if (position < total) emit(decipher.update(chunk));
      else tail = decipher.update(chunk);
    }
    let paddingValid = true;
    if (decipher !== undefined) {
      const last = decipher.final();
      if (last.length > 0) tail = Buffer.concat([tail, last]);
      const pad = pkcs7Length(tail);
      paddingValid = pad > 0;
      emit(tail.subarray(0, tail.length - pad));
    }
    return { id: task.id, size, ...(hash === undefined ? {} : { sha256: hash.digest("hex") }), paddingValid };
  } catch (error) {
    return { id: task.id, error: (error as Error).message };
  } finally {
    if (input !== undefined) closeSync(input);
    if (output !== undefined) closeSync(output);
  }
}

/** The valid PKCS#7 padding length of the last block, or 0 when it is not valid padding. */
function pkcs7Length(data: Buffer): number {
  if (data.length === 0) return 0;
  const n = data[data.length - 1]!;
  if (n < 1 || n > 16 || n > data.length) return 0;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return 0;
  return n;
}

if (parentPort !== null) {
  const port = parentPort;
  const scratch = Buffer.allocUnsafe(DECRYPT_CHUNK);
  port.on("message", (batch: DecryptTask[]) => {
    port.postMessage(batch.map((task) => decryptTaskSync(task, scratch)));
  });
}
