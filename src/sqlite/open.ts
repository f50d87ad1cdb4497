/**
 * Opens SQLite databases from memory only: evidence files are read into a buffer (decrypted
 * when needed), a WAL sidecar is applied in memory, and SQLite never touches the evidence folder.
 */
import Database from "better-sqlite3";
import { SpyglassError } from "../errors.js";
import { applyWal } from "./wal.js";

export type SqliteDatabase = Database.Database;

const SQLITE_MAGIC = Buffer.from("SQLite format 3\0", "latin1");

/** True when the bytes start with the SQLite header. */
export function isSqlite(bytes: Uint8Array): boolean {
  return bytes.length >= 16 && Buffer.from(bytes.subarray(0, 16)).equals(SQLITE_MAGIC);
}

/** Limits for opening a database image. */
export interface SqliteBudget {
  maxBytes: number;
}

export const DEFAULT_SQLITE_BUDGET: SqliteBudget = { maxBytes: 2 * 1024 * 1024 * 1024 - 1 };

/** What was opened, with how much of a WAL was applied. */
export interface OpenedDatabase {
  db: SqliteDatabase;
  walFramesApplied: number;
  walFramesIgnored: number;
}

/** Opens a read-only in-memory database from an image (and optional WAL sidecar bytes). */
export function openSqliteImage(
  bytes: Buffer,
  options: {
    file?: string;
    wal?: Buffer;
    budget?: Partial<SqliteBudget>;
    /** The caller hands the buffer over: header bytes patched for SQLite are not restored. */
    transfer?: boolean;
  } = {},
): OpenedDatabase {
  const where = options.file === undefined ? {} : { file: options.file };
  const budget = { ...DEFAULT_SQLITE_BUDGET, ...options.budget };
  if (bytes.length > budget.maxBytes) {
    throw new SpyglassError(
      "BUDGET",
      `Database of ${bytes.length} bytes exceeds the ${budget.maxBytes}-byte budget`,
      where,
    );
  }
  if (!isSqlite(bytes)) {
    throw new SpyglassError("CORRUPT", "Not a SQLite database (no SQLite header)", { ...where, offset: 0 });
  }
  // No copy of our own: better-sqlite3 copies the image into SQLite's memory when it opens it.
  let image: Buffer = bytes;
  let walFramesApplied = 0;
  let walFramesIgnored = 0;
  if (options.wal !== undefined && options.wal.length > 0) {
    const result = applyWal(
      image,
      options.wal,
      options.file === undefined ? undefined : `${options.file}-wal`,
    );
    image = result.image;
    walFramesApplied = result.framesApplied;
    walFramesIgnored = result.framesIgnored;
  }
  // Bytes 18-19 = 2 mark WAL mode, which an in-memory database cannot use: SQLite gets the image
  // in rollback mode. A caller's buffer is patched only while SQLite copies it, then restored.
  const walMode = image.length >= 20 && (image[18] === 2 || image[19] === 2);
  const restore =
    walMode && image === bytes && options.transfer !== true ? [image[18]!, image[19]!] : undefined;
  if (walMode) {
    image[18] = 1;
    image[19] = 1;
  }
  let db: SqliteDatabase;
  try {
    try {
      db = new Database(image, { readonly: true });
    } finally {
      if (restore !== undefined) {
        image[18] = restore[0]!;
        image[19] = restore[1]!;
      }
    }
    db.pragma("query_only = ON");
    db.prepare("SELECT count(*) FROM sqlite_master").get();
  } catch (cause) {
    throw new SpyglassError("CORRUPT", `Unreadable SQLite database: ${(cause as Error).message}`, {
      ...where,
      cause,
    });
  }
  return { db, walFramesApplied, walFramesIgnored };
}

/** The columns of each table, lower-cased, for schema checks. */
export function tableColumns(db: SqliteDatabase): Map<string, Set<string>> {
  const tables = new Map<string, Set<string>>();
  const rows = db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table','view')").all() as Array<{
    name: string;
  }>;
  for (const { name } of rows) {
    const columns = db.prepare(`PRAGMA table_info("${name.replaceAll('"', '""')}")`).all() as Array<{
      name: string;
    }>;
    tables.set(name.toLowerCase(), new Set(columns.map((c) => c.name.toLowerCase())));
  }
  return tables;
}

/** Lists the required tables and columns that the database lacks ("TABLE" or "TABLE.COLUMN"). */
export function missingSchema(db: SqliteDatabase, required: Record<string, readonly string[]>): string[] {
  const tables = tableColumns(db);
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(required)) {
    const have = tables.get(table.toLowerCase());
    if (have === undefined) {
      missing.push(table);
      continue;
    }
    for (const column of columns) if (!have.has(column.toLowerCase())) missing.push(`${table}.${column}`);
  }
  return missing;
}
