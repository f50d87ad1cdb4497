/**
 * Decrypts many payloads on all cores: a pool of worker threads when running from the compiled
 * build with more than one thread, the same code in-process otherwise (one thread, or tests that
 * run the TypeScript sources directly).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { DECRYPT_CHUNK, type DecryptOutcome, type DecryptTask, decryptTaskSync } from "./decrypt-worker.js";

/** True when worker threads can load the compiled worker script. */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith(".js");
}

/** Tasks are sent in batches of about this many bytes (or this many files), so messaging stays cheap. */
const BATCH_BYTES = 32 * 1024 * 1024;
const BATCH_FILES = 256;

function batches(tasks: readonly DecryptTask[]): DecryptTask[][] {
  const out: DecryptTask[][] = [];
  let current: DecryptTask[] = [];
  let bytes = 0;
  for (const task of tasks) {
    current.push(task);
    bytes += task.sizeHint ?? 64 * 1024;
    if (bytes >= BATCH_BYTES || current.length >= BATCH_FILES) {
      out.push(current);
      current = [];
      bytes = 0;
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

/** Runs the tasks with `threads` workers (default: one per core) and returns outcomes in task order. */
export async function decryptAll(
  tasks: readonly DecryptTask[],
  options: { threads?: number; onDone?: (outcome: DecryptOutcome, task: DecryptTask) => void } = {},
): Promise<DecryptOutcome[]> {
  const outcomes: DecryptOutcome[] = new Array(tasks.length);
  const byId = new Map(tasks.map((t, i) => [t.id, i]));
  const finish = (outcome: DecryptOutcome): void => {
    const index = byId.get(outcome.id);
    if (index === undefined) return;
    outcomes[index] = outcome;
    options.onDone?.(outcome, tasks[index]!);
  };
  const queue = batches(tasks);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), queue.length));
  // One thread: this one (a worker would only add its start-up and the messages).
  if (!workersAvailable() || threads === 1) {
    const scratch = Buffer.allocUnsafe(DECRYPT_CHUNK);
    for (const batch of queue) {
      for (const task of batch) finish(decryptTaskSync(task, scratch));
      // Let timers (progress output) run between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return outcomes;
  }
  const url = new URL("./decrypt-worker.js", import.meta.url);
  let next = 0;
  await Promise.all(
    Array.from(
      { length: threads },
      () =>
        new Promise<void>((resolve, reject) => {
          const worker = new Worker(url);
          let inFlight = 0;
          const feed = (): void => {
            // Two batches in flight keep a worker busy while its previous answer travels back.
            while (inFlight < 2 && next < queue.length) {
              inFlight += 1;
              worker.postMessage(queue[next++]!);
            }
            if (inFlight === 0) {
              void worker.terminate();
              resolve();
            }
          };
          worker.on("message", (results: DecryptOutcome[]) => {
            inFlight -= 1;
            for (const outcome of results) finish(outcome);
            feed();
          });
          worker.on("error", reject);
          feed();
        }),
    ),
  );
  return outcomes;
}
