/**
 * The plain-text lists of mvt-indicators and AmnestyTech/investigations: one value per line, the
 * type given by the file name (domains.txt, processes.txt, emails.txt, file_paths.txt, …).
 */
import { parseIp } from "../normalize.js";
import type { IndicatorType } from "../types.js";
import { digestName, EntryCollector, type ParsedIndicatorFile } from "./parsed.js";

/** The kind of values a list file holds, by its name. */
export type PlainListKind =
  | IndicatorType
  | "ip-address"
  /** sha256.txt, md5.txt, …: file hashes, digest from the value's length. */
  | "file-hash"
  /** package_cert_hashes.txt: app signing-certificate digests. */
  | "cert-hash";

/** The list kind of a file name, or undefined when it is not an indicator list we know. */
export function plainListKind(fileName: string): PlainListKind | undefined {
  const name = fileName.toLowerCase();
  if (!name.endsWith(".txt")) return undefined;
  const stem = name.slice(0, -4);
  if (stem === "domains" || /^v\d+_domains$/.test(stem) || stem === "v4_validation_domains")
    return "domain-name";
  if (stem === "ip-addresses" || stem === "ip_addresses" || stem === "ips") return "ip-address";
  if (stem === "emails") return "email-addr";
  if (stem === "processes") return "process:name";
  if (stem === "file_paths") return "file:path";
  if (stem === "file_names" || stem === "files") return "file:name";
  if (stem === "sha256" || stem === "sha1" || stem === "md5" || stem === "hashes") return "file-hash";
  if (stem === "package_names" || stem === "app_ids") return "app:id";
  if (stem === "config_profiles") return "configuration-profile:id";
  if (stem === "package_cert_hashes") return "cert-hash";
  if (stem === "android_properties") return "android-property:name";
  if (stem === "urls") return "url";
  return undefined;
}

/** Reads a list file; blank lines and `#` comments are skipped, unusable lines become warnings. */
export function parsePlainList(
  text: string,
  source: string,
  options: { kind: PlainListKind; collection: string; maxLines?: number },
): ParsedIndicatorFile {
  const out = new EntryCollector(source);
  const lines = text.split(/\r?\n/);
  const maxLines = options.maxLines ?? 1_000_000;
  if (lines.length > maxLines) throw new Error(`${lines.length} lines exceeds the budget of ${maxLines}`);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const type = lineType(options.kind, line);
    if (type === undefined) {
      out.warn({
        code: "BAD_INDICATOR",
        message: `line ${i + 1}: "${line.slice(0, 80)}" is not a ${options.kind}`,
      });
      return;
    }
    out.add(type, line, { collection: options.collection });
  });
  out.collection(options.collection);
  return out.result;
}

function lineType(kind: PlainListKind, line: string): IndicatorType | undefined {
  if (kind === "ip-address") {
    const ip = parseIp(line.split("/")[0] ?? "");
    return ip === undefined ? undefined : ip.family === 4 ? "ipv4-addr" : "ipv6-addr";
  }
  if (kind === "file-hash" || kind === "cert-hash") {
    const digest = digestName(line);
    if (digest === undefined) return undefined;
    return kind === "file-hash" ? `file:hashes.${digest}` : `app:cert.${digest}`;
  }
  return kind;
}
