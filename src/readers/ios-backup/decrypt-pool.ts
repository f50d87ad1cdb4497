/**
 * Decrypts many payloads on all cores: a pool of worker threads when running from the compiled
 * build, the same code in-process otherwise (tests run the TypeScript sources directly).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { type DecryptOutcome, type DecryptTask, decryptTask } from "./decrypt-worker.js";

/** True when worker threads can load the compiled worker script. */
export function workersAvailable(): boolean {
  return import.meta.url.endsWith(".js");
}

/** Runs the tasks with `threads` workers (default: one per core) and returns outcomes in task order. */
export async function decryptAll(
  tasks: readonly DecryptTask[],
  options: { threads?: number; onDone?: (outcome: DecryptOutcome, task: DecryptTask) => void } = {},
): Promise<DecryptOutcome[]> {
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), tasks.length));
  const outcomes: DecryptOutcome[] = new Array(tasks.length);
  const byId = new Map(tasks.map((t, i) => [t.id, i]));
  const finish = (outcome: DecryptOutcome): void => {
    const index = byId.get(outcome.id);
    if (index === undefined) return;
    outcomes[index] = outcome;
    options.onDone?.(outcome, tasks[index]!);
  };
  if (threads <= 1 || !workersAvailable()) {
    // In-process: a few tasks at once so file I/O overlaps with decryption.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < tasks.length) {
        const task = tasks[next++]!;
        finish(
          await decryptTask(task).catch((error: unknown) => ({
            id: task.id,
            error: (error as Error).message,
          })),
        );
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, tasks.length) }, () => lane()));
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
            // Two tasks in flight per worker keep its disk reads and decryption overlapping.
            while (inFlight < 2 && next < tasks.length) {
              inFlight += 1;
              worker.postMessage(tasks[next++]!);
            }
            if (inFlight === 0) {
              void worker.terminate();
              resolve();
            }
          };
          worker.on("message", (outcome: DecryptOutcome) => {
            inFlight -= 1;
            finish(outcome);
            feed();
          });
          worker.on("error", reject);
          feed();
        }),
    ),
  );
  return outcomes;
}
