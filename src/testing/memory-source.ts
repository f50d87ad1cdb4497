/** An in-memory EvidenceSource for tests: files given as bytes, SQL scripts or plist values. */
import { writeBinaryPlist } from "../formats/bplist-writer.js";
import type { PlistValue } from "../formats/plist-value.js";
import { buildSqlitePayload } from "../generate/sqlite-payload.js";
import type { Warning } from "../model/warning.js";
import { globToRegExp } from "../readers/glob.js";
import type { DeviceInfo, EntryKind, EvidenceEntry, EvidenceKind, EvidenceSource } from "../readers/types.js";
import { type OpenedDatabase, openSqliteImage } from "../sqlite/open.js";

/** A file of the fake evidence: raw bytes, a SQL script run into a fresh database, or a plist value. */
export type MemoryFile =
  | Buffer
  | { sql: string }
  | { plist: PlistValue }
  | { dir: true }
  | { symlink: string };

/** Optional file metadata. */
export type MemoryMeta = Partial<
  Pick<EvidenceEntry, "birthAt" | "modifiedAt" | "changedAt" | "mode" | "present">
>;

/** Builds a SQLite database image from a SQL script (the test writes schema and rows). */
export function sqliteImage(sql: string): Buffer {
  return buildSqlitePayload(sql);
}

/** An EvidenceSource over in-memory files keyed by device path. */
export function memorySource(
  files: Record<string, MemoryFile | [MemoryFile, MemoryMeta]>,
  options: {
    kind?: EvidenceKind;
    device?: DeviceInfo;
    input?: string;
    backupPlists?: EvidenceSource["backupPlists"];
  } = {},
): EvidenceSource {
  const entries = new Map<string, { entry: EvidenceEntry; bytes: Buffer }>();
  const addDirs = (path: string): void => {
    const parts = path.split("/");
    for (let i = 2; i < parts.length; i++) {
      const dir = parts.slice(0, i).join("/");
      if (!entries.has(dir)) {
        entries.set(dir, {
          entry: { path: dir, kind: "directory", size: 0, origin: dir, present: true },
          bytes: Buffer.alloc(0),
        });
      }
    }
  };
  for (const [path, spec] of Object.entries(files)) {
    const [file, meta] = Array.isArray(spec) ? spec : [spec, {}];
    let bytes: Buffer = Buffer.alloc(0);
    let kind: EntryKind = "file";
    let linkTarget: string | undefined;
    if (Buffer.isBuffer(file)) bytes = file;
    else if ("sql" in file) bytes = sqliteImage(file.sql);
    else if ("plist" in file) bytes = writeBinaryPlist(file.plist);
    else if ("dir" in file) kind = "directory";
    else {
      kind = "symlink";
      linkTarget = file.symlink;
    }
    addDirs(path);
    entries.set(path, {
      entry: {
        path,
        kind,
        size: bytes.length,
        origin: path,
        present: true,
        ...(linkTarget === undefined ? {} : { linkTarget }),
        ...meta,
      },
      bytes,
    });
  }
  const warnings: Warning[] = [];
  return {
    kind: options.kind ?? "fs-dump",
    input: options.input ?? "memory",
    device: options.device ?? {},
    warnings,
    ...(options.backupPlists === undefined ? {} : { backupPlists: options.backupPlists }),
    entries: () => [...entries.values()].map((e) => e.entry),
    get: (path) => entries.get(path)?.entry,
    glob(pattern) {
      const re = globToRegExp(pattern);
      return [...entries.values()].map((e) => e.entry).filter((e) => re.test(e.path));
    },
    async read(entry) {
      return entries.get(entry.path)?.bytes ?? Buffer.alloc(0);
    },
    async openDatabase(entry): Promise<OpenedDatabase> {
      const main = entries.get(entry.path)?.bytes ?? Buffer.alloc(0);
      const wal = entries.get(`${entry.path}-wal`)?.bytes;
      return openSqliteImage(main, { file: entry.path, ...(wal === undefined ? {} : { wal }) });
    },
    async close() {},
  };
}
