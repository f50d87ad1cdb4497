/** Timestamp conversions, done once at parse time; every record carries UTC ISO-8601 strings. */

const COCOA_EPOCH_S = 978_307_200;
const WEBKIT_EPOCH_S = 11_644_473_600;
/** Years outside this range are treated as garbage rather than converted. */
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

function fromMillis(ms: number): string | undefined {
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return undefined;
  return isoFromMillis(ms);
}

const DAY_MS = 86_400_000;
const ZERO = 48;

/**
 * `new Date(ms).toISOString()` for 1970–2100 without a Date: a backup lists hundreds of thousands
 * of files with three times each, and this builds each string flat in one step (civil date from
 * days: H. Hinnant, "chrono-compatible low-level date algorithms").
 */
export function isoFromMillis(ms: number): string {
  const whole = Math.floor(ms);
  const days = Math.floor(whole / DAY_MS);
  let rest = whole - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  return String.fromCharCode(
    ZERO + Math.floor(year / 1000),
    ZERO + (Math.floor(year / 100) % 10),
    ZERO + (Math.floor(year / 10) % 10),
    ZERO + (year % 10),
    45,
    ZERO + Math.floor(month / 10),
    ZERO + (month % 10),
    45,
    ZERO + Math.floor(day / 10),
    ZERO + (day % 10),
    84,
    ZERO + Math.floor(hour / 10),
    ZERO + (hour % 10),
    58,
    ZERO + Math.floor(minute / 10),
    ZERO + (minute % 10),
    58,
    ZERO + Math.floor(second / 10),
    ZERO + (second % 10),
    46,
    ZERO + Math.floor(milli / 100),
    ZERO + (Math.floor(milli / 10) % 10),
    ZERO + (milli % 10),
    90,
  );
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
