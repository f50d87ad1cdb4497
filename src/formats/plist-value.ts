/** The values a property list decodes to, shared by the binary and XML decoders and the writer. */

/** A keyed-archiver object reference (bplist marker 0x8). */
export class PlistUid {
  constructor(readonly index: number) {}
}

export type PlistValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | Uint8Array
  | PlistUid
  | PlistValue[]
  | PlistDict;

export interface PlistDict {
  [key: string]: PlistValue;
}

/** Limits that a plist decoder enforces on hostile input. */
export interface PlistBudget {
  /** Largest input accepted, in bytes. */
  maxBytes: number;
  /** Most values produced in total (stops reference fan-out blow-ups). */
  maxValues: number;
  /** Deepest nesting of arrays and dictionaries. */
  maxDepth: number;
  /** Longest time spent decoding one plist, in milliseconds. */
  maxMillis: number;
}

export const DEFAULT_PLIST_BUDGET: PlistBudget = {
  maxBytes: 256 * 1024 * 1024,
  maxValues: 2_000_000,
  maxDepth: 256,
  maxMillis: 10_000,
};

/** A dictionary key for any decoded value (keys are strings in valid plists; hostile ones may not be). */
export function keyString(value: PlistValue): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  if (value === null) return "null";
  if (value instanceof PlistUid) return `UID(${value.index})`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  return Array.isArray(value) ? "[array]" : value instanceof Uint8Array ? "[data]" : "[dictionary]";
}

/** True for a plain dictionary value (not an array, date, data or UID). */
export function isPlistDict(value: PlistValue | undefined): value is PlistDict {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array) &&
    !(value instanceof PlistUid)
  );
}
