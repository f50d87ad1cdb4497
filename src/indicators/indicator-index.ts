/**
 * The one matcher: an index of loaded indicators, built once per run, that answers
 * `match({kind, value})` for every observable kind. Semantics are documented in docs/indicators.md.
 */
import { parse as parseDomain } from "tldts";
import type { ObservableKind } from "../model/observable.js";
import type { Warning } from "../model/warning.js";
import {
  basename,
  cidrContains,
  normalizeDomain,
  normalizeEmail,
  normalizeHash,
  normalizePath,
  normalizeUrl,
  type ParsedCidr,
  type ParsedIp,
  parseCidr,
  parseIp,
} from "./normalize.js";
import type { IndicatorEntry, IndicatorMatch, IndicatorSetInfo, MatchReason } from "./types.js";

/** iOS keeps at most this many characters of a process name (XNU MAXCOMLEN). */
export const PROCESS_NAME_LIMIT = 16;

type Buckets = Map<string, IndicatorEntry[]>;

function put(map: Buckets, key: string, entry: IndicatorEntry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

/** What a value to check looks like; artifacts pass their Observable objects directly. */
export interface ObservedValue {
  kind: ObservableKind;
  value: string;
}

/** The indicator index: lookups by kind, each returning the matches with their reason. */
export class IndicatorIndex {
  readonly sets: readonly IndicatorSetInfo[];
  /** Indicators indexed for matching (after normalisation). */
  size = 0;

  /**
   * Domain names (and freedns zones) with their matches made in advance: `exact` when the host is
   * the name, `subdomain` when the host is under it. Indicators that are public suffixes themselves
   * have no subdomain matches.
   */
  private readonly domains = new Map<string, DomainBucket>();
  /** The same buckets keyed by suffixHash(name), so lookups hash each suffix without slicing it. */
  private readonly domainsByHash = new Map<number, DomainBucket[]>();
  private readonly tlds = new Map<string, IndicatorMatch[]>();
  private readonly ips: Buckets = new Map();
  private readonly cidrs: { cidr: ParsedCidr; entry: IndicatorEntry }[] = [];
  private readonly urls: Buckets = new Map();
  private readonly emails: Buckets = new Map();
  private readonly processes: Buckets = new Map();
  /** Process indicators longer than the limit, keyed by their first PROCESS_NAME_LIMIT characters. */
  private readonly truncatedProcesses: Buckets = new Map();
  private readonly paths: Buckets = new Map();
  private readonly relativePaths: { path: string; entry: IndicatorEntry }[] = [];
  private readonly fileNames: Buckets = new Map();
  private readonly hashes: Buckets = new Map();
  private readonly appIds: Buckets = new Map();
  private readonly profileIds: Buckets = new Map();
  private readonly certSha1: Buckets = new Map();

  constructor(sets: readonly IndicatorSetInfo[] = []) {
    this.sets = sets;
  }

  /** Adds one indicator; returns a warning when its value cannot be used for its type. */
  add(entry: IndicatorEntry): Warning | undefined {
    const problem = this.insert(entry);
    if (problem === undefined) {
      this.size++;
      return undefined;
    }
    return {
      code: "BAD_INDICATOR",
      message: `${entry.id ?? entry.type} "${truncate(entry.value)}" in "${entry.collection}": ${problem}`,
      file: entry.source,
    };
  }

  private insert(entry: IndicatorEntry): string | undefined {
    const { type, value } = entry;
    switch (type) {
      case "domain-name":
      case "freedns-zone":
      case "tld":
        return this.insertDomain(entry);
      case "ipv4-addr":
      case "ipv6-addr":
        return this.insertIp(value, entry);
      case "url": {
        const url = normalizeUrl(value);
        if (url === undefined) return "not a URL";
        put(this.urls, url.href, entry);
        return undefined;
      }
      case "email-addr": {
        const email = normalizeEmail(value);
        if (email === undefined) return "not an e-mail address";
        put(this.emails, email, entry);
        return undefined;
      }
      case "process:name": {
        const name = value.trim();
        if (name === "") return "empty process name";
        put(this.processes, name, entry);
        if (name.length > PROCESS_NAME_LIMIT) {
          put(this.truncatedProcesses, name.slice(0, PROCESS_NAME_LIMIT), entry);
        }
        return undefined;
      }
      case "file:name": {
        const name = value.trim();
        if (name === "") return "empty file name";
        // A "name" with a slash is a path (Pegasus lists one); a basename could never equal it.
        if (name.includes("/")) return this.insertPath(name, entry);
        put(this.fileNames, name, entry);
        return undefined;
      }
      case "file:path":
        return this.insertPath(value, entry);
      case "file:hashes.md5":
      case "file:hashes.sha1":
      case "file:hashes.sha256":
        return this.insertHash(this.hashes, entry);
      case "app:cert.sha1":
      case "x509-certificate:hashes.sha1":
        return this.insertHash(this.certSha1, entry);
      case "app:id":
        return this.insertLower(this.appIds, entry);
      case "configuration-profile:id":
        return this.insertLower(this.profileIds, entry);
      case "app:cert.md5":
      case "app:cert.sha256":
      case "x509-certificate:hashes.sha256":
      case "android-property:name":
      case "name-server":
        // Loaded and counted; no iOS observable carries these yet.
        return value.trim() === "" ? "empty value" : undefined;
    }
  }

  private insertDomain(entry: IndicatorEntry): string | undefined {
    let text = entry.value.trim();
    if (entry.type === "tld") text = text.replace(/^\.+/, "");
    const slash = text.search(/[/?#]/);
    // Coruna lists `host/path` as a domain: the host is what a domain indicator can mean.
    if (slash > 0 && entry.type === "domain-name") text = text.slice(0, slash);
    const ip = parseIp(text);
    if (ip !== undefined) return this.insertIp(text, entry);
    const host = normalizeDomain(text);
    if (host === undefined) return "not a domain name";
    if (entry.type === "tld") {
      const list = this.tlds.get(host) ?? [];
      list.push(toMatch(entry, "tld"));
      this.tlds.set(host, list);
      return undefined;
    }
    let bucket = this.domains.get(host);
    if (bucket === undefined) {
      bucket = { name: host, exact: [], subdomain: [] };
      this.domains.set(host, bucket);
      const hash = suffixHash(host);
      const sameHash = this.domainsByHash.get(hash);
      if (sameHash === undefined) this.domainsByHash.set(hash, [bucket]);
      else sameHash.push(bucket);
    }
    if (entry.type === "freedns-zone") {
      bucket.exact.push(toMatch(entry, "freedns-zone"));
      bucket.subdomain.push(toMatch(entry, "freedns-zone"));
      return undefined;
    }
    bucket.exact.push(toMatch(entry, "exact"));
    const parsed = parseDomain(host, { allowPrivateDomains: true, extractHostname: false });
    // An indicator that is a public suffix (appspot.com, co.uk) would match unrelated sites under it.
    if (parsed.publicSuffix !== host && host.includes("."))
      bucket.subdomain.push(toMatch(entry, "subdomain"));
    return undefined;
  }

  private insertIp(value: string, entry: IndicatorEntry): string | undefined {
    const cidr = parseCidr(value.trim());
    if (cidr === undefined) return "not an IP address or CIDR range";
    const width = cidr.family === 4 ? 32 : 128;
    if (cidr.bits === width) put(this.ips, cidr.text.slice(0, cidr.text.lastIndexOf("/")), entry);
    else this.cidrs.push({ cidr, entry });
    return undefined;
  }

  private insertPath(value: string, entry: IndicatorEntry): string | undefined {
    const path = normalizePath(value);
    if (path === undefined) return "not a path";
    if (path.path === "/") return "the root folder would match every file";
    if (path.absolute) put(this.paths, path.path, entry);
    else this.relativePaths.push({ path: path.path, entry });
    return undefined;
  }

  private insertHash(map: Buckets, entry: IndicatorEntry): string | undefined {
    const hash = normalizeHash(entry.value);
    if (hash === undefined) return "not an MD5, SHA-1 or SHA-256 digest";
    put(map, hash, entry);
    return undefined;
  }

  private insertLower(map: Buckets, entry: IndicatorEntry): string | undefined {
    const text = entry.value.trim().toLowerCase();
    if (text === "") return "empty value";
    put(map, text, entry);
    return undefined;
  }

  /**
   * The indicators an observed value matches (empty when none), each with the reason. The array
   * and its matches are shared between calls (frozen): copy them before changing anything.
   */
  /** False when no loaded indicator can match an observable of this kind. */
  covers(kind: ObservedValue["kind"]): boolean {
    switch (kind) {
      case "domain":
        return this.domains.size > 0 || this.tlds.size > 0 || this.ips.size > 0 || this.cidrs.length > 0;
      case "path":
        return (
          this.paths.size > 0 ||
          this.relativePaths.length > 0 ||
          this.fileNames.size > 0 ||
          this.processes.size > 0
        );
      default:
        return true;
    }
  }

  match(observed: ObservedValue): readonly IndicatorMatch[] {
    const { value } = observed;
    if (observed.kind === "domain") return this.matchDomain(value);
    // Most observables of a scan are paths, and most indicator sets name no paths.
    if (observed.kind === "path" && !this.covers("path")) return NO_MATCHES;
    const out = new MatchList();
    switch (observed.kind) {
      case "url":
        this.matchUrl(value, out);
        break;
      case "ip":
        this.matchIp(value, out);
        break;
      case "email":
        out.add(entriesOf(this.emails, normalizeEmail(value)), "exact");
        break;
      case "process":
        this.matchProcess(value, out);
        break;
      case "path":
        this.matchPath(value, out);
        break;
      case "file-name":
        out.add(entriesOf(this.fileNames, value.trim()), "exact");
        break;
      case "app-id":
        out.add(entriesOf(this.appIds, value.trim().toLowerCase()), "exact");
        break;
      case "profile-id":
        out.add(entriesOf(this.profileIds, value.trim().toLowerCase()), "exact");
        break;
      case "hash":
        out.add(entriesOf(this.hashes, normalizeHash(value)), "exact");
        break;
      case "cert-sha1":
        out.add(entriesOf(this.certSha1, normalizeHash(value)), "exact");
        break;
    }
    return out.list;
  }

  /** True when the value matches anything; the fast path for large scans. */
  matches(observed: ObservedValue): boolean {
    return this.match(observed).length > 0;
  }

  /** Domain matching; the returned array is shared and must not be changed. */
  private matchDomain(value: string): readonly IndicatorMatch[] {
    const last = value.charCodeAt(value.length - 1);
    if (last >= 48 && last <= 57 && (this.ips.size > 0 || this.cidrs.length > 0)) {
      const ip = parseIp(value);
      if (ip !== undefined) {
        const out = new MatchList();
        this.matchParsedIp(ip, out);
        return out.list;
      }
    }
    // Most values are already normal; scanDomain says when one is not, and it is normalised first.
    let host = value;
    let found = this.scanDomain(host);
    if (found === undefined) {
      const normal = normalizeDomain(value);
      if (normal === undefined) {
        const out = new MatchList();
        if (value.includes(":") || /^\[?[\d.]+\]?$/.test(value.trim())) this.matchIp(value, out);
        return out.list;
      }
      host = normal;
      if (parseIp(host) !== undefined) return this.matchDomain(host);
      found = this.scanDomain(host) ?? NO_MATCHES;
    }
    if (this.tlds.size > 0)
      found = concat(found, this.tlds.get(host.slice(host.lastIndexOf(".") + 1)) ?? NO_MATCHES);
    return found;
  }

  /**
   * Looks up every dot-separated suffix of `host` in one pass from right to left: at each label
   * boundary `hash` covers host[i..], so suffixes are found by number without making strings of
   * them. Longer suffixes come first in the result. Undefined when `host` is not in normal form
   * (lower-case ASCII letters, digits, `-`, `_`, non-empty labels, at most 253 characters).
   */
  private scanDomain(host: string): readonly IndicatorMatch[] | undefined {
    const length = host.length;
    if (length === 0 || length > 253) return undefined;
    let found: readonly IndicatorMatch[] = NO_MATCHES;
    let hash = FNV_OFFSET;
    let labelLength = 0;
    for (let i = length - 1; i >= 0; i--) {
      const c = host.charCodeAt(i);
      if (c === 46) {
        if (labelLength === 0) return undefined;
        labelLength = 0;
      } else if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45 || c === 95) {
        labelLength++;
      } else {
        return undefined;
      }
      hash = Math.imul(hash ^ c, FNV_PRIME);
      if (c === 46 || (i !== 0 && host.charCodeAt(i - 1) !== 46)) continue;
      const buckets = this.domainsByHash.get(hash >> 1);
      if (buckets === undefined) continue;
      for (const bucket of buckets) {
        if (bucket.name.length !== length - i || !host.endsWith(bucket.name)) continue;
        found = concat(i === 0 ? bucket.exact : bucket.subdomain, found);
      }
    }
    return labelLength === 0 ? undefined : found;
  }

  private matchIp(value: string, out: MatchList): void {
    const ip = parseIp(value);
    if (ip !== undefined) this.matchParsedIp(ip, out);
  }

  private matchParsedIp(ip: ParsedIp, out: MatchList): void {
    out.add(entriesOf(this.ips, ip.text), "exact");
    for (const { cidr, entry } of this.cidrs)
      if (cidrContains(cidr, ip)) out.list.push(toMatch(entry, "cidr"));
  }

  private matchUrl(value: string, out: MatchList): void {
    const url = normalizeUrl(value);
    if (url === undefined) return;
    if (url.protocol === "mailto:") {
      out.add(entriesOf(this.emails, normalizeEmail(value)), "exact");
      return;
    }
    out.add(entriesOf(this.urls, url.href), "exact");
    const host = url.hostname;
    if (host.startsWith("[")) this.matchIp(host, out);
    else if (host !== "") out.list.push(...this.matchDomain(host));
  }

  private matchProcess(value: string, out: MatchList): void {
    const name = basename(value.trim());
    out.add(entriesOf(this.processes, name), "exact");
    if (name.length === PROCESS_NAME_LIMIT)
      out.add(entriesOf(this.truncatedProcesses, name), "truncated-name");
  }

  private matchPath(value: string, out: MatchList): void {
    const path = normalizePath(value);
    if (path === undefined) return;
    const p = path.path;
    if (path.absolute) {
      out.add(entriesOf(this.paths, p), "exact");
      for (let slash = p.lastIndexOf("/"); slash > 0; slash = p.lastIndexOf("/", slash - 1)) {
        out.add(entriesOf(this.paths, p.slice(0, slash)), "prefix");
      }
    }
    for (const relative of this.relativePaths) {
      const suffix = relative.path;
      const bounded = p === suffix || p.endsWith(`/${suffix}`);
      if (bounded) out.list.push(toMatch(relative.entry, "suffix"));
      else if (p.startsWith(`${suffix}/`) || p.includes(`/${suffix}/`))
        out.list.push(toMatch(relative.entry, "prefix"));
    }
    const name = basename(p);
    out.add(entriesOf(this.fileNames, name), "basename");
    out.add(entriesOf(this.processes, name), "process-basename");
  }
}

function toMatch(entry: IndicatorEntry, reason: MatchReason): IndicatorMatch {
  return {
    indicator: entry.value,
    type: entry.type,
    collection: entry.collection,
    source: entry.source,
    reason,
  };
}

const NO_MATCHES: readonly IndicatorMatch[] = Object.freeze([]);

/** The matches of one lookup, collected from several tables. */
class MatchList {
  readonly list: IndicatorMatch[] = [];

  add(entries: readonly IndicatorEntry[] | undefined, reason: MatchReason): void {
    if (entries !== undefined) for (const entry of entries) this.list.push(toMatch(entry, reason));
  }
}

function entriesOf(map: Buckets, key: string | undefined): IndicatorEntry[] | undefined {
  return key === undefined ? undefined : map.get(key);
}

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 16777619;

/** FNV-1a of `text` read from its end, shifted to 31 bits so Map keys stay small integers. */
function suffixHash(text: string): number {
  let hash = FNV_OFFSET;
  for (let i = text.length - 1; i >= 0; i--) hash = Math.imul(hash ^ text.charCodeAt(i), FNV_PRIME);
  return hash >> 1;
}

/** A domain indicator's matches, made once: for the name itself and for names under it. */
interface DomainBucket {
  name: string;
  exact: IndicatorMatch[];
  subdomain: IndicatorMatch[];
}

function concat(a: readonly IndicatorMatch[], b: readonly IndicatorMatch[]): readonly IndicatorMatch[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  return Object.freeze([...a, ...b]);
}

function truncate(value: string): string {
  return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

/** Builds an index from entries; unusable values become warnings. */
export function buildIndicatorIndex(
  entries: Iterable<IndicatorEntry>,
  options: { sets?: readonly IndicatorSetInfo[]; warnings?: Warning[] } = {},
): IndicatorIndex {
  const index = new IndicatorIndex(options.sets ?? []);
  for (const entry of entries) {
    const warning = index.add(entry);
    if (warning !== undefined) options.warnings?.push(warning);
  }
  return index;
}
