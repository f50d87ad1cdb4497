/** Coded errors that stop a command; the CLI maps each code to a one-line message and exit status 1. */

export type ErrorCode =
  | "USAGE"
  | "NOT_FOUND"
  | "NOT_A_BACKUP"
  | "AMBIGUOUS_BACKUP"
  | "WRONG_PASSWORD"
  | "PASSWORD_REQUIRED"
  | "BAD_KEY"
  | "CORRUPT"
  | "BUDGET"
  | "UNSUPPORTED"
  | "OUTPUT_EXISTS"
  | "IO"
  | "NETWORK"
  | "INTERNAL";

/** An expected failure with a stable code, a user-facing message and, where known, the file and offset. */
export class SpyglassError extends Error {
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly offset: number | undefined;
  readonly hint: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { file?: string; offset?: number; hint?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SpyglassError";
    this.code = code;
    this.file = options.file;
    this.offset = options.offset;
    this.hint = options.hint;
  }

  /** One line for the terminal: message, file and offset, what to do. */
  toLine(): string {
    const where =
      this.file === undefined
        ? ""
        : ` (${this.file}${this.offset === undefined ? "" : ` at offset ${this.offset}`})`;
    return `${this.message}${where}${this.hint === undefined ? "" : `. ${this.hint}`}`;
  }
}

/** True when `error` is a SpyglassError, optionally with one of the given codes. */
export function isSpyglassError(error: unknown, ...codes: ErrorCode[]): error is SpyglassError {
  return error instanceof SpyglassError && (codes.length === 0 || codes.includes(error.code));
}
