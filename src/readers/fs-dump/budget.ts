/** Limits on reading one file-system dump; evidence is hostile, so every pass is bounded. */

export interface FsDumpBudget {
  /** Members indexed (directories included). */
  maxEntries: number;
  /** Sum of the declared sizes of all members. */
  maxTotalBytes: number;
  /** Default and largest size of one `read()` or database. */
  maxFileBytes: number;
  /** Bytes of .tar.gz members kept in memory during indexing. */
  maxRetainedBytes: number;
  /** Wall-clock time for the indexing pass. */
  maxIndexMillis: number;
  /** Largest uncompressed:compressed ratio accepted for a zip member above `ratioFloorBytes`. */
  maxZipRatio: number;
  /** Members smaller than this are not checked against `maxZipRatio`. */
  ratioFloorBytes: number;
  /** Largest GNU long name, pax header or symlink target read into memory. */
  maxMetadataBytes: number;
  /** Symlinks followed for one read. */
  maxLinkHops: number;
}

/** Defaults sized for real dumps (millions of files, databases up to 2 GiB). */
export const DEFAULT_FS_DUMP_BUDGET: FsDumpBudget = {
  maxEntries: 5_000_000,
  maxTotalBytes: 4 * 1024 ** 4,
  maxFileBytes: 2 * 1024 ** 3 - 1,
  maxRetainedBytes: 1024 ** 3,
  maxIndexMillis: 2 * 60 * 60 * 1000,
  maxZipRatio: 1000,
  ratioFloorBytes: 16 * 1024 ** 2,
  maxMetadataBytes: 1024 ** 2,
  maxLinkHops: 16,
};

/** Tracks the entry, size and time budgets of one indexing pass; `exceeded` says which ran out first. */
export class IndexMeter {
  entries = 0;
  totalBytes = 0;
  private readonly startedAt = Date.now();

  constructor(private readonly budget: FsDumpBudget) {}

  /** Counts one member; returns a message when a budget is exhausted. */
  count(size: number): string | undefined {
    this.entries += 1;
    this.totalBytes += size;
    if (this.entries > this.budget.maxEntries) {
      return `more than ${this.budget.maxEntries} entries; the rest of the dump was not indexed`;
    }
    if (this.totalBytes > this.budget.maxTotalBytes) {
      return `declared sizes exceed ${this.budget.maxTotalBytes} bytes; the rest of the dump was not indexed`;
    }
    if ((this.entries & 0x3ff) === 0 && Date.now() - this.startedAt > this.budget.maxIndexMillis) {
      return `indexing took longer than ${this.budget.maxIndexMillis} ms; the rest of the dump was not indexed`;
    }
    return undefined;
  }
}
