/**
 * Writes a scan's results folder: results.json, alerts.json (MVT's shape, made by mvt-alerts.ts),
 * timeline.csv and artifacts/<id>.jsonl. Everything is written below the folder the user named,
 * nowhere else.
 */
import { closeSync, promises as fs, mkdirSync, writeSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { ArtifactDefinition, ArtifactRecord } from "../artifacts/define.js";
import { SpyglassError } from "../errors.js";
import { openNewFileSync, prepareOutputDir, writeNewFileSync } from "../output-dir.js";

const WITHHELD = /^\[withheld: \d+ characters; use --include-content to keep\]$/;

/** True for the text `redactRecord` puts in place of a withheld content field. */
export function isWithheld(value: unknown): boolean {
  return typeof value === "string" && WITHHELD.test(value);
}

/** Withholds personal content fields of a record unless content was asked for. */
export function redactRecord(
  data: unknown,
  definition: Pick<ArtifactDefinition, "contentFields"> | undefined,
  includeContent: boolean,
): unknown {
  const fields = definition?.contentFields;
  if (
    includeContent ||
    fields === undefined ||
    fields.length === 0 ||
    typeof data !== "object" ||
    data === null
  )
    return data;
  const copy: Record<string, unknown> = { ...(data as Record<string, unknown>) };
  for (const field of fields) {
    const value = copy[field];
    if (typeof value === "string" && value !== "")
      copy[field] = `[withheld: ${value.length} characters; use --include-content to keep]`;
  }
  return copy;
}

/** A results folder being written. */
/** One open artifacts/<id>.jsonl: a descriptor and the text not yet written. */
interface JsonlFile {
  fd: number;
  pending: string;
}

/** JSONL text is written in pieces of about this size. */
const FLUSH_CHARS = 256 * 1024;

export class ResultsFolder {
  readonly dir: string;
  private readonly files = new Map<string, JsonlFile>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates (or reuses an empty) folder; refuses one that holds other things unless forced. */
  static async create(dir: string, force: boolean, evidence: readonly string[] = []): Promise<ResultsFolder> {
    await prepareOutputDir(dir, force, evidence);
    if (force) await fs.rm(join(dir, "artifacts"), { recursive: true, force: true });
    return new ResultsFolder(resolve(dir));
  }

  /** A path inside the folder; anything that would land outside is refused. */
  path(name: string): string {
    const target = resolve(this.dir, name);
    const rel = relative(this.dir, target);
    if (rel.startsWith("..") || rel.includes(`..${sep}`) || resolve(target) === this.dir) {
      throw new SpyglassError("INTERNAL", `Refusing to write outside the output folder: ${name}`);
    }
    return target;
  }

  /**
   * Appends a record to artifacts/<id>.jsonl. Writes are synchronous and batched: records arrive
   * from a synchronous sink, and an unwaited stream would buffer every line in memory.
   */
  writeRecord(
    record: ArtifactRecord,
    definition: ArtifactDefinition,
    includeContent: boolean,
    device?: string,
  ): void {
    if (!/^[a-z0-9][a-z0-9/-]*$/.test(record.artifact))
      throw new SpyglassError("INTERNAL", `Bad artifact id ${record.artifact}`);
    let file = this.files.get(record.artifact);
    if (file === undefined) {
      const path = this.path(join("artifacts", `${record.artifact}.jsonl`));
      mkdirSync(dirname(path), { recursive: true });
      file = { fd: openNewFileSync(path), pending: "" };
      this.files.set(record.artifact, file);
    }
    const line = {
      ...(device === undefined ? {} : { device }),
      ...record,
      data: redactRecord(record.data, definition, includeContent),
    };
    file.pending += `${JSON.stringify(line)}\n`;
    if (file.pending.length >= FLUSH_CHARS) {
      writeSync(file.fd, file.pending);
      file.pending = "";
    }
  }

  /** Writes a whole file (JSON or text). */
  async writeFile(name: string, content: string): Promise<void> {
    writeNewFileSync(this.path(name), content);
  }

  /** Flushes and closes the JSONL files. */
  async close(): Promise<void> {
    for (const file of this.files.values()) {
      if (file.pending !== "") writeSync(file.fd, file.pending);
      closeSync(file.fd);
    }
    this.files.clear();
  }
}
