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
  | "UNREADABLE"
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
  /**
   * The evidence listing itself is incomplete or unreliable (a corrupt backup index): no verdict
   * can say "no known traces", so the scan verdict becomes incomplete.
   */
  important?: boolean;
}

/** A warning on one line: its message, then its file (and offset) unless the message already names it. */
export function warningLine(warning: Warning): string {
  const { file, offset } = warning;
  if (file === undefined || warning.message.includes(file)) return warning.message;
  return `${warning.message} (${file}${offset === undefined ? "" : ` at offset ${offset}`})`;
}

/** Collects warnings and folds repeats of the same problem into counts. */
export class WarningList {
  readonly items: Warning[] = [];
  /** Counted warnings by code and wording, so that each reason keeps its own count and example. */
  private readonly counted = new Map<string, Warning>();

  add(warning: Warning): void {
    this.items.push(warning);
  }

  /**
   * Adds to the counted warning for `code` and this reason (one line for a thousand missing
   * payloads). Repeats fold when the code and the wording agree: the wording is the message as
   * written for a fixed count, so two reasons under one code never share a count or an example.
   */
  count(code: WarningCode, message: (count: number) => string, example?: string): void {
    const key = `${code}\n${message(0)}`;
    let item = this.counted.get(key);
    if (item === undefined) {
      item = { code, message: "", count: 0 };
      this.counted.set(key, item);
      this.items.push(item);
    }
    item.count = (item.count ?? 0) + 1;
    item.message = message(item.count);
    if (example !== undefined && item.file === undefined) item.file = example;
  }
}
