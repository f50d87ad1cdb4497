/**
 * MISP JSON event exports (`{"Event": {...}}`, `{"response": [{"Event": …}]}` or an array of
 * them; MISP core format RFC draft). Each event is a collection named by its `info`; attributes
 * inside the event and inside its objects become indicators.
 */
import type { IndicatorType } from "../types.js";
import { isJsonObject } from "./json.js";
import { EntryCollector, type ParsedIndicatorFile } from "./parsed.js";

/** The events of a MISP export, or undefined when the value is not one. */
export function mispEvents(value: unknown): Record<string, unknown>[] | undefined {
  const list = Array.isArray(value)
    ? value
    : isJsonObject(value) && Array.isArray(value.response)
      ? value.response
      : [value];
  const events: Record<string, unknown>[] = [];
  for (const item of list) {
    if (!isJsonObject(item) || !isJsonObject(item.Event)) return undefined;
    events.push(item.Event);
  }
  return events.length === 0 ? undefined : events;
}

const SIMPLE: Record<string, IndicatorType> = {
  domain: "domain-name",
  hostname: "domain-name",
  "ip-dst": "ipv4-addr",
  "ip-src": "ipv4-addr",
  url: "url",
  link: "url",
  email: "email-addr",
  "email-src": "email-addr",
  "email-dst": "email-addr",
  "email-reply-to": "email-addr",
  "whois-registrant-email": "email-addr",
  md5: "file:hashes.md5",
  sha1: "file:hashes.sha1",
  sha256: "file:hashes.sha256",
  filename: "file:name",
  "x509-fingerprint-sha1": "x509-certificate:hashes.sha1",
  "x509-fingerprint-sha256": "x509-certificate:hashes.sha256",
  "mobile-application-id": "app:id",
};

/** Reads a MISP export; unsupported attribute types are counted in one warning per file. */
export function parseMisp(
  value: unknown,
  source: string,
  options: { maxAttributes?: number } = {},
): ParsedIndicatorFile {
  const events = mispEvents(value);
  if (events === undefined) throw new Error("not a MISP event export");
  const out = new EntryCollector(source);
  const max = options.maxAttributes ?? 1_000_000;
  let seen = 0;
  const unsupported = new Map<string, number>();
  for (const event of events) {
    const name =
      typeof event.info === "string" && event.info.trim() !== ""
        ? event.info.trim()
        : `MISP event ${String(event.uuid ?? event.id ?? "")}`.trim();
    out.collection(name);
    const attributes: unknown[] = Array.isArray(event.Attribute) ? [...event.Attribute] : [];
    if (Array.isArray(event.Object)) {
      for (const object of event.Object) {
        if (isJsonObject(object) && Array.isArray(object.Attribute))
          for (const attribute of object.Attribute) attributes.push(attribute);
      }
    }
    for (const attribute of attributes) {
      seen++;
      if (seen > max) throw new Error(`more than ${max} attributes`);
      if (
        !isJsonObject(attribute) ||
        typeof attribute.type !== "string" ||
        typeof attribute.value !== "string"
      ) {
        continue;
      }
      const id = typeof attribute.uuid === "string" ? attribute.uuid : undefined;
      if (
        !addAttribute(out, { type: attribute.type, value: attribute.value, where: { collection: name, id } })
      ) {
        unsupported.set(attribute.type, (unsupported.get(attribute.type) ?? 0) + 1);
      }
    }
  }
  if (unsupported.size > 0) {
    const list = [...unsupported].map(([type, n]) => `${type} (${n})`).join(", ");
    out.warn({ code: "BAD_INDICATOR", message: `attribute types not used: ${list.slice(0, 300)}` });
  }
  return out.result;
}

/** Adds one attribute's indicators; false when its type is not one we use. */
function addAttribute(
  out: EntryCollector,
  attribute: { type: string; value: string; where: { collection: string; id: string | undefined } },
): boolean {
  const { type, value, where } = attribute;
  const ip = (text: string): IndicatorType => (text.includes(":") ? "ipv6-addr" : "ipv4-addr");
  const simple = SIMPLE[type];
  if (simple !== undefined) {
    const resolved =
      simple === "ipv4-addr"
        ? ip(value)
        : simple === "file:name" && value.includes("/")
          ? "file:path"
          : simple;
    out.add(resolved, value, where);
    return true;
  }
  const [left = "", right = ""] = value.split("|");
  switch (type) {
    case "domain|ip":
      out.add("domain-name", left, where);
      out.add(ip(right), right, where);
      return true;
    case "hostname|port":
      out.add("domain-name", left, where);
      return true;
    case "ip-dst|port":
    case "ip-src|port":
      out.add(ip(left), left, where);
      return true;
    case "filename|md5":
    case "filename|sha1":
    case "filename|sha256": {
      const digest = type.slice(9) as "md5" | "sha1" | "sha256";
      out.add(left.includes("/") ? "file:path" : "file:name", left, where);
      out.add(`file:hashes.${digest}`, right, where);
      return true;
    }
  }
  return false;
}
