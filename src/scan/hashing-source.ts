/** Wraps an EvidenceSource to record the SHA-256 of every file the scan reads (results "inputs"). */
import { createHash } from "node:crypto";
import type { EvidenceEntry, EvidenceSource } from "../readers/types.js";
import { type OpenedDatabase, openSqliteImage } from "../sqlite/open.js";

/** One file the scan read: device path, where it lives in the evidence, size and SHA-256 of the bytes read. */
export interface FileRead {
  path: string;
  origin: string;
  size: number;
  sha256: string;
  /** When `path` was reached through symbolic links of the dump: the device path they led to. */
  target?: string;
  /** The links followed, in order (`link -> target as stored`). */
  links?: string[];
}

/** Returns a source that behaves like `inner` and a list that fills with every file read. */
export function hashingSource(inner: EvidenceSource): {
  source: EvidenceSource;
  reads: Map<string, FileRead>;
} {
  const reads = new Map<string, FileRead>();
  const record = (entry: EvidenceEntry, bytes: Buffer): void => {
    if (!reads.has(entry.path)) {
      reads.set(entry.path, {
        path: entry.path,
        origin: entry.origin,
        size: bytes.length,
        sha256: createHash("sha256").update(bytes).digest("hex"),
        ...(entry.followed === undefined
          ? {}
          : { target: entry.followed.target, links: entry.followed.links }),
      });
    }
  };
  const read = async (entry: EvidenceEntry, options?: { maxBytes?: number }): Promise<Buffer> => {
    const bytes = await inner.read(entry, options);
    record(entry, bytes);
    return bytes;
  };
  const source: EvidenceSource = {
    kind: inner.kind,
    input: inner.input,
    get device() {
      return inner.device;
    },
    get warnings() {
      return inner.warnings;
    },
    ...(inner.backupPlists === undefined ? {} : { backupPlists: inner.backupPlists }),
    entries: () => inner.entries(),
    get: (path) => inner.get(path),
    glob: (pattern) => inner.glob(pattern),
    ...(inner.globThroughLinks === undefined ? {} : { globThroughLinks: inner.globThroughLinks.bind(inner) }),
    read,
    async openDatabase(entry): Promise<OpenedDatabase> {
      const bytes = await read(entry);
      // The sidecar lies beside the file itself, not beside a link to it.
      const walEntry = inner.get(`${entry.followed?.target ?? entry.path}-wal`);
      const wal = walEntry?.present === true && walEntry.kind === "file" ? await read(walEntry) : undefined;
      return openSqliteImage(bytes, { file: entry.path, ...(wal === undefined ? {} : { wal }) });
    },
    close: () => inner.close(),
  };
  return { source, reads };
}
