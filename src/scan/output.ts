/**
 * Writes a scan's results folder: results.json, alerts.json (MVT's shape), timeline.csv and
 * artifacts/<id>.jsonl. Everything is written below the folder the user named, nowhere else.
 */
import { createWriteStream, promises as fs, mkdirSync, type WriteStream } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import type { ArtifactDefinition, ArtifactRecord } from "../artifacts/define.js";
import { SpyglassError } from "../errors.js";
import type { Finding } from "../model/finding.js";
import { prepareOutputDir } from "../output-dir.js";

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
export class ResultsFolder {
  readonly dir: string;
  private readonly streams = new Map<string, WriteStream>();

  private constructor(dir: string) {
    this.dir = dir;
  }

  /** Creates (or reuses an empty) folder; refuses one that holds other things unless forced. */
  static async create(dir: string, force: boolean): Promise<ResultsFolder> {
    await prepareOutputDir(dir, force);
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

  /** Appends a record to artifacts/<id>.jsonl. */
  writeRecord(
    record: ArtifactRecord,
    definition: ArtifactDefinition,
    includeContent: boolean,
    device?: string,
  ): void {
    if (!/^[a-z0-9][a-z0-9/-]*$/.test(record.artifact))
      throw new SpyglassError("INTERNAL", `Bad artifact id ${record.artifact}`);
    let stream = this.streams.get(record.artifact);
    if (stream === undefined) {
      const path = this.path(join("artifacts", `${record.artifact}.jsonl`));
      // Directories are created synchronously once per artifact so the stream can open at once.
      requireDir(dirname(path));
      stream = createWriteStream(path, { flags: "w" });
      this.streams.set(record.artifact, stream);
    }
    const line = {
      ...(device === undefined ? {} : { device }),
      ...record,
      data: redactRecord(record.data, definition, includeContent),
    };
    stream.write(`${JSON.stringify(line)}\n`);
  }

  /** Writes a whole file (JSON or text). */
  async writeFile(name: string, content: string): Promise<void> {
    await fs.writeFile(this.path(name), content);
  }

  /** Flushes and closes the JSONL streams. */
  async close(): Promise<void> {
    await Promise.all(
      [...this.streams.values()].map(
        (stream) =>
          new Promise<void>((done, fail) => {
            stream.end(() => done());
            stream.on("error", fail);
          }),
      ),
    );
    this.streams.clear();
  }
}

/** A synchronous mkdir keeps writeRecord synchronous, as the record sink is. */
function requireDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}

const MVT_LEVEL: Record<Finding["level"], string> = {
  critical: "CRITICAL",
  high: "HIGH",
  medium: "MEDIUM",
  low: "LOW",
  info: "INFORMATIONAL",
};

/** alerts.json in the shape of MVT's (V3) alerts: level, module, message, event_time, event, matched_indicator. */
export function mvtAlerts(findings: ReadonlyArray<Finding & { device?: string }>): unknown[] {
  return findings.map((finding) => ({
    level: MVT_LEVEL[finding.level],
    module: finding.evidence[0]?.artifact.replace(/^ios\//, "").replaceAll("-", "_") ?? finding.rule,
    message: finding.summary,
    event_time: finding.time === undefined ? "" : finding.time.replace("T", " ").replace("Z", ""),
    event: finding.evidence[0]?.record ?? {},
    matched_indicator:
      finding.indicator === undefined
        ? null
        : {
            value: finding.indicator.value,
            type: finding.indicator.type,
            name: finding.indicator.collection,
            stix2_file_name: finding.indicator.source,
          },
    rule: finding.rule,
    ...(finding.device === undefined ? {} : { device: finding.device }),
  }));
}
