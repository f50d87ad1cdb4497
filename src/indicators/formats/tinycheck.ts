/**
 * TinyCheck's IOC JSON (`{"iocs": [{type, value, tag, tlp}]}`, as in AssoEchap's
 * indicators-for-tinycheck.json). Types: ip4addr, ip6addr, cidr, domain, sha1cert, freedns, tld,
 * ns; `snort` rules cannot be evaluated on single values and are counted in one warning.
 */

import type { IndicatorType } from "../types.js";
import { isJsonObject } from "./json.js";
import { EntryCollector, type ParsedIndicatorFile } from "./parsed.js";

const TYPES: Record<string, IndicatorType> = {
  domain: "domain-name",
  freedns: "freedns-zone",
  tld: "tld",
  ns: "name-server",
  sha1cert: "x509-certificate:hashes.sha1",
};

/** True when a decoded JSON value looks like a TinyCheck IOC file. */
export function isTinyCheckFile(value: unknown): boolean {
  return isJsonObject(value) && Array.isArray(value.iocs);
}

/** Reads TinyCheck IOCs; the collection is each entry's tag (e.g. "stalkerware"), else the default. */
export function parseTinyCheck(
  value: unknown,
  source: string,
  options: { defaultCollection: string; maxEntries?: number },
): ParsedIndicatorFile {
  if (!isJsonObject(value) || !Array.isArray(value.iocs))
    throw new Error('not a TinyCheck file (no "iocs" array)');
  const iocs = value.iocs as unknown[];
  const max = options.maxEntries ?? 1_000_000;
  if (iocs.length > max) throw new Error(`${iocs.length} entries exceeds the budget of ${max}`);
  const out = new EntryCollector(source);
  let snort = 0;
  iocs.forEach((ioc, i) => {
    if (!isJsonObject(ioc) || typeof ioc.type !== "string" || typeof ioc.value !== "string") {
      out.warn({ code: "BAD_INDICATOR", message: `entry ${i}: no type or value` });
      return;
    }
    const collection =
      typeof ioc.tag === "string" && ioc.tag.trim() !== "" ? ioc.tag.trim() : options.defaultCollection;
    const kind = ioc.type.toLowerCase();
    if (kind === "snort") {
      snort++;
      return;
    }
    let type = TYPES[kind];
    if (kind === "ip4addr" || kind === "ip6addr" || kind === "cidr") {
      type = ioc.value.includes(":") ? "ipv6-addr" : "ipv4-addr";
    }
    if (type === undefined) {
      out.warn({ code: "BAD_INDICATOR", message: `entry ${i}: unknown type "${ioc.type.slice(0, 40)}"` });
      return;
    }
    out.add(type, ioc.value, { collection });
  });
  if (snort > 0) {
    out.warn({
      code: "BAD_INDICATOR",
      message: `${snort} snort rules skipped: they need packets, not single values`,
    });
  }
  return out.result;
}
