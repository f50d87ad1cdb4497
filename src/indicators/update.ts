/**
 * `iocs update`: reads an index in the mvt-indicators `indicators.yaml` format (github and
 * download_url entries), downloads every file it names, checks each decodes as indicators, and
 * replaces the user's indicator folder in one rename, so a failed update leaves the previous set
 * intact. The only network access in spyglass.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { SpyglassError } from "../errors.js";
import { decodeIndicatorFile } from "./load.js";
import type { IndicatorCounts } from "./types.js";
import { parseYamlSubset, type YamlValue } from "./yaml-subset.js";

/** Where github entries are fetched from, unless rebased. */
export const GITHUB_RAW_BASE = "https://raw.githubusercontent.com";

/** The index mvt-indicators publishes. */
export const DEFAULT_INDEX_PATH = "mvt-project/mvt-indicators/main/indicators.yaml";

/** The manifest written beside downloaded files (a dotfile: the loader skips it). */
export const MANIFEST_NAME = ".spyglass-update.json";

/** One file named by the index. */
export interface IndexedSource {
  name: string;
  url: string;
  /** The file name it is stored under in the indicator folder. */
  fileName: string;
}

/** What an update did, file by file. */
export interface UpdateReport {
  indexUrl: string;
  directory: string;
  files: {
    fileName: string;
    name: string;
    url: string;
    sha256: string;
    bytes: number;
    counts: IndicatorCounts;
  }[];
  added: string[];
  updated: string[];
  unchanged: string[];
  removed: string[];
}

/** Options of an update; `fetch` is replaceable for tests. */
export interface UpdateOptions {
  /** The indicator folder to replace (the user data directory's `iocs`). */
  directory: string;
  indexUrl?: string;
  /** Replaces https://raw.githubusercontent.com in github entries and the default index (for mirrors and tests). */
  baseUrl?: string;
  maxBytes?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** The index URL used when none is given. */
export function defaultIndexUrl(baseUrl?: string): string {
  return `${(baseUrl ?? GITHUB_RAW_BASE).replace(/\/+$/, "")}/${DEFAULT_INDEX_PATH}`;
}

/** The files an `indicators.yaml` document names; entries it cannot use are errors. */
export function readIndicatorIndex(text: string, options: { baseUrl?: string } = {}): IndexedSource[] {
  let document: YamlValue;
  try {
    document = parseYamlSubset(text);
  } catch (cause) {
    throw new SpyglassError("CORRUPT", `indicator index is not readable: ${(cause as Error).message}`, {
      cause,
    });
  }
  const list = isMap(document) ? document.indicators : undefined;
  if (!Array.isArray(list)) throw new SpyglassError("CORRUPT", 'indicator index has no "indicators" list');
  const base = (options.baseUrl ?? GITHUB_RAW_BASE).replace(/\/+$/, "");
  const sources: IndexedSource[] = [];
  const names = new Set<string>();
  list.forEach((entry, i) => {
    if (!isMap(entry)) throw new SpyglassError("CORRUPT", `indicator index entry ${i + 1} is not a mapping`);
    const name = typeof entry.name === "string" ? entry.name : `entry ${i + 1}`;
    let url: string;
    let fileName: string;
    const github = entry.github;
    if (entry.type === "github" && isMap(github)) {
      const { owner, repo, path } = github;
      const branch = typeof github.branch === "string" && github.branch !== "" ? github.branch : "main";
      if (typeof owner !== "string" || typeof repo !== "string" || typeof path !== "string") {
        throw new SpyglassError(
          "CORRUPT",
          `indicator index entry "${name}" lacks github owner, repo or path`,
        );
      }
      const parts = [owner, repo, branch, ...path.split("/")];
      if (parts.some((p) => p === "" || p === "." || p === "..")) {
        throw new SpyglassError("CORRUPT", `indicator index entry "${name}" has an unsafe path`);
      }
      url = `${base}/${parts.map(encodeURIComponent).join("/")}`;
      fileName = safeFileName(`${owner}_${repo}_${path}`);
    } else if (typeof entry.download_url === "string") {
      url = entry.download_url;
      // Named by the URL as published, so a mirror (--base-url) keeps the same file names.
      const parsed = safeUrl(url, name);
      fileName = safeFileName(`${parsed.hostname}${parsed.pathname}`);
      if (options.baseUrl !== undefined && url.startsWith(`${GITHUB_RAW_BASE}/`)) {
        url = base + url.slice(GITHUB_RAW_BASE.length);
      }
    } else {
      throw new SpyglassError(
        "CORRUPT",
        `indicator index entry "${name}" has neither github nor download_url`,
      );
    }
    safeUrl(url, name);
    let unique = fileName;
    for (let n = 2; names.has(unique); n++) unique = fileName.replace(/(\.[^.]*)?$/, `-${n}$1`);
    names.add(unique);
    sources.push({ name, url, fileName: unique });
  });
  return sources;
}

/** Downloads every indexed file, validates it, and swaps the indicator folder in one rename. */
export async function updateIndicators(options: UpdateOptions): Promise<UpdateReport> {
  const indexUrl = options.indexUrl ?? defaultIndexUrl(options.baseUrl);
  const get = (url: string, limit: number) => download(url, limit, options);
  const indexText = (await get(indexUrl, 1024 * 1024)).toString("utf8");
  const sources = readIndicatorIndex(
    indexText,
    options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl },
  );
  if (sources.length === 0) throw new SpyglassError("CORRUPT", "indicator index lists no files");

  const downloaded: { source: IndexedSource; bytes: Buffer; sha256: string; counts: IndicatorCounts }[] = [];
  for (const source of sources) {
    const bytes = await get(source.url, options.maxBytes ?? 64 * 1024 * 1024);
    const decoded = decodeIndicatorFile(bytes, source.fileName, { explicit: true });
    if ("warning" in decoded) {
      throw new SpyglassError(
        "CORRUPT",
        `${source.url} is not an indicator file: ${decoded.warning?.message ?? ""}`,
      );
    }
    const counts: IndicatorCounts = {};
    for (const entry of decoded.parsed.entries) counts[entry.type] = (counts[entry.type] ?? 0) + 1;
    downloaded.push({ source, bytes, sha256: decoded.sha256, counts });
  }

  const directory = options.directory;
  const previous = await previousHashes(directory);
  await mkdir(dirname(directory), { recursive: true });
  const stamp = `${process.pid}-${Date.now()}`;
  const staging = `${directory}.staging-${stamp}`;
  const retired = `${directory}.previous-${stamp}`;
  try {
    await mkdir(staging);
    for (const { source, bytes } of downloaded) await writeFile(join(staging, source.fileName), bytes);
    const files = downloaded.map(({ source, bytes, sha256, counts }) => ({
      fileName: source.fileName,
      name: source.name,
      url: source.url,
      sha256,
      bytes: bytes.length,
      counts,
    }));
    const manifest = { indexUrl, updatedAt: new Date().toISOString(), files };
    await writeFile(join(staging, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
    const hadPrevious = previous !== undefined;
    if (hadPrevious) await rename(directory, retired);
    try {
      await rename(staging, directory);
    } catch (cause) {
      if (hadPrevious) await rename(retired, directory);
      throw cause;
    }
    if (hadPrevious) await rm(retired, { recursive: true, force: true });
    const old = previous ?? new Map<string, string>();
    const report: UpdateReport = {
      indexUrl,
      directory,
      files,
      added: [],
      updated: [],
      unchanged: [],
      removed: [],
    };
    for (const file of files) {
      const before = old.get(file.fileName);
      if (before === undefined) report.added.push(file.fileName);
      else if (before === file.sha256) report.unchanged.push(file.fileName);
      else report.updated.push(file.fileName);
    }
    report.removed = [...old.keys()].filter((name) => !files.some((f) => f.fileName === name));
    return report;
  } catch (cause) {
    await rm(staging, { recursive: true, force: true });
    if (cause instanceof SpyglassError) throw cause;
    throw new SpyglassError("IO", `cannot write indicators to ${directory}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

async function download(url: string, limit: number, options: UpdateOptions): Promise<Buffer> {
  const fetcher = options.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetcher(url, {
      redirect: "follow",
      signal: AbortSignal.timeout(options.timeoutMs ?? 60_000),
      headers: { "user-agent": "spyglass-iocs-update" },
    });
  } catch (cause) {
    throw new SpyglassError("NETWORK", `cannot download ${url}: ${(cause as Error).message}`, {
      cause,
      hint: "The previous indicators are unchanged",
    });
  }
  if (!response.ok) {
    throw new SpyglassError("NETWORK", `cannot download ${url}: HTTP ${response.status}`, {
      hint: "The previous indicators are unchanged",
    });
  }
  const declared = Number(response.headers.get("content-length") ?? "0");
  if (declared > limit)
    throw new SpyglassError("BUDGET", `${url} is ${declared} bytes, over the ${limit}-byte budget`);
  const chunks: Buffer[] = [];
  let total = 0;
  if (response.body !== null) {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      total += chunk.length;
      if (total > limit) throw new SpyglassError("BUDGET", `${url} is over the ${limit}-byte budget`);
      chunks.push(Buffer.from(chunk));
    }
  }
  return Buffer.concat(chunks);
}

/** SHA-256 per file of the current folder (from its manifest, else by hashing); undefined if absent. */
async function previousHashes(directory: string): Promise<Map<string, string> | undefined> {
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return undefined;
  }
  const hashes = new Map<string, string>();
  for (const name of names) {
    if (name.startsWith(".")) continue;
    try {
      hashes.set(
        name,
        createHash("sha256")
          .update(await readFile(join(directory, name)))
          .digest("hex"),
      );
    } catch {
      // A folder or unreadable entry is not one of ours.
    }
  }
  return hashes;
}

function safeUrl(url: string, name: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SpyglassError("CORRUPT", `indicator index entry "${name}" has a bad URL: ${url}`);
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new SpyglassError("CORRUPT", `indicator index entry "${name}" is not an http(s) URL: ${url}`);
  }
  return parsed;
}

function safeFileName(text: string): string {
  const name = basename(text.replace(/[/\\]/g, "_"))
    .replace(/[^A-Za-z0-9._-]/g, "_")
    .replace(/^\.+/, "");
  const bounded = name.slice(-180);
  return /\.(stix2|json|txt)$/i.test(bounded) ? bounded : `${bounded}.stix2`;
}

function isMap(value: YamlValue | undefined): value is { [key: string]: YamlValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
