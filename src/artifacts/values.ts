/** Coercion of hostile SQLite and plist values into record fields, shared by every artifact. */

/** Longest text a record stores (characters); longer text is cut and flagged. */
export const MAX_TEXT = 64 * 1024;

/** A string from a SQLite or plist value: strings as they are, numbers written out, bytes as UTF-8. */
export function asText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  return undefined;
}

/** A non-empty string from a SQLite or plist value, else undefined. */
export function asNonEmpty(value: unknown): string | undefined {
  const text = asText(value);
  return text === undefined || text === "" ? undefined : text;
}

/** A finite number (numeric strings accepted; -0, which JSON cannot keep, becomes 0), else undefined. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value + 0 : undefined;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "") {
    const n = Number(value);
    return Number.isFinite(n) ? n + 0 : undefined;
  }
  return undefined;
}

/** An integer id (rowid, foreign key), else undefined. */
export function asInteger(value: unknown): number | undefined {
  const n = asNumber(value);
  return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
}

/** A boolean from a SQLite flag column or a plist boolean (non-zero is true), else undefined. */
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === "boolean") return value;
  const n = asNumber(value);
  return n === undefined ? undefined : n !== 0;
}

/** Text cut to `limit` characters, with whether it was cut. */
export function capText(text: string, limit = MAX_TEXT): { text: string; truncated: boolean } {
  return text.length <= limit ? { text, truncated: false } : { text: text.slice(0, limit), truncated: true };
}

/** Copies the defined values of `fields` onto `target` (records stay free of undefined under exactOptionalPropertyTypes). */
export function assignDefined<T extends object>(target: T, fields: { [K in keyof T]?: T[K] | undefined }): T {
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}
