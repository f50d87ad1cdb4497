/** Timestamp conversions, done once at parse time; every record carries UTC ISO-8601 strings. */

const COCOA_EPOCH_S = 978_307_200;
const WEBKIT_EPOCH_S = 11_644_473_600;
/** Years outside this range are treated as garbage rather than converted. */
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

function fromMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  return new Date(ms).toISOString();
}

function numeric(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) return Number(value);
  return undefined;
}

/** Cocoa / Mac absolute time: seconds since 2001-01-01 UTC (Core Data, plists). 0 and null mean "none". */
export function fromCocoaSeconds(value: unknown): string | undefined {
  const n = numeric(value);
  if (n === undefined || n === 0) return undefined;
  return fromMillis((n + COCOA_EPOCH_S) * 1000);
}

/** Nanoseconds since 2001-01-01 (sms.db since iOS 11); small values are taken as seconds (older sms.db). */
export function fromCocoaNanoseconds(value: unknown): string | undefined {
  if (typeof value === "bigint") return fromCocoaSeconds(Number(value / 1_000_000n) / 1000);
  const n = numeric(value);
  if (n === undefined || n === 0) return undefined;
  return Math.abs(n) > 1e11 ? fromCocoaSeconds(n / 1e9) : fromCocoaSeconds(n);
}

/** WebKit / Chrome time: microseconds since 1601-01-01 UTC. */
export function fromWebkitMicroseconds(value: unknown): string | undefined {
  const n = numeric(value);
  if (n === undefined || n === 0) return undefined;
  return fromMillis((n / 1e6 - WEBKIT_EPOCH_S) * 1000);
}

/** Unix seconds (may be fractional). */
export function fromUnixSeconds(value: unknown): string | undefined {
  const n = numeric(value);
  if (n === undefined || n === 0) return undefined;
  return fromMillis(n * 1000);
}

/** Unix milliseconds. */
export function fromUnixMilliseconds(value: unknown): string | undefined {
  const n = numeric(value);
  if (n === undefined || n === 0) return undefined;
  return fromMillis(n);
}

/** Unix microseconds (Firefox `visits.date`). */
export function fromUnixMicroseconds(value: unknown): string | undefined {
  const n = numeric(value);
  if (n === undefined || n === 0) return undefined;
  return fromMillis(n / 1000);
}

/** A JavaScript Date (from a plist) as ISO, or undefined when invalid or out of range. */
export function fromDate(value: unknown): string | undefined {
  return value instanceof Date ? fromMillis(value.getTime()) : undefined;
}
