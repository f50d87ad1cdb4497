/**
 * Runs one spyglass command in this process and prints its wall time, exit status and peak RSS as
 * a `BENCH {...}` line on stderr, so benchmarks can measure each scan in a fresh process.
 */
import { main } from "../src/cli/main.js";

const started = process.hrtime.bigint();
const code = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  debug: false,
});
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stderr.write(
  `BENCH ${JSON.stringify({ seconds, exit: code, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
