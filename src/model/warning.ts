/** Problems that do not stop a run: they become data in the results. */

export type WarningCode =
  | "MISSING_PAYLOAD"
  | "SIZE_MISMATCH"
  | "BAD_PADDING"
  | "BAD_METADATA"
  | "BAD_FILE_ID"
  | "UNFINISHED_BACKUP"
  | "UNKNOWN_SCHEMA"
  | "CORRUPT"
  | "BUDGET"
  | "UNSAFE_PATH"
  | "SKIPPED"
  | "BAD_INDICATOR"
  | "INSECURE_OPTION"
  | "OTHER";

/** One problem met while reading evidence or indicators. */
export interface Warning {
  code: WarningCode;
  message: string;
  /** The evidence or indicator file, by device path or input path. */
  file?: string;
  offset?: number;
  /** How many times this problem occurred when it was folded into one warning. */
  count?: number;
}

/** Collects warnings and folds repeats of the same code and file into counts. */
export class WarningList {
  readonly items: Warning[] = [];

  add(warning: Warning): void {
    this.items.push(warning);
  }

  /**
   * Adds to a counted warning for `code` and this message (one line for a thousand missing
   * payloads); different problems under one code stay separate lines.
   */
  count(code: WarningCode, message: (count: number) => string, example?: string): void {
    // The same message for the same count is the same problem.
    let item = this.items.find(
      (w) => w.code === code && w.count !== undefined && w.message === message(w.count),
    );
    if (item === undefined) {
      item = { code, message: "", count: 0 };
      this.items.push(item);
    }
    item.count = (item.count ?? 0) + 1;
    item.message = message(item.count);
    if (example !== undefined && item.file === undefined) item.file = example;
  }
}
