/** What every indicator format decoder returns, and the helpers they share. */
import type { Warning } from "../../model/warning.js";
import type { IndicatorEntry, IndicatorType } from "../types.js";

/** The decoded content of one indicator file. */
export interface ParsedIndicatorFile {
  entries: IndicatorEntry[];
  /** Collection names in the order the file defines them. */
  collections: string[];
  warnings: Warning[];
}

/** How many warnings about single indicators one file may produce before they are folded into a count. */
export const MAX_WARNINGS_PER_FILE = 50;

const CASE_INSENSITIVE = new Set<IndicatorType>([
  "domain-name",
  "email-addr",
  "file:hashes.md5",
  "file:hashes.sha1",
  "file:hashes.sha256",
  "app:id",
  "app:cert.md5",
  "app:cert.sha1",
  "app:cert.sha256",
  "configuration-profile:id",
  "x509-certificate:hashes.sha1",
  "x509-certificate:hashes.sha256",
  "freedns-zone",
  "tld",
  "name-server",
]);

/** Collects entries of one file, dropping repeats of the same value and type within a collection. */
export class EntryCollector {
  readonly result: ParsedIndicatorFile = { entries: [], collections: [], warnings: [] };
  private readonly seen = new Set<string>();
  private readonly collectionNames = new Set<string>();
  private folded = 0;

  constructor(readonly source: string) {}

  collection(name: string): string {
    if (!this.collectionNames.has(name)) {
      this.collectionNames.add(name);
      this.result.collections.push(name);
    }
    return name;
  }

  add(type: IndicatorType, rawValue: string, where: { collection: string; id?: string | undefined }): void {
    const { collection, id } = where;
    const value = rawValue.trim();
    if (value === "") return;
    const key = `${collection}\0${type}\0${CASE_INSENSITIVE.has(type) ? value.toLowerCase() : value}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.collection(collection);
    const entry: IndicatorEntry = { value, type, collection, source: this.source };
    if (id !== undefined) entry.id = id;
    this.result.entries.push(entry);
  }

  warn(warning: Omit<Warning, "file">): void {
    if (this.result.warnings.length < MAX_WARNINGS_PER_FILE) {
      this.result.warnings.push({ ...warning, file: this.source });
      return;
    }
    this.folded++;
    const last = this.result.warnings[MAX_WARNINGS_PER_FILE];
    const message = `${this.folded} more indicator warnings in this file`;
    if (last === undefined) this.result.warnings.push({ code: warning.code, message, file: this.source });
    else last.message = message;
  }
}

/** The digest type for a hex string's length (32 MD5, 40 SHA-1, 64 SHA-256). */
export function digestName(hex: string): "md5" | "sha1" | "sha256" | undefined {
  const text = hex.trim();
  if (!/^[0-9a-fA-F]+$/.test(text)) return undefined;
  if (text.length === 32) return "md5";
  if (text.length === 40) return "sha1";
  if (text.length === 64) return "sha256";
  return undefined;
}
