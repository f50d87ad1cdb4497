/**
 * Normalisation shared by indicators and observed values, so both sides are compared in one form:
 * domains (case, trailing dot, IDN to punycode), IP addresses and CIDR ranges, URLs (WHATWG
 * parsing plus percent-encoding normalisation), e-mail addresses and iOS device paths.
 */
import { domainToASCII } from "node:url";

const PLAIN_HOST = /^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$/;

/** A host name in comparison form (lower case, no trailing dot, punycode), or undefined if not a host. */
export function normalizeDomain(value: string): string | undefined {
  if (PLAIN_HOST.test(value)) return value;
  let host = value.trim().toLowerCase();
  while (host.endsWith(".")) host = host.slice(0, -1);
  if (host.startsWith("*.")) host = host.slice(2);
  if (host === "" || host.length > 253) return undefined;
  if (PLAIN_HOST.test(host)) return host;
  const ascii = domainToASCII(host);
  return ascii !== "" && PLAIN_HOST.test(ascii) ? ascii : undefined;
}

/** A parsed IPv4 or IPv6 address: its family, canonical text and numeric value. */
export interface ParsedIp {
  family: 4 | 6;
  /** Canonical text: dotted quad, or RFC 5952 form for IPv6 (IPv4-mapped IPv6 becomes IPv4). */
  text: string;
  value: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Parses an IPv4 or IPv6 address (brackets allowed around IPv6); undefined when it is neither. */
export function parseIp(input: string): ParsedIp | undefined {
  let text = input.trim();
  const v4 = IPV4.exec(text);
  if (v4 !== null) {
    let value = 0n;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(v4[i]);
      if (octet > 255) return undefined;
      value = (value << 8n) | BigInt(octet);
    }
    return { family: 4, text: ipv4Text(value), value };
  }
  if (text.startsWith("[") && text.endsWith("]")) text = text.slice(1, -1);
  if (!text.includes(":") || text.includes("%") || text.length > 45) return undefined;
  let canonical: string;
  try {
    canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const value = ipv6Value(canonical);
  if (value === undefined) return undefined;
  if (value >> 32n === 0xffffn) {
    const v4value = value & 0xffffffffn;
    return { family: 4, text: ipv4Text(v4value), value: v4value };
  }
  return { family: 6, text: canonical, value };
}

function ipv4Text(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 255n)).join(".");
}

/** The 128-bit value of a canonical IPv6 text (as WHATWG URL prints it: hex groups, `::` at most once). */
function ipv6Value(canonical: string): bigint | undefined {
  const [head = "", tail] = canonical.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const missing = 8 - headGroups.length - tailGroups.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  const groups = [...headGroups, ...new Array<string>(missing).fill("0"), ...tailGroups];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  return value;
}

/** A CIDR range `address/bits`; a bare address is a range of one. */
export interface ParsedCidr {
  family: 4 | 6;
  network: bigint;
  bits: number;
  text: string;
}

/** Parses `a.b.c.d/n` or `v6/n` (host bits are cleared); undefined when invalid. */
export function parseCidr(input: string): ParsedCidr | undefined {
  const slash = input.indexOf("/");
  const ip = parseIp(slash < 0 ? input : input.slice(0, slash));
  if (ip === undefined) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  const bitsText = slash < 0 ? String(width) : input.slice(slash + 1).trim();
  if (!/^\d{1,3}$/.test(bitsText)) return undefined;
  let bits = Number(bitsText);
  // An IPv4-mapped IPv6 range keeps its meaning for the IPv4 part.
  if (ip.family === 4 && input.includes(":")) bits -= 96;
  if (bits < 0 || bits > width) return undefined;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(width - bits);
  return { family: ip.family, network: ip.value & mask, bits, text: `${ip.text}/${bits}` };
}

/** True when `ip` lies inside `cidr`. */
export function cidrContains(cidr: ParsedCidr, ip: ParsedIp): boolean {
  if (cidr.family !== ip.family) return false;
  const width = ip.family === 4 ? 32 : 128;
  const shift = BigInt(width - cidr.bits);
  return ip.value >> shift === cidr.network >> shift;
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * A URL in comparison form: WHATWG parsing (scheme and host case, punycode, default port, dot
 * segments), percent-escapes of unreserved characters decoded and the rest upper-cased, fragment
 * dropped (it never leaves the device). Values without a scheme are read as `http://`.
 */
export function normalizeUrl(value: string): URL | undefined {
  const text = value.trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:/i.test(text) ? text : `http://${text}`);
  } catch {
    return undefined;
  }
  url.hash = "";
  if (url.pathname.includes("%")) url.pathname = normalizePercent(url.pathname);
  if (url.search.includes("%")) url.search = normalizePercent(url.search);
  return url;
}

function normalizePercent(text: string): string {
  return text.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const char = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`;
  });
}

/** An e-mail address in comparison form (lower case, `mailto:` and its query removed, percent-decoded). */
export function normalizeEmail(value: string): string | undefined {
  let text = value.trim();
  if (/^mailto:/i.test(text)) {
    text = text.slice(7);
    const query = text.indexOf("?");
    if (query >= 0) text = text.slice(0, query);
    try {
      text = decodeURIComponent(text);
    } catch {
      return undefined;
    }
  }
  text = text.toLowerCase();
  const at = text.lastIndexOf("@");
  if (at <= 0 || at === text.length - 1 || /\s/.test(text)) return undefined;
  return text;
}

/** First components of relative paths that are really absolute device paths written without the slash. */
const ROOT_COMPONENTS = new Set([
  "private",
  "var",
  "tmp",
  "etc",
  "System",
  "usr",
  "bin",
  "sbin",
  "Applications",
  "Developer",
  "cores",
  "data",
]);

/** A path in comparison form: absolute, or relative (to be matched as a suffix); and whether it names a directory. */
export interface NormalizedPath {
  path: string;
  absolute: boolean;
  directory: boolean;
}

/**
 * Normalises a device path: `//` and `.` collapsed, `..` resolved, iOS's symlinked roots mapped onto
 * their targets (`/var` → `/private/var`, `/tmp` → `/private/var/tmp`, `/etc` → `/private/etc`), a
 * missing leading slash restored when the path starts at a root folder (`private/var/…`).
 */
export function normalizePath(value: string): NormalizedPath | undefined {
  const text = value.trim();
  if (text === "" || text.includes("\0")) return undefined;
  const directory = text.endsWith("/");
  const parts: string[] = [];
  for (const part of text.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  if (parts.length === 0)
    return text.startsWith("/") ? { path: "/", absolute: true, directory: true } : undefined;
  const absolute = text.startsWith("/") || ROOT_COMPONENTS.has(parts[0]!);
  if (absolute) {
    if (parts[0] === "var") parts.unshift("private");
    else if (parts[0] === "tmp") parts.unshift("private", "var");
    else if (parts[0] === "etc") parts.unshift("private");
  }
  return { path: (absolute ? "/" : "") + parts.join("/"), absolute, directory };
}

/** The last component of a path (the whole value when it has no slash). */
export function basename(path: string): string {
  const trimmed = path.endsWith("/") ? path.slice(0, -1) : path;
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** A hex digest in comparison form, or undefined when it is not 32, 40 or 64 hex digits. */
export function normalizeHash(value: string): string | undefined {
  const text = value.trim().toLowerCase().replace(/:/g, "");
  return /^([0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/.test(text) ? text : undefined;
}
