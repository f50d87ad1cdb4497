/** Runs artifact definitions over one evidence source; a failing artifact never stops the others. */
import { isSpyglassError } from "../errors.js";
import { parsePlist } from "../formats/plist.js";
import type { Warning } from "../model/warning.js";
import type { EvidenceEntry, EvidenceSource } from "../readers/types.js";
import { missingSchema } from "../sqlite/open.js";
import type { ArtifactDefinition, ArtifactRecord, ArtifactStatus } from "./define.js";

/** Receives each record as it is produced (to stream it to disk, index it, or keep it). */
export type RecordSink = (record: ArtifactRecord, definition: ArtifactDefinition) => void;

/** Budgets that apply to every artifact input. */
export interface ArtifactBudget {
  /** Largest plist or byte input read into memory. */
  maxFileBytes: number;
}

const DEFAULT_BUDGET: ArtifactBudget = { maxFileBytes: 512 * 1024 * 1024 };

/**
 * Files an artifact reads: the file entries matching its globs, first glob first, no repeats.
 * Where the evidence holds symbolic links (dumps), globs go through those that stay inside it.
 */
export function locate(source: EvidenceSource, definition: ArtifactDefinition): EvidenceEntry[] {
  const seen = new Set<string>();
  const found: EvidenceEntry[] = [];
  for (const pattern of definition.paths) {
    for (const entry of source.globThroughLinks?.(pattern) ?? source.glob(pattern)) {
      // One file reached by two globs (say, directly and through a link) is read once.
      const key = entry.followed?.target ?? entry.path;
      if (seen.has(key)) continue;
      if (definition.input.kind !== "entries" && entry.kind !== "file") continue;
      seen.add(key);
      found.push(entry);
    }
  }
  return found;
}

/** Why a listed file has no bytes, in the words of its evidence. */
/** The warning for a listed entry whose bytes cannot be read: absent, or there but not readable. */
export function absentWarning(
  entry: EvidenceEntry,
  kind: EvidenceSource["kind"],
): { code: "MISSING_PAYLOAD" | "SKIPPED"; message: string } {
  return entry.notRead === undefined
    ? { code: "MISSING_PAYLOAD", message: missingMessage(kind) }
    : { code: "SKIPPED", message: `not read: ${entry.notRead}` };
}

function missingMessage(kind: EvidenceSource["kind"]): string {
  if (kind === "ios-backup") return "listed in the backup but its payload is absent";
  if (kind === "fs-dump")
    return "listed in the dump but its data is not there (sparse or truncated member, or a hard link to a missing one)";
  return "listed in the archive but its data is absent";
}

/** Runs one artifact and reports its status; records go to `sink`. */
export async function runArtifact(
  source: EvidenceSource,
  definition: ArtifactDefinition,
  sink: RecordSink,
  budget: ArtifactBudget = DEFAULT_BUDGET,
): Promise<ArtifactStatus> {
  const status: ArtifactStatus = {
    id: definition.id,
    status: "not_present",
    records: 0,
    files: [],
    warnings: [],
  };
  if (!definition.sources.includes(source.kind)) return { ...status, status: "not_applicable" };
  const warn =
    (file: string | undefined) =>
    (warning: Omit<Warning, "file"> & { file?: string }): void => {
      const at = warning.file ?? file;
      status.warnings.push({ ...warning, ...(at === undefined ? {} : { file: at }) });
    };
  const emit = (file: string, origin: string, data: unknown): void => {
    status.records += 1;
    sink({ artifact: definition.id, file, origin, data }, definition);
  };
  const input = definition.input;
  // Files located but not read to the end: they decide between found, partial and failed.
  const unreadable = new Set<string>();

  try {
    if (input.kind === "source") {
      const context = {
        warn: warn(undefined),
        unreadable: (warning: Omit<Warning, "file"> & { file: string }): void => {
          unreadable.add(warning.file);
          status.warnings.push(warning);
        },
      };
      const result = input.collect(source, context);
      const items = Symbol.asyncIterator in result ? result : await result;
      for await (const record of items as AsyncIterable<unknown>) emit(source.input, "", record);
      // The engine only learns of the files a source artifact could not read.
      status.files = [...unreadable].slice(0, 50);
      if (status.records > 0 || unreadable.size > 0) status.status = settle(status.records, unreadable.size);
      return status;
    }
    const entries = locate(source, definition);
    if (input.kind === "entries") {
      if (entries.length === 0) return status;
      status.files = [...new Set(entries.map((e) => e.path))].slice(0, 50);
      for (const record of input.parse(entries, { warn: warn(undefined) })) {
        const file = (record as { path?: unknown }).path;
        emit(typeof file === "string" ? file : (entries[0]?.path ?? ""), "", record);
      }
      status.status = "found";
      return status;
    }
    const present = entries.filter((e) => e.present);
    for (const entry of entries) {
      if (!entry.present) warn(entry.path)(absentWarning(entry, source.kind));
    }
    if (present.length === 0) return status;
    for (const entry of present) {
      // Read once: an entry may build these strings on each read, and every record carries them.
      const path = entry.path;
      const origin = entry.origin;
      status.files.push(path);
      const context = { file: entry, warn: warn(path) };
      const before = status.records;
      try {
        if (input.kind === "sqlite") {
          const opened = await source.openDatabase(entry);
          try {
            const missing = missingSchema(opened.db, input.schema);
            if (missing.length > 0) {
              context.warn({
                code: "UNKNOWN_SCHEMA",
                message: `unknown schema: missing ${missing.join(", ")}; this iOS version may not be supported yet`,
              });
              unreadable.add(path);
              continue;
            }
            for (const record of input.parse(opened.db, context)) emit(path, origin, record);
          } finally {
            opened.db.close();
          }
        } else {
          const bytes = await source.read(entry, { maxBytes: budget.maxFileBytes });
          if (input.kind === "plist") {
            const value = parsePlist(bytes, { file: path });
            for (const record of input.parse(value, context)) emit(path, origin, record);
          } else {
            for (const record of input.parse(bytes, context)) emit(path, origin, record);
          }
        }
      } catch (error) {
        unreadable.add(path);
        context.warn(readFailure(error, status.records - before));
      }
    }
  } catch (error) {
    status.status = status.records > 0 ? "partial" : "failed";
    status.warnings.push({
      code: "CORRUPT",
      message: `${definition.id} failed: ${(error as Error).message}`,
    });
    return status;
  }
  status.status = settle(status.records, unreadable.size);
  return status;
}

/** Found when every located file was read; else partial when records came before the failure, failed when none did. */
function settle(records: number, unreadable: number): ArtifactStatus["status"] {
  if (unreadable === 0) return "found";
  return records > 0 ? "partial" : "failed";
}

/** The warning for a file whose read threw after `kept` records: it says how far the read got. */
export function readFailure(error: unknown, kept: number): Omit<Warning, "file"> {
  const code = isSpyglassError(error, "BUDGET")
    ? "BUDGET"
    : isSpyglassError(error, "IO")
      ? "UNREADABLE"
      : "CORRUPT";
  if (kept > 0) {
    const reason = isSpyglassError(error) ? error.toLine() : (error as Error).message;
    return { code, message: `${kept} record${kept === 1 ? "" : "s"} read, then: ${reason}` };
  }
  return {
    code,
    message: isSpyglassError(error) ? error.toLine() : `could not be parsed: ${(error as Error).message}`,
  };
}

/** Runs every definition in order. */
export async function runArtifacts(
  source: EvidenceSource,
  definitions: readonly ArtifactDefinition[],
  sink: RecordSink,
): Promise<ArtifactStatus[]> {
  const statuses: ArtifactStatus[] = [];
  for (const definition of definitions) statuses.push(await runArtifact(source, definition, sink));
  return statuses;
}
