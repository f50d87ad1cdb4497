/** Runs artifact definitions in tests: over in-memory files, or one SQLite input parsed directly. */
import type {
  ArtifactDefinition,
  ArtifactRecord,
  ArtifactStatus,
  ParseContext,
} from "../artifacts/define.js";
import { runArtifact } from "../artifacts/run.js";
import type { Warning } from "../model/warning.js";
import { openSqliteImage } from "../sqlite/open.js";
import { type MemoryFile, type MemoryMeta, memorySource, sqliteImage } from "./memory-source.js";

/** What one artifact produced from in-memory evidence: its status, the records, and their data. */
export interface CollectedRun<R> {
  status: ArtifactStatus;
  records: ArtifactRecord<R>[];
  data: R[];
}

/** Runs `definition` through the real engine over the given files (see memorySource). */
export async function collectArtifact<R>(
  definition: ArtifactDefinition<R>,
  files: Parameters<typeof memorySource>[0] | Record<string, MemoryFile | [MemoryFile, MemoryMeta]>,
  options: Parameters<typeof memorySource>[1] = {},
): Promise<CollectedRun<R>> {
  const records: ArtifactRecord<R>[] = [];
  const status = await runArtifact(memorySource(files, options), definition as ArtifactDefinition, (record) =>
    records.push(record as ArtifactRecord<R>),
  );
  return { status, records, data: records.map((r) => r.data) };
}

/** Parses a database built from `sql` with the definition's sqlite input directly, collecting warnings. */
export function parseSqliteInput<R>(
  definition: ArtifactDefinition<R>,
  sql: string,
  path: string,
): { records: R[]; warnings: Omit<Warning, "file">[] } {
  const input = definition.input;
  if (input.kind !== "sqlite") throw new Error(`${definition.id} does not read SQLite`);
  const warnings: Omit<Warning, "file">[] = [];
  const context: ParseContext = {
    file: { path, kind: "file", size: 0, origin: path, present: true },
    warn: (warning) => warnings.push(warning),
  };
  const { db } = openSqliteImage(sqliteImage(sql));
  try {
    return { records: [...input.parse(db, context)], warnings };
  } finally {
    db.close();
  }
}
