/**
 * Benchmark: decrypt every payload of a generated encrypted backup (default 1 GiB) and compare
 * with `openssl enc -d -aes-256-cbc` over the same ciphertext bytes, measured in the same run.
 * Build and run: `npm run bench:decrypt -- [--dir BACKUP] [--size 1G] [--runs 3]`.
 * Prints MB/s, the ratio to openssl (one core, and all cores), the key derivation separately,
 * and the peak RSS of the decryption process.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { closeSync, existsSync, promises as fs, openSync, readFileSync, writeSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { openIosBackup } from "../src/readers/ios-backup/backup.js";
import { deriveKey, splitWrappedKey } from "../src/readers/ios-backup/crypto.js";
import type { DecryptTask } from "../src/readers/ios-backup/decrypt-worker.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const runs = Number(option("runs") ?? 3);
const size = parseSize(option("size") ?? "1G");
const work = resolve(".bench-tmp");
const PASSWORD = "bench-password";

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]?)$/i.exec(text);
  if (match === null) throw new Error(`bad size ${text}`);
  const unit = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 }[match[2]!.toUpperCase()] ?? 1;
  return Math.round(Number(match[1]) * unit);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

let dir = option("dir");
if (dir === undefined) {
  dir = join(work, `decrypt-backup-${size}`);
  if (!existsSync(join(dir, "Manifest.db"))) {
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(work, { recursive: true });
    console.log(`generating a ${(size / 1024 ** 3).toFixed(2)} GiB encrypted backup in ${dir} …`);
    // In a child process, so that generation does not count in this process's peak RSS.
    execFileSync(
      process.execPath,
      [
        join(import.meta.dirname, "generate-backup.js"),
        dir,
        "--size",
        String(size),
        "--password",
        PASSWORD,
        "--dpic",
        "1000",
        "--iter",
        "1000",
      ],
      {
        stdio: "inherit",
      },
    );
  }
}

const backup = await openIosBackup(dir, { password: () => PASSWORD });
const files = backup.files.filter((f) => f.entry.kind === "file" && f.entry.present);
const tasks: DecryptTask[] = [];
let cipherBytes = 0;
for (const [id, file] of files.entries()) {
  const split = file.encryptionKey === undefined ? undefined : splitWrappedKey(file.encryptionKey);
  const key = split === undefined ? undefined : backup.fileKey(split.protectionClass, split.wrapped);
  const source = backup.payloadPath(file);
  cipherBytes += (await fs.stat(source)).size;
  tasks.push({
    id,
    source,
    noHash: true,
    sizeHint: file.entry.size,
    ...(key === undefined ? {} : { keyHex: key.toString("hex") }),
  });
}

// The reference decrypts the same bytes: every payload concatenated into one file (one key; the
// work per byte is the same AES-256-CBC decryption).
const concat = join(work, "concat.bin");
await fs.mkdir(work, { recursive: true });
{
  const out = openSync(concat, "w");
  for (const task of tasks) writeSync(out, readFileSync(task.source));
  closeSync(out);
}
const taskFile = join(work, "decrypt-tasks.json");
await fs.writeFile(taskFile, JSON.stringify(tasks));
const keyHex = "11".repeat(32);
const openssl = () =>
  execFileSync("openssl", [
    "enc",
    "-d",
    "-aes-256-cbc",
    "-nopad",
    "-K",
    keyHex,
    "-iv",
    "00".repeat(16),
    "-in",
    concat,
    "-out",
    "/dev/null",
  ]);

/** Decrypts every payload in a fresh process with `threads` workers; its own time and peak RSS. */
function ours(threads: number): { seconds: number; maxRssMB: number } {
  const run = spawnSync(
    process.execPath,
    [join(import.meta.dirname, "decrypt-run.js"), taskFile, String(threads)],
    { encoding: "utf8" },
  );
  const line = run.stderr.split("\n").find((l) => l.startsWith("BENCH "));
  if (line === undefined) throw new Error(`decrypt-run failed: ${run.stderr.slice(0, 2000)}`);
  const result = JSON.parse(line.slice(6)) as { seconds: number; failed: number; maxRssMB: number };
  if (result.failed > 0) throw new Error(`${result.failed} payloads failed to decrypt`);
  return result;
}

// Warm the page cache for both sides.
ours(1);
openssl();

const mb = cipherBytes / 1e6;
const opensslTimes: number[] = [];
const oneCore: number[] = [];
const allCores: number[] = [];
let peakRss = 0;
for (let i = 0; i < runs; i++) {
  opensslTimes.push(await time(openssl));
  const one = ours(1);
  const all = ours(cpus().length);
  oneCore.push(one.seconds);
  allCores.push(all.seconds);
  peakRss = Math.max(peakRss, one.maxRssMB, all.maxRssMB);
}
const kdfBag = backup.keybag!;
const kdfSeconds = await time(() =>
  deriveKey(PASSWORD, {
    ...kdfBag,
    dpic: 10_000_000,
    iterations: 10_000,
    dpsl: kdfBag.dpsl ?? Buffer.alloc(20),
  }),
);
await fs.rm(concat, { force: true });

const rate = (seconds: number): number => mb / seconds;
const row = (label: string, seconds: number): string =>
  `${label.padEnd(34)} ${seconds.toFixed(2).padStart(7)} s ${rate(seconds).toFixed(0).padStart(6)} MB/s`;
console.log(
  `\ndecrypt benchmark: ${tasks.length} payloads, ${(cipherBytes / 1024 ** 3).toFixed(2)} GiB of ciphertext, median of ${runs} runs`,
);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}, ${execFileSync("openssl", ["version"]).toString().trim()}`,
);
console.log(row("openssl enc -d -aes-256-cbc (1 core)", median(opensslTimes)));
console.log(row("spyglass, 1 core", median(oneCore)));
console.log(row(`spyglass, ${cpus().length} cores (worker threads)`, median(allCores)));
console.log(
  `ratio to openssl, 1 core:   ${(median(opensslTimes) / median(oneCore)).toFixed(2)}  (target ≥ 0.70)`,
);
console.log(`ratio to openssl, all cores: ${(median(opensslTimes) / median(allCores)).toFixed(2)}`);
console.log(
  `key derivation (PBKDF2-SHA256 10,000,000 + SHA-1 10,000 rounds), separately: ${kdfSeconds.toFixed(2)} s`,
);
console.log(`peak RSS of a decryption process: ${peakRss} MB (target < 300 MB)`);
