/**
 * Keeps the JavaScript heap close to what a scan actually holds. V8 lets the heap grow to several
 * times its live size between full collections when collecting is cheap; on a large device that
 * nearly doubles peak memory (BENCHMARKS.md: 800 MB against under 500 MB for the same scan). A
 * growth factor of 1.25 trades more frequent collections for a bounded peak. The flag is one of
 * V8's heap-sizing heuristics, read each time the heap limit is recomputed, so setting it at
 * start-up takes effect (Node refuses it in NODE_OPTIONS); a value given on the node command line
 * wins.
 */
import { setFlagsFromString } from "node:v8";

export const HEAP_GROWING_PERCENT = 25;

export function boundHeapGrowth(): void {
  if (process.execArgv.some((arg) => arg.includes("heap-growing-percent"))) return;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
