/**
 * Finds and loads indicator files into one IndicatorIndex: `--iocs` paths, `SPYGLASS_IOCS`, the
 * user data directory (where `iocs update` writes) and the bundled pack. This module does the
 * file I/O; the format decoders in formats/ are pure.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readFile, stat } from "node:fs/promises";
import { basename, delimiter, dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { SpyglassError } from "../errors.js";
import type { Warning } from "../model/warning.js";
import { userIndicatorsDir } from "./data-dir.js";
import { DEFAULT_JSON_BUDGET, isJsonObject, type JsonBudget, parseJsonWithBudget } from "./formats/json.js";
import { mispEvents, parseMisp } from "./formats/misp.js";
import { MAX_WARNINGS_PER_FILE, type ParsedIndicatorFile } from "./formats/parsed.js";
import { parsePlainList, plainListKind } from "./formats/plain-list.js";
import { DEFAULT_STIX_BUDGET, parseStixBundle, type StixBudget } from "./formats/stix2.js";
import { isTinyCheckFile, parseTinyCheck } from "./formats/tinycheck.js";
import { IndicatorIndex } from "./indicator-index.js";
import type { IndicatorCounts, IndicatorFormat, IndicatorOrigin, IndicatorSetInfo } from "./types.js";

/** The folder of the bundled pack (iocs/ at the package root, beside src/ and dist/). */
export const BUNDLED_INDICATORS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "iocs");

/** Budgets for a whole load. */
export interface LoadBudget {
  json: JsonBudget;
  stix: StixBudget;
  /** Files visited in directory walks, per root. */
  maxFiles: number;
  maxDirectoryDepth: number;
}

/** Defaults for loads: see each part. */
export const DEFAULT_LOAD_BUDGET: LoadBudget = {
  json: DEFAULT_JSON_BUDGET,
  stix: DEFAULT_STIX_BUDGET,
  maxFiles: 10_000,
  maxDirectoryDepth: 16,
};

/** Where to look for indicators. */
export interface LoadIndicatorsOptions {
  /** `--iocs` files or directories (directories are searched recursively); a missing one is an error. */
  paths?: readonly string[];
  /** Environment for `SPYGLASS_IOCS` (a path list) and the user data directory; nothing is read when absent. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Load the user data directory (default true when `env` is given). */
  userData?: boolean;
  /** Load the bundled pack (default true). */
  bundled?: boolean;
  bundledDir?: string;
  budget?: LoadBudget;
}

/** The result of a load: the index, the files it holds and what went wrong on the way. */
export interface LoadedIndicators {
  index: IndicatorIndex;
  sets: IndicatorSetInfo[];
  warnings: Warning[];
}

interface Candidate {
  path: string;
  origin: IndicatorOrigin;
  /** Given by name (not found in a walk): unknown content is a warning, not silently skipped. */
  explicit: boolean;
}

/** Loads every indicator file from the configured sources; one bad file or indicator never stops the load. */
export async function loadIndicators(options: LoadIndicatorsOptions = {}): Promise<LoadedIndicators> {
  const budget = options.budget ?? DEFAULT_LOAD_BUDGET;
  const warnings: Warning[] = [];
  const sets: IndicatorSetInfo[] = [];
  const index = new IndicatorIndex(sets);
  const candidates: Candidate[] = [];

  for (const path of options.paths ?? []) {
    const found = await findIndicatorFiles(path, { origin: "option", budget, warnings });
    if (found === undefined) {
      throw new SpyglassError("NOT_FOUND", `indicator path not found: ${path}`, {
        hint: "Pass an existing file or folder to --iocs",
      });
    }
    if (found.length === 0)
      warnings.push({ code: "SKIPPED", message: "no indicator files in this folder", file: path });
    for (const file of found) candidates.push(file);
  }
  const env = options.env;
  for (const path of (env?.SPYGLASS_IOCS ?? "").split(delimiter).filter((p) => p !== "")) {
    const found = await findIndicatorFiles(path, { origin: "env", budget, warnings });
    if (found === undefined)
      warnings.push({ code: "SKIPPED", message: "SPYGLASS_IOCS names a missing path", file: path });
    else for (const file of found) candidates.push(file);
  }
  if (env !== undefined && options.userData !== false) {
    candidates.push(
      ...((await findIndicatorFiles(userIndicatorsDir(env), { origin: "user-data", budget, warnings })) ??
        []),
    );
  }
  if (options.bundled !== false) {
    const dir = options.bundledDir ?? BUNDLED_INDICATORS_DIR;
    const found = await findIndicatorFiles(dir, { origin: "bundled", budget, warnings });
    if (found === undefined)
      warnings.push({ code: "SKIPPED", message: "bundled indicator pack not found", file: dir });
    else for (const file of found) candidates.push(file);
  }

  const loadedHashes = new Map<string, string>();
  for (const candidate of candidates) {
    const loaded = await loadIndicatorFile(candidate, budget);
    if ("warning" in loaded) {
      if (loaded.warning !== undefined) warnings.push(loaded.warning);
      continue;
    }
    const earlier = loadedHashes.get(loaded.sha256);
    if (earlier !== undefined) {
      warnings.push({
        code: "SKIPPED",
        message: `same content as ${earlier}, loaded once`,
        file: candidate.path,
      });
      continue;
    }
    loadedHashes.set(loaded.sha256, candidate.path);
    for (const warning of loaded.parsed.warnings) warnings.push(warning);
    sets.push(addToIndex(index, { candidate, loaded, warnings }));
  }
  return { index, sets, warnings };
}

/** Adds a decoded file to the index and describes it; values the index refuses become warnings. */
function addToIndex(
  index: IndicatorIndex,
  file: {
    candidate: Candidate;
    loaded: { parsed: ParsedIndicatorFile; sha256: string; format: IndicatorFormat };
    warnings: Warning[];
  },
): IndicatorSetInfo {
  const { candidate, loaded, warnings } = file;
  const perCollection = new Map<string, IndicatorCounts>(loaded.parsed.collections.map((c) => [c, {}]));
  const counts: IndicatorCounts = {};
  let total = 0;
  let refused = 0;
  for (const entry of loaded.parsed.entries) {
    const warning = index.add(entry);
    if (warning !== undefined) {
      refused++;
      if (refused <= MAX_WARNINGS_PER_FILE) warnings.push(warning);
      continue;
    }
    let collectionCounts = perCollection.get(entry.collection);
    if (collectionCounts === undefined) {
      collectionCounts = {};
      perCollection.set(entry.collection, collectionCounts);
    }
    collectionCounts[entry.type] = (collectionCounts[entry.type] ?? 0) + 1;
    counts[entry.type] = (counts[entry.type] ?? 0) + 1;
    total++;
  }
  if (refused > MAX_WARNINGS_PER_FILE) {
    warnings.push({
      code: "BAD_INDICATOR",
      message: `${refused - MAX_WARNINGS_PER_FILE} more unusable indicator values in this file`,
      file: candidate.path,
    });
  }
  const collections = [...perCollection].map(([name, c]) => ({
    name,
    counts: c,
    total: Object.values(c).reduce((a, b) => a + b, 0),
  }));
  return {
    name: collections.length === 1 ? collections[0]!.name : basename(candidate.path),
    source: candidate.path,
    sha256: loaded.sha256,
    format: loaded.format,
    origin: candidate.origin,
    collections,
    counts,
    total,
  };
}

/** Indicator files under a path (the path itself when it is a file); undefined when it does not exist. */
async function findIndicatorFiles(
  root: string,
  options: { origin: IndicatorOrigin; budget: LoadBudget; warnings: Warning[] },
): Promise<Candidate[] | undefined> {
  const { origin, budget, warnings } = options;
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(root);
  } catch {
    return undefined;
  }
  if (!info.isDirectory()) return [{ path: root, origin, explicit: true }];
  const found: Candidate[] = [];
  let visited = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    if (depth > budget.maxDirectoryDepth) {
      warnings.push({
        code: "BUDGET",
        message: `folders nested deeper than ${budget.maxDirectoryDepth}`,
        file: dir,
      });
      return;
    }
    let names: string[];
    try {
      names = (await readdir(dir)).sort();
    } catch (cause) {
      warnings.push({
        code: "SKIPPED",
        message: `cannot read folder: ${(cause as Error).message}`,
        file: dir,
      });
      return;
    }
    const files: string[] = [];
    const dirs: string[] = [];
    for (const name of names) {
      if (name.startsWith(".")) continue;
      visited++;
      if (visited > budget.maxFiles) {
        warnings.push({
          code: "BUDGET",
          message: `more than ${budget.maxFiles} files, the rest skipped`,
          file: root,
        });
        return;
      }
      const path = join(dir, name);
      // Walks never follow symbolic links: a link loop or a link out of the folder is not ours to read.
      const entry = await lstat(path).catch(() => undefined);
      if (entry?.isDirectory()) dirs.push(path);
      else if (entry?.isFile()) files.push(name);
    }
    const structured = files.filter((n) => [".stix2", ".json"].includes(extname(n).toLowerCase()));
    for (const name of structured) found.push({ path: join(dir, name), origin, explicit: false });
    // Plain lists sit beside the bundle they were generated from: load them only where there is no bundle.
    if (structured.length === 0) {
      for (const name of files) {
        if (plainListKind(name) !== undefined) found.push({ path: join(dir, name), origin, explicit: false });
      }
    }
    for (const sub of dirs) await walk(sub, depth + 1);
  };
  await walk(root, 0);
  return found;
}

/** A decoded indicator file, or why it was not used. */
export type LoadedFile =
  | { parsed: ParsedIndicatorFile; sha256: string; format: IndicatorFormat }
  | { warning: Warning | undefined };

async function loadIndicatorFile(candidate: Candidate, budget: LoadBudget): Promise<LoadedFile> {
  const { path } = candidate;
  let bytes: Buffer;
  try {
    const info = await lstat(path);
    if (info.size > budget.json.maxBytes) {
      return {
        warning: {
          code: "BUDGET",
          message: `${info.size} bytes exceeds the ${budget.json.maxBytes}-byte budget for indicator files`,
          file: path,
        },
      };
    }
    bytes = await readFile(path);
  } catch (cause) {
    return { warning: { code: "SKIPPED", message: `cannot read: ${(cause as Error).message}`, file: path } };
  }
  return decodeIndicatorFile(bytes, path, { explicit: candidate.explicit, budget });
}

/**
 * Decodes the bytes of one indicator file, choosing the format by name (plain lists) or content
 * (STIX2 bundle, TinyCheck, MISP). Pure: `path` only names the file and its default collection.
 * Returns a warning instead when the file is unusable (none for unrelated files met in a walk).
 */
export function decodeIndicatorFile(
  bytes: Buffer,
  path: string,
  options: { explicit: boolean; budget?: LoadBudget },
): LoadedFile {
  const budget = options.budget ?? DEFAULT_LOAD_BUDGET;
  const skip = (code: Warning["code"], message: string): LoadedFile => ({
    warning: { code, message, file: path },
  });
  if (bytes.length > budget.json.maxBytes) {
    return skip(
      "BUDGET",
      `${bytes.length} bytes exceeds the ${budget.json.maxBytes}-byte budget for indicator files`,
    );
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  const text = bytes.toString("utf8").replace(/^\uFEFF/, "");
  const fileName = basename(path);
  const stem = fileName.replace(/\.[^.]*$/, "");
  try {
    const listKind = plainListKind(fileName);
    if (listKind !== undefined) {
      const collection = basename(dirname(resolve(path)));
      return {
        parsed: parsePlainList(text, path, { kind: listKind, collection }),
        sha256,
        format: "plain-list",
      };
    }
    if (!/^\s*[[{]/.test(text)) {
      return options.explicit ? skip("SKIPPED", "not a recognised indicator file") : { warning: undefined };
    }
    const value = parseJsonWithBudget(text, budget.json);
    if (isJsonObject(value) && (value.type === "bundle" || Array.isArray(value.objects))) {
      const parsed = parseStixBundle(value, path, { defaultCollection: stem, budget: budget.stix });
      return { parsed, sha256, format: "stix2" };
    }
    if (isTinyCheckFile(value)) {
      return {
        parsed: parseTinyCheck(value, path, { defaultCollection: stem }),
        sha256,
        format: "tinycheck",
      };
    }
    if (mispEvents(value) !== undefined) return { parsed: parseMisp(value, path), sha256, format: "misp" };
    return options.explicit || extname(path) === ".stix2"
      ? skip("SKIPPED", "not a STIX2 bundle, TinyCheck or MISP file")
      : { warning: undefined };
  } catch (cause) {
    const message = (cause as Error).message;
    return skip(/budget|deeper/.test(message) ? "BUDGET" : "CORRUPT", `not loaded: ${message}`);
  }
}
