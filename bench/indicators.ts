/**
 * Indicator benchmark: load time of every bundle in the corpus, and domain lookups per second on a
 * mixed hit/miss workload, against a plain Set lookup of the same names measured in the same run.
 * Run: npm run bench:indicators (compiles, then runs on one core). Corpus: ../shared/corpus or SPYGLASS_CORPUS.
 */
import { existsSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join, resolve } from "node:path";
import { decodeIndicatorFile, loadIndicators } from "../src/indicators/load.js";
import { normalizeDomain } from "../src/indicators/normalize.js";

const root = process.cwd();
const corpus = process.env.SPYGLASS_CORPUS ?? join(root, "..", "shared", "corpus");
const iocs = join(corpus, "iocs");
if (!existsSync(iocs)) {
  process.stdout.write(`SKIPPED: no corpus at ${iocs} (set SPYGLASS_CORPUS)\n`);
  process.exit(0);
}
const bundledDir = resolve(root, "iocs");

/** A small deterministic generator, so every run checks the same names. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const loadTimes: number[] = [];
const loadCpu: number[] = [];
let loaded = await loadIndicators({ paths: [iocs], bundledDir });
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  const cpu = process.cpuUsage();
  loaded = await loadIndicators({ paths: [iocs], bundledDir });
  const used = process.cpuUsage(cpu);
  loadTimes.push(performance.now() - started);
  loadCpu.push((used.user + used.system) / 1000);
}
loadCpu.sort((a, b) => a - b);
loadTimes.sort((a, b) => a - b);
const { index, sets } = loaded;

// The workload is built from the loaded domain values themselves.
const iocDomains: string[] = [];
for (const set of sets) {
  const decoded = decodeIndicatorFile(readFileSync(set.source), set.source, { explicit: true });
  if (!("parsed" in decoded)) continue;
  for (const entry of decoded.parsed.entries) {
    if (entry.type !== "domain-name") continue;
    const host = normalizeDomain(entry.value);
    if (host !== undefined) iocDomains.push(host);
  }
}

const next = random(42);
const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
const WORKLOAD_SIZE = 200_000;
const workload: string[] = [];
for (let i = 0; i < WORKLOAD_SIZE; i++) {
  const ioc = pick(iocDomains);
  const r = next();
  if (r < 0.25) workload.push(ioc);
  else if (r < 0.5) workload.push(`${pick(["www", "cdn", "a.b", "api"])}.${ioc}`);
  else if (r < 0.65) workload.push(`not${ioc}`);
  else if (r < 0.8) workload.push(`${ioc}.other.net`);
  else
    workload.push(
      `host${Math.floor(next() * 1e6)}.${pick(["apple.com", "icloud.com", "example.org", "co.uk"])}`,
    );
}

const LOOKUPS = 4_000_000;

function measure(lookup: (name: string) => boolean): { perSecond: number; hits: number } {
  for (let i = 0; i < 200_000; i++) lookup(workload[i % WORKLOAD_SIZE]!);
  let hits = 0;
  // CPU time of this process, not wall time: the machine is shared, and other load would count.
  const started = process.cpuUsage();
  for (let i = 0; i < LOOKUPS; i++) if (lookup(workload[i % WORKLOAD_SIZE]!)) hits++;
  const used = process.cpuUsage(started);
  const seconds = (used.user + used.system) / 1e6;
  return { perSecond: LOOKUPS / seconds, hits };
}

const plain = new Set(iocDomains);
const reference = measure((name) => plain.has(name));
const matcher = measure((name) => index.match({ kind: "domain", value: name }).length > 0);

const million = (n: number) => `${(n / 1e6).toFixed(2)} M/s`;
const lines = [
  `indicator files: ${sets.length}, indicators indexed: ${index.size}, distinct IOC domains: ${plain.size}`,
  `load (all corpus bundles + bundled pack): wall min ${loadTimes[0]!.toFixed(0)} ms, median ${loadTimes[2]!.toFixed(0)} ms; CPU median ${loadCpu[2]!.toFixed(0)} ms (target < 1000 ms)`,
  `domain lookups, ${LOOKUPS.toLocaleString("en")} on ${WORKLOAD_SIZE.toLocaleString("en")} names (50% hits by design):`,
  `  plain Set.has (exact only, reference): ${million(reference.perSecond)}, ${((reference.hits / LOOKUPS) * 100).toFixed(1)}% hits`,
  `  IndicatorIndex.match (normalise, exact + subdomain + IP check): ${million(matcher.perSecond)}, ${((matcher.hits / LOOKUPS) * 100).toFixed(1)}% hits (target >= 2 M/s)`,
  `  ratio matcher / Set: ${(matcher.perSecond / reference.perSecond).toFixed(3)}`,
  `node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} cores, load average ${loadavg()[0]!.toFixed(1)} (lookup rates are per CPU-second)`,
];
process.stdout.write(`${lines.join("\n")}\n`);
