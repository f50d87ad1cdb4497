/**
 * Scan benchmarks, each scan measured in a fresh process (bench/measure.ts):
 *  --mode artifacts  (issue 3) a generated backup with 200,000 Manifest rows and populated
 *                    databases (100,000 messages, 50,000 Safari visits), the same device as a
 *                    dump folder and as a .tar.gz: total scan time and peak RSS; the Manifest listing
 *                    time as a ratio to `sqlite3 Manifest.db 'select * from Files'` in the same run.
 *  --mode encrypted  (issue 5) a generated encrypted backup of at least 1 GiB with Triangulation
 *                    traces: password to verdict, the key derivation separately, and the ratio to
 *                    the time needed only to read and decrypt the files the scan opens.
 * Run: npm run bench:scan -- --mode artifacts|encrypted [--runs 3] [--rows 200000] [--size 1G]
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, promises as fs, openSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { openIosBackup } from "../src/readers/ios-backup/backup.js";
import { deriveKey } from "../src/readers/ios-backup/crypto.js";
import type { ScanResults } from "../src/scan/results.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const mode = option("mode") ?? "artifacts";
const runs = Number(option("runs") ?? 3);
const work = resolve(".bench-tmp");
const here = import.meta.dirname;
const PASSWORD = "bench-password";

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function node(
  script: string,
  argv: string[],
  env: NodeJS.ProcessEnv = {},
): { seconds: number; exit: number; maxRssMB: number } {
  const result = spawnSync(process.execPath, [join(here, script), ...argv], {
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  const line = result.stderr.split("\n").find((l) => l.startsWith("BENCH "));
  if (line === undefined)
    throw new Error(`${script} ${argv.join(" ")} failed: ${result.stderr.slice(0, 2000)}`);
  return JSON.parse(line.slice(6)) as { seconds: number; exit: number; maxRssMB: number };
}

function scan(
  evidence: string,
  env: NodeJS.ProcessEnv = {},
): { seconds: number; exit: number; maxRssMB: number } {
  const run = node("measure.js", ["scan", evidence, "--output", join(work, "scan-out"), "--force"], env);
  // 0, 2, 3 and 4 are verdicts; 1 is an error, and its timing would mean nothing.
  if (run.exit === 1) throw new Error(`scan of ${evidence} failed`);
  return run;
}

async function seconds(fn: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function header(title: string): void {
  console.log(`\n${title}`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}, median of ${runs} runs`,
  );
}

await fs.mkdir(work, { recursive: true });

if (mode === "artifacts") {
  const rows = Number(option("rows") ?? 200_000);
  const backup = join(work, `sample-${rows}`);
  const dump = join(work, `sample-${rows}-dump`);
  const tarball = join(work, `sample-${rows}-dump.tar.gz`);
  if (!existsSync(join(backup, "Manifest.db"))) {
    await fs.rm(backup, { recursive: true, force: true });
    await fs.rm(dump, { recursive: true, force: true });
    console.log("generating the sample backup and dump (once) …");
    execFileSync(
      process.execPath,
      [
        join(here, "generate-sample.js"),
        backup,
        "--profile",
        "clean",
        "--messages",
        "100000",
        "--visits",
        "50000",
        "--processes",
        "2000",
        "--rows",
        String(rows),
        "--padding",
        String(64 * 1024 * 1024),
        "--dump",
        dump,
      ],
      { stdio: "inherit" },
    );
    execFileSync("tar", ["-czf", tarball, "-C", dump, "."]);
  }
  const manifestCopy = join(work, "Manifest-copy.db");
  const devNull = openSync("/dev/null", "w");
  await fs.copyFile(join(backup, "Manifest.db"), manifestCopy);
  const sqlite: number[] = [];
  const listing: number[] = [];
  const opening: number[] = [];
  const scans: Record<string, Array<{ seconds: number; maxRssMB: number }>> = {
    backup: [],
    "dump folder": [],
    "dump .tar.gz": [],
  };
  for (let i = 0; i < runs; i++) {
    // Its output goes to /dev/null: collecting 150 MB of text through a pipe would count Node's time.
    sqlite.push(
      await seconds(() => {
        const result = spawnSync("sqlite3", [manifestCopy, "select * from Files"], {
          stdio: ["ignore", devNull, "pipe"],
        });
        if (result.status !== 0) throw new Error(`sqlite3 failed: ${result.stderr.toString()}`);
      }),
    );
    listing.push(node("listing-run.js", [join(backup, "Manifest.db")]).seconds);
    opening.push(node("listing-run.js", [join(backup, "Manifest.db"), "--open"]).seconds);
    scans.backup!.push(scan(backup));
    scans["dump folder"]!.push(scan(dump));
    scans["dump .tar.gz"]!.push(scan(tarball));
  }
  const count = (await openIosBackup(backup)).files.length;
  header(`artifact scan benchmark: ${count} Manifest rows, 100,000 messages, 50,000 Safari visits`);
  console.log(`Manifest listing (every row → entry, fresh process) ${median(listing).toFixed(2)} s`);
  console.log(`backup open (plists, listing, payload folders) ${median(opening).toFixed(2)} s`);
  console.log(`sqlite3 Manifest.db 'select * from Files'    ${median(sqlite).toFixed(2)} s`);
  console.log(`ratio listing / sqlite3: ${(median(listing) / median(sqlite)).toFixed(2)}  (target ≤ 3)`);
  for (const [name, list] of Object.entries(scans)) {
    console.log(
      `scan ${name.padEnd(14)} ${median(list.map((s) => s.seconds)).toFixed(2)} s, peak RSS ${Math.max(...list.map((s) => s.maxRssMB))} MB (target < 500 MB)`,
    );
  }
} else if (mode === "encrypted") {
  const size = option("size") ?? String(1024 ** 3);
  const backup = join(work, `encrypted-${size}`);
  if (!existsSync(join(backup, "Manifest.db"))) {
    await fs.rm(backup, { recursive: true, force: true });
    console.log("generating the encrypted sample backup (once; real key derivation cost) …");
    execFileSync(
      process.execPath,
      [
        join(here, "generate-sample.js"),
        backup,
        "--profile",
        "triangulation",
        "--padding",
        size,
        "--password",
        PASSWORD,
      ],
      { stdio: "inherit" },
    );
  }
  const opened = await openIosBackup(backup, { password: () => PASSWORD });
  const keyFile = join(work, "encrypted.key");
  await fs.writeFile(keyFile, `${opened.derivedKey!.toString("hex")}\n`);
  const verdictRuns: Array<{ seconds: number; maxRssMB: number }> = [];
  const outputRuns: number[] = [];
  const keyed: number[] = [];
  const keyedOutput: number[] = [];
  const readOnly: number[] = [];
  const kdf: number[] = [];
  const keyedScan = (output: boolean): number => {
    const argv = ["scan", backup, "--key-file", keyFile];
    if (output) argv.push("--output", join(work, "scan-out"), "--force");
    const run = node("measure.js", argv);
    if (run.exit === 1) throw new Error("scan with the key file failed");
    return run.seconds;
  };
  // The files a scan opens, from its own results.
  keyedScan(true);
  const results = JSON.parse(
    await fs.readFile(join(work, "scan-out", "results.json"), "utf8"),
  ) as ScanResults;
  const origins = [...new Set(results.inputs[0]!.filesRead.map((f) => f.origin))];
  const originsFile = join(work, "scan-origins.json");
  await fs.writeFile(originsFile, JSON.stringify(origins));
  for (let i = 0; i < runs; i++) {
    // Password to verdict: the terminal summary, as `spyglass scan BACKUP` prints it.
    const verdict = node("measure.js", ["scan", backup], { SPYGLASS_BACKUP_PASSWORD: PASSWORD });
    if (verdict.exit === 1) throw new Error("scan with the password failed");
    verdictRuns.push(verdict);
    outputRuns.push(scan(backup, { SPYGLASS_BACKUP_PASSWORD: PASSWORD }).seconds);
    keyed.push(keyedScan(false));
    keyedOutput.push(keyedScan(true));
    readOnly.push(node("read-run.js", [backup, keyFile, originsFile]).seconds);
    kdf.push(await seconds(() => deriveKey(PASSWORD, opened.keybag!)));
  }
  const payload = opened.files.reduce((n, f) => n + (f.entry.kind === "file" ? f.entry.size : 0), 0);
  header(
    `encrypted scan benchmark: ${(payload / 1024 ** 3).toFixed(2)} GiB backup, ${opened.files.length} Manifest rows, verdict ${results.verdict}`,
  );
  console.log(
    `password to verdict (terminal summary)          ${median(verdictRuns.map((r) => r.seconds)).toFixed(2)} s, peak RSS ${Math.max(...verdictRuns.map((r) => r.maxRssMB))} MB`,
  );
  console.log(`password to verdict and reports (--output)      ${median(outputRuns).toFixed(2)} s`);
  console.log(`key derivation alone (10M + 10k rounds)         ${median(kdf).toFixed(2)} s`);
  console.log(`scan with the derived key (--key-file)          ${median(keyed).toFixed(2)} s`);
  console.log(`scan with the derived key and --output          ${median(keyedOutput).toFixed(2)} s`);
  console.log(
    `read + decrypt only the ${origins.length} files the scan opens (and the index), same process setup: ${median(readOnly).toFixed(2)} s`,
  );
  console.log(
    `ratio scan with key / read+decrypt: ${(median(keyed) / median(readOnly)).toFixed(2)}  (target ≤ 1.5); with --output ${(median(keyedOutput) / median(readOnly)).toFixed(2)}`,
  );
} else throw new Error(`unknown --mode ${mode}`);
