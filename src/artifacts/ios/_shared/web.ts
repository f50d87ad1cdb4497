/** Helpers shared by the browser and web artifacts (batch B): hostile-value coercion, size caps, path facts. */

import type { Observable } from "../../../model/observable.js";
import { fromUnixSeconds } from "../../../model/time.js";
import { asNumber, asText, MAX_TEXT } from "../../values.js";

export { asBoolean, asInteger, asNumber, asText, MAX_TEXT } from "../../values.js";

/** A record under construction: every field may still be undefined until `compact` drops it. */
export type Loose<T> = { [K in keyof T]: T[K] | undefined };

/** Drops undefined fields (records stay free of undefined under exactOptionalPropertyTypes), and an empty `truncated`. */
export function compact<T extends object>(record: Loose<T>): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (key === "truncated" && Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out as T;
}

/** A capped string from any text-like value; when cut, `field` is pushed onto `truncated`. */
export function cappedText(value: unknown, field: string, truncated: string[]): string | undefined {
  const text = asText(value);
  if (text === undefined || text.length <= MAX_TEXT) return text;
  truncated.push(field);
  return text.slice(0, MAX_TEXT);
}

/** Where a browser file lives: the app container (bundle id in backups, UUID in dumps) and the Safari profile. */
export interface WebLocation {
  /** App data container or app group container that holds the file (bundle/group id in backups, UUID in dumps). */
  container?: string;
  /** Safari profile folder (iOS 17+ `Profiles/<UUID>/`), absent for the default profile. */
  profile?: string;
}

/** Reads the app container and Safari profile out of a canonical device path. */
export function webLocation(path: string): WebLocation {
  const location: WebLocation = {};
  const container =
    /^\/private\/var\/mobile\/Containers\/(?:Data\/Application|Shared\/AppGroup)\/([^/]+)\//.exec(path)?.[1];
  if (container !== undefined) location.container = container;
  const profile = /\/Library\/Safari\/Profiles\/([^/]+)\//.exec(path)?.[1];
  if (profile !== undefined) location.profile = profile;
  return location;
}

/** Unix time whose unit varies by writer: seconds, milliseconds or microseconds, told apart by magnitude. */
export function fromUnixAnyUnit(value: unknown): string | undefined {
  const n = asNumber(value);
  if (n === undefined || n === 0) return undefined;
  const abs = Math.abs(n);
  return fromUnixSeconds(abs > 1e14 ? n / 1e6 : abs > 1e11 ? n / 1e3 : n);
}

/** The host of a URL (lower-cased), or undefined when it has none or does not parse. */
export function hostOf(url: string): string | undefined {
  try {
    const host = new URL(url).hostname;
    return host === "" ? undefined : host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * The origin URL that WebKit encodes in a website-data folder or file name:
 * `https_www.example.com_0` → `https://www.example.com` (port 0 is the scheme's default),
 * `http_localhost_8080` → `http://localhost:8080`. Undefined when the name is not of that form.
 */
export function originFromWebsiteDataName(name: string): string | undefined {
  const match = /^(https?|file)_(.*?)_(\d+)(?:\.localstorage)?$/.exec(name);
  if (match === null) return undefined;
  const [, scheme, host, port] = match;
  if (scheme === undefined || host === undefined || port === undefined) return undefined;
  if (scheme === "file") return "file://";
  if (host === "" || /[\s/\\@]/.test(host)) return undefined;
  return port === "0" ? `${scheme}://${host}` : `${scheme}://${host}:${port}`;
}

/** The page URL and icon URL of a favicon record, as URL observables (Safari and Chrome alike). */
export function pageAndIconObservables(record: { url: string; iconUrl?: string }): Observable[] {
  const found: Observable[] = [{ kind: "url", value: record.url, field: "url" }];
  if (record.iconUrl !== undefined && record.iconUrl !== "")
    found.push({ kind: "url", value: record.iconUrl, field: "iconUrl" });
  return found;
}
