/**
 * Generates a large encrypted backup for benchmarks: many small files spread over the usual domains and a
 * few large camera-roll videos, streamed so that a 1 GiB backup never sits in memory.
 */

import { parseCommandArgs } from "../cli/args.js";
import { SpyglassError } from "../errors.js";
import { type BackupEntrySpec, type BackupWritten, writeBackup } from "./backup-writer.js";
import { createRandomSource, type RandomSource, randomUuid } from "./random-source.js";

/** The shape of the generated backup. */
export interface BenchBackupOptions {
  /** Plaintext payload bytes in total (default 1 GiB). */
  totalBytes?: number;
  /** Share of `totalBytes` that goes to the large files (default 0.5). */
  largeShare?: number;
  /** Number of large files (default 4). */
  largeFiles?: number;
  /** Leave the backup unencrypted. */
  plain?: boolean;
  password?: string;
  /** PBKDF2-SHA256 rounds (default 10,000,000 as on a real device). */
  dpic?: number;
  iter?: number;
  /** Reproducible keys, sizes and contents (default "spyglass-bench"). */
  seed?: string;
  /** Files to add on top (e.g. real artifact databases for a scan benchmark). */
  extraFiles?: BackupEntrySpec[];
  date?: Date;
}

/** What was generated, with the secrets a reader needs. */
export interface BenchBackupResult extends BackupWritten {
  password: string | undefined;
  payloadBytes: number;
  elapsedMs: number;
}

const MIB = 1024 * 1024;
const CONTENT_BLOCK = MIB;
const DEFAULT_PASSWORD = "spyglass-bench";
const SMALL_MIN = 512;
const SMALL_MAX = 128 * 1024;

/** Lists the files of a benchmark backup; contents are lazy chunk generators over one shared random block. */
export function planBenchFiles(options: BenchBackupOptions = {}): BackupEntrySpec[] {
  const total = options.totalBytes ?? 1024 * MIB;
  const largeCount = options.largeFiles ?? 4;
  const largeShare = largeCount === 0 ? 0 : (options.largeShare ?? 0.5);
  const random = createRandomSource(options.seed ?? "spyglass-bench");
  // Twice the block so that any window of up to one block is a contiguous view, never a copy.
  const block = random(CONTENT_BLOCK);
  const doubled = Buffer.concat([block, block]);
  const content = (size: number, index: number): { chunks: () => Iterable<Uint8Array> } => ({
    chunks: function* () {
      const header = Buffer.from(`spyglass-bench file ${index}\n`, "latin1");
      let remaining = size;
      if (remaining > 0) {
        const first = header.subarray(0, Math.min(header.length, remaining));
        remaining -= first.length;
        yield first;
      }
      let offset = (index * 4099) % CONTENT_BLOCK;
      while (remaining > 0) {
        const length = Math.min(remaining, CONTENT_BLOCK);
        yield doubled.subarray(offset, offset + length);
        remaining -= length;
        offset = (offset + length) % CONTENT_BLOCK;
      }
    },
  });

  const files: BackupEntrySpec[] = [];
  const largeBytes = Math.floor(total * largeShare);
  for (let i = 0; i < largeCount; i += 1) {
    const size = Math.floor(largeBytes / largeCount);
    files.push({
      domain: "CameraRollDomain",
      relativePath: `Media/DCIM/100APPLE/IMG_${String(9000 + i).padStart(4, "0")}.MOV`,
      data: content(size, files.length),
      protectionClass: 3,
    });
  }
  let smallBytes = total - largeBytes;
  let index = 0;
  while (smallBytes > 0) {
    const size = Math.min(smallBytes, smallFileSize(random));
    smallBytes -= size;
    files.push({ ...smallFilePlace(index, random), data: content(size, files.length) });
    index += 1;
  }
  return [...files, ...(options.extraFiles ?? [])];
}

/** Writes the benchmark backup into `dir` (which must not already hold a backup). */
export async function generateBenchBackup(
  dir: string,
  options: BenchBackupOptions = {},
): Promise<BenchBackupResult> {
  const started = performance.now();
  const password = options.plain === true ? undefined : (options.password ?? DEFAULT_PASSWORD);
  const written = await writeBackup(dir, {
    date: options.date ?? new Date("2024-05-01T12:00:00Z"),
    device: { name: "Spyglass Bench iPhone" },
    seed: options.seed ?? "spyglass-bench",
    files: planBenchFiles(options),
    ...(password === undefined
      ? {}
      : {
          encryption: {
            password,
            ...(options.dpic === undefined ? {} : { dpic: options.dpic }),
            ...(options.iter === undefined ? {} : { iter: options.iter }),
          },
        }),
  });
  const payloadBytes = written.files.reduce((sum, file) => sum + file.size, 0);
  return { ...written, password, payloadBytes, elapsedMs: performance.now() - started };
}

const USAGE =
  "generate-backup <dir> [--size 1G] [--large 4] [--large-share 0.5] [--password P] [--dpic N] [--iter N] [--seed S] [--plain]";

/** Command-line front end: parses `args`, writes the backup, prints what a reader needs. Returns the exit status. */
export async function runGenerateBackupCli(
  args: readonly string[],
  print: (line: string) => void = console.log,
): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    {
      size: { type: "string" },
      large: { type: "string" },
      "large-share": { type: "string" },
      password: { type: "string" },
      dpic: { type: "string" },
      iter: { type: "string" },
      seed: { type: "string" },
      plain: { type: "boolean" },
    },
    USAGE,
  );
  const dir = positionals[0];
  if (dir === undefined || positionals.length > 1) {
    throw new SpyglassError("USAGE", "Give exactly one output folder", { hint: `Usage: ${USAGE}` });
  }
  const options: BenchBackupOptions = { totalBytes: parseSize(values.size ?? "1G") };
  if (values.large !== undefined) options.largeFiles = parseCount(values.large, "--large");
  if (values["large-share"] !== undefined) options.largeShare = Number(values["large-share"]);
  if (values.password !== undefined) options.password = values.password;
  if (values.dpic !== undefined) options.dpic = parseCount(values.dpic, "--dpic");
  if (values.iter !== undefined) options.iter = parseCount(values.iter, "--iter");
  if (values.seed !== undefined) options.seed = values.seed;
  if (values.plain === true) options.plain = true;

  const result = await generateBenchBackup(dir, options);
  const seconds = result.elapsedMs / 1000;
  print(`backup:      ${result.dir}`);
  print(`encrypted:   ${result.password === undefined ? "no" : "yes"}`);
  if (result.password !== undefined) print(`password:    ${result.password}`);
  if (result.derivedKeyHex !== undefined) print(`derived key: ${result.derivedKeyHex}`);
  print(`files:       ${result.files.length} payloads, ${result.rowCount} Manifest.db rows`);
  print(`bytes:       ${result.payloadBytes} (${(result.payloadBytes / MIB).toFixed(1)} MiB)`);
  print(`time:        ${seconds.toFixed(1)} s (${(result.payloadBytes / MIB / seconds).toFixed(0)} MiB/s)`);
  const env = result.password === undefined ? "" : `SPYGLASS_BACKUP_PASSWORD='${result.password}' `;
  print(`scan with:   ${env}spyglass scan ${result.dir}`);
  return 0;
}

/** "1G", "500M", "64k" or plain bytes. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kKmMgG]?)i?[bB]?$/.exec(text.trim());
  if (match === null)
    throw new SpyglassError("USAGE", `Not a size: ${text}`, { hint: "Use e.g. 1G, 500M, 64k" });
  const unit = (match[2] ?? "").toLowerCase();
  const factor = unit === "g" ? 1024 * MIB : unit === "m" ? MIB : unit === "k" ? 1024 : 1;
  return Math.floor(Number(match[1]) * factor);
}

function parseCount(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) throw new SpyglassError("USAGE", `${name} needs a whole number`);
  return value;
}

/** Mostly small files (a few KiB) with a long tail, like the payloads of a real backup. */
function smallFileSize(random: RandomSource): number {
  const fraction = random(4).readUInt32BE(0) / 2 ** 32;
  return Math.floor(SMALL_MIN * (SMALL_MAX / SMALL_MIN) ** fraction);
}

function pick(random: RandomSource, count: number): number {
  return random(4).readUInt32BE(0) % count;
}

/** Spreads small files over the domains and folder shapes of a real phone. */
function smallFilePlace(
  index: number,
  random: RandomSource,
): { domain: string; relativePath: string; protectionClass: number } {
  const shape = pick(random, 4);
  if (shape === 0) {
    const uuid = randomUuid(random);
    const a = pick(random, 256).toString(16).padStart(2, "0");
    const b = pick(random, 16).toString(16).padStart(2, "0");
    return {
      domain: "MediaDomain",
      relativePath: `Library/SMS/Attachments/${a}/${b}/${uuid}/IMG_${index}.HEIC`,
      protectionClass: 3,
    };
  }
  if (shape === 1) {
    return {
      domain: `AppDomain-com.example.bench${pick(random, 40)}`,
      relativePath: `Library/Caches/cache-${Math.floor(index / 100)}/item-${index}.bin`,
      protectionClass: 4,
    };
  }
  if (shape === 2) {
    return {
      domain: "HomeDomain",
      relativePath: `Library/Caches/com.apple.bench/${Math.floor(index / 200)}/blob-${index}`,
      protectionClass: 4,
    };
  }
  return {
    domain: `AppDomainGroup-group.com.example.bench${pick(random, 10)}`,
    relativePath: `Documents/${Math.floor(index / 50)}/doc-${index}.dat`,
    protectionClass: 2,
  };
}
