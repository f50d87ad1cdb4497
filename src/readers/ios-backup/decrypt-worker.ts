/** Worker thread for parallel payload decryption: streams one payload at a time, hashing what it writes. */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import { parentPort } from "node:worker_threads";
import { decryptPayload, PayloadDecryptor } from "./crypto.js";

/** A payload to decrypt: its path, the unwrapped file key (hex, absent for plain copies), and where to write. */
export interface DecryptTask {
  id: number;
  source: string;
  /** Where to write the plaintext; undefined to decrypt and hash only (benchmarks). */
  target?: string;
  keyHex?: string;
  /** Skip the SHA-256 of the plaintext (benchmarks measure decryption alone). */
  noHash?: boolean;
}

/** The outcome of a task. */
export interface DecryptOutcome {
  id: number;
  size?: number;
  sha256?: string;
  paddingValid?: boolean;
  error?: string;
}

/** Files up to this size are read whole; larger ones are streamed in chunks of the same size. */
const WHOLE_FILE_BYTES = 4 * 1024 * 1024;

/** Decrypts one payload (streamed when large); shared by the worker and the in-process path. */
export async function decryptTask(task: DecryptTask): Promise<DecryptOutcome> {
  const stat = await fs.lstat(task.source);
  if (!stat.isFile()) return { id: task.id, error: "payload is not a regular file; not followed" };
  if (task.keyHex !== undefined && stat.size % 16 !== 0) {
    return {
      id: task.id,
      error: `encrypted payload of ${stat.size} bytes is not a whole number of AES blocks`,
    };
  }
  if (stat.size <= WHOLE_FILE_BYTES) return decryptWhole(task);
  const hash = task.noHash === true ? undefined : createHash("sha256");
  const handle = task.target === undefined ? undefined : await fs.open(task.target, "w");
  const decryptor =
    task.keyHex === undefined ? undefined : new PayloadDecryptor(Buffer.from(task.keyHex, "hex"));
  let size = 0;
  const emit = async (plain: Buffer): Promise<void> => {
    if (plain.length === 0) return;
    hash?.update(plain);
    size += plain.length;
    if (handle !== undefined) await handle.write(plain);
  };
  let paddingValid = true;
  try {
    for await (const chunk of createReadStream(task.source, { highWaterMark: WHOLE_FILE_BYTES })) {
      await emit(decryptor === undefined ? (chunk as Buffer) : decryptor.update(chunk as Buffer));
    }
    if (decryptor !== undefined) {
      const tail = decryptor.final();
      paddingValid = tail.paddingValid;
      await emit(tail.plaintext);
    }
  } finally {
    await handle?.close();
  }
  return { id: task.id, size, ...(hash === undefined ? {} : { sha256: hash.digest("hex") }), paddingValid };
}

async function decryptWhole(task: DecryptTask): Promise<DecryptOutcome> {
  const data = await fs.readFile(task.source);
  const { plaintext, paddingValid } =
    task.keyHex === undefined
      ? { plaintext: data, paddingValid: true }
      : decryptPayload(Buffer.from(task.keyHex, "hex"), data);
  if (task.target !== undefined) await fs.writeFile(task.target, plaintext);
  const sha256 = task.noHash === true ? undefined : createHash("sha256").update(plaintext).digest("hex");
  return { id: task.id, size: plaintext.length, ...(sha256 === undefined ? {} : { sha256 }), paddingValid };
}

if (parentPort !== null) {
  const port = parentPort;
  port.on("message", (task: DecryptTask) => {
    decryptTask(task).then(
      (outcome) => port.postMessage(outcome),
      (error: unknown) =>
        port.postMessage({ id: task.id, error: (error as Error).message } satisfies DecryptOutcome),
    );
  });
}
