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

/** A host name: dot-separated labels, an alphabetic last label. */
const HOST = /^(?=.{4,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Last labels that, in a device path, are far more often a file extension than a top-level domain. */
const FILE_SUFFIXES = new Set(
  (
    "plist db sqlite sqlitedb sqlite3 wal shm journal lock tmp log txt json xml html htm js css data dat bin " +
    "archive pb ips crash jpg jpeg png heic gif tiff mov mp4 m4a caf aac wav pdf vcf ics aae thm zip gz tar " +
    "app appex bundle framework plugin dylib car nib strings stringsdict lproj storyboardc ttf otf mobileconfig " +
    "pem cer der p12 localstorage indexeddb sinf supp mom omo momd cache savedstate"
  ).split(" "),
);

/** First labels of reverse-DNS identifiers (bundle ids, app groups), which are not host names. */
const REVERSE_DNS = new Set(["com", "org", "net", "io", "group", "systemgroup", "edu", "gov"]);

/**
 * Host names in a path's folder and file names, also inside names joined with `_` such as WebKit's
 * `https_evil.example_0` (MVT's Manifest module checks each `_`-separated part of the path as a URL).
 */
export function hostsInPath(path: string): string[] {
  const hosts: string[] = [];
  for (const token of path.toLowerCase().split(/[/_]/)) {
    const dot = token.lastIndexOf(".");
    if (dot < 1 || !HOST.test(token)) continue;
    if (FILE_SUFFIXES.has(token.slice(dot + 1)) || REVERSE_DNS.has(token.slice(0, token.indexOf("."))))
      continue;
    if (!hosts.includes(token)) hosts.push(token);
  }
  return hosts;
}
