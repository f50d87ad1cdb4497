/**
 * Keeps the JavaScript heap close to what a scan actually holds. V8 lets the heap grow to several
 * times its live size between full collections when collecting is cheap; on a large device that
 * doubles peak memory (measured in BENCHMARKS.md: 800 MB against 500 MB for the same scan). A
 * growth factor of 1.25 costs a few more collections and no measurable time. The flag is one of
 * V8's heap-sizing heuristics, read each time the heap limit is recomputed, so setting it at
 * start-up takes effect; a user's own NODE_OPTIONS setting wins.
 */
import { setFlagsFromString } from "node:v8";

export const HEAP_GROWING_PERCENT = 25;

export function boundHeapGrowth(env: NodeJS.ProcessEnv = process.env): void {
  if ((env.NODE_OPTIONS ?? "").includes("heap-growing-percent")) return;
  if (process.execArgv.some((arg) => arg.includes("heap-growing-percent"))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
