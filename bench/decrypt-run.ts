/**
 * One measured decryption run in its own process (so its peak RSS is its own): decrypts every
 * payload listed in a task file with N worker threads and prints `BENCH {seconds, maxRssMB}`.
 */
import { readFileSync } from "node:fs";
import { decryptAll } from "../src/readers/ios-backup/decrypt-pool.js";
import type { DecryptTask } from "../src/readers/ios-backup/decrypt-worker.js";

const [taskFile, threads] = process.argv.slice(2);
const tasks = JSON.parse(readFileSync(taskFile!, "utf8")) as DecryptTask[];
const started = process.hrtime.bigint();
const outcomes = await decryptAll(tasks, { threads: Number(threads ?? 1) });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const failed = outcomes.filter((o) => o.error !== undefined).length;
process.stderr.write(
  `BENCH ${JSON.stringify({ seconds, failed, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
