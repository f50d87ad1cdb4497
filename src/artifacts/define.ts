/**
 * The artifact contract: one declarative definition per artifact (STYLE.md "Shape").
 * A definition says which device paths it reads, what SQLite structure it needs, how to turn
 * the input into typed records (a pure parse), what each record lets indicators check, and
 * which time fields become timeline events.
 */
import type { PlistValue } from "../formats/plist-value.js";
import type { Observable, ObservableKind } from "../model/observable.js";
import type { Warning } from "../model/warning.js";
import type { EvidenceEntry, EvidenceKind, EvidenceSource } from "../readers/types.js";
import type { SqliteDatabase } from "../sqlite/open.js";

/** One line of the timeline (MVT columns: UTC Timestamp, Plugin, Event, Description). */
export interface TimelineEvent {
  at: string;
  event: string;
  description: string;
}

/** What a parser gets besides its input: the file it reads and a way to report problems. */
export interface ParseContext {
  /** The entry being parsed (device path, timestamps, origin). */
  file: EvidenceEntry;
  warn(warning: Omit<Warning, "file"> & { file?: string }): void;
}

/** What a `source` artifact gets: it finds its own files, so it also says which of them it could not read. */
export interface SourceContext extends Omit<ParseContext, "file"> {
  /**
   * A file the artifact located could not be read, from the start or from some point on: the
   * warning names the file and why. The status becomes `failed` (no records) or `partial`.
   */
  unreadable(warning: Omit<Warning, "file"> & { file: string }): void;
}

/** How an artifact gets its input from the evidence. */
export type ArtifactInput<R> =
  | {
      kind: "sqlite";
      /** Required tables and columns; when absent the file is reported as an unknown schema, not parsed. */
      schema: Record<string, readonly string[]>;
      parse(db: SqliteDatabase, context: ParseContext): Iterable<R>;
    }
  | { kind: "plist"; parse(value: PlistValue, context: ParseContext): Iterable<R> }
  | { kind: "bytes"; parse(bytes: Buffer, context: ParseContext): Iterable<R> }
  | {
      /** The matched entries themselves (listings, folder names, file timestamps). */
      kind: "entries";
      parse(entries: readonly EvidenceEntry[], context: Omit<ParseContext, "file">): Iterable<R>;
    }
  | {
      /** For the rare artifact that needs several files or the source's own metadata. */
      kind: "source";
      collect(source: EvidenceSource, context: SourceContext): AsyncIterable<R> | Promise<R[]>;
      /**
       * The same records again, by index, straight from the opened source (same order as
       * `collect`): a scan then need not keep hundreds of thousands of them in memory.
       */
      rederive?(source: EvidenceSource): { readonly length: number; at(index: number): R };
    };

/** A self-describing artifact definition; `defineArtifact` keeps the record type. */
export interface ArtifactDefinition<R = unknown> {
  /** Stable id, `ios/<name>`; records go to artifacts/<id>.jsonl (e.g. artifacts/ios/sms.jsonl). */
  id: string;
  title: string;
  description: string;
  /** Evidence kinds that carry this artifact. */
  sources: readonly EvidenceKind[];
  /** Device-path globs read, in order of preference. */
  paths: readonly string[];
  /** iOS versions the parser was written against, e.g. "iOS 14–18". */
  iosVersions: string;
  input: ArtifactInput<R>;
  /**
   * Top-level record fields that hold personal content (message bodies, notes): withheld from
   * artifacts/*.jsonl and reports unless the user asks for content (`--include-content`).
   */
  contentFields?: readonly string[];
  /** Values of a record that indicators can match. */
  observables(record: R): Observable[];
  /**
   * The only kinds `observables` ever returns, when the artifact can say so: indicator matching
   * then skips its records when no loaded indicator is of those kinds.
   */
  observableKinds?: readonly ObservableKind[];
  /** Timeline events of a record (one per meaningful time field). */
  events(record: R): TimelineEvent[];
}

/** Identity helper that infers the record type of a definition. */
export function defineArtifact<R>(definition: ArtifactDefinition<R>): ArtifactDefinition<R> {
  return definition;
}

/** A record as stored in results: the artifact, the file it came from, and the parsed data. */
export interface ArtifactRecord<R = unknown> {
  artifact: string;
  /** Device path of the file read. */
  file: string;
  /** Where that file lives in the evidence (backup domain/path or archive member). */
  origin: string;
  data: R;
}

/**
 * The outcome of one artifact on one source: `found` (every file located was read; records may be
 * 0), `partial` (records were read, then a file failed: the kept records are in the results and a
 * warning says where it stopped), `failed` (files were located but none gave a record: the warnings
 * say why), `not_present` (nothing to read), `not_applicable` (not part of this kind of evidence).
 */
export interface ArtifactStatus {
  id: string;
  status: "found" | "partial" | "failed" | "not_present" | "not_applicable";
  records: number;
  files: string[];
  warnings: Warning[];
}

/**
 * The warning that says why an artifact failed or stopped part-way: the first warning about a file
 * it located (unknown schema, corrupt, over budget) that is not a count of bad rows.
 */
export function failureWarning(status: ArtifactStatus): Warning | undefined {
  return (
    status.warnings.find(
      (w) =>
        (w.code === "CORRUPT" || w.code === "BUDGET" || w.code === "UNKNOWN_SCHEMA") &&
        w.count === undefined &&
        (w.file === undefined || status.files.includes(w.file)),
    ) ?? status.warnings[0]
  );
}
