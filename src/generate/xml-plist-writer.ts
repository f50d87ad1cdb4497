/** XML property-list writer (Apple's plist 1.0 DTD), for host files such as the Info.plist that iTunes writes as XML. */
import { isPlistDict, PlistUid, type PlistValue } from "../formats/plist-value.js";

const HEADER =
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
  '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
  '<plist version="1.0">\n';

/** Encodes a value as an XML plist (tab-indented like Apple's writer); UIDs, which XML cannot hold, throw. */
export function writeXmlPlist(root: PlistValue): Buffer {
  const lines: string[] = [];
  emit(root, 0, lines);
  return Buffer.from(`${HEADER}${lines.join("\n")}\n</plist>\n`, "utf8");
}

function emit(value: PlistValue, depth: number, lines: string[]): void {
  const pad = "\t".repeat(depth);
  if (value === null) throw new TypeError("An XML plist cannot hold null");
  if (value instanceof PlistUid) throw new TypeError("An XML plist cannot hold a keyed-archiver UID");
  if (typeof value === "boolean") lines.push(`${pad}<${value}/>`);
  else if (typeof value === "bigint") lines.push(`${pad}<integer>${value}</integer>`);
  else if (typeof value === "number")
    lines.push(Number.isInteger(value) ? `${pad}<integer>${value}</integer>` : `${pad}<real>${value}</real>`);
  else if (typeof value === "string") lines.push(`${pad}<string>${escapeXml(value)}</string>`);
  else if (value instanceof Date)
    lines.push(`${pad}<date>${value.toISOString().replace(/\.\d{3}Z$/, "Z")}</date>`);
  else if (value instanceof Uint8Array) {
    const base64 = Buffer.from(value).toString("base64");
    lines.push(`${pad}<data>`);
    for (let i = 0; i < base64.length; i += 68) lines.push(`${pad}${base64.slice(i, i + 68)}`);
    lines.push(`${pad}</data>`);
  } else if (Array.isArray(value)) {
    if (value.length === 0) lines.push(`${pad}<array/>`);
    else {
      lines.push(`${pad}<array>`);
      for (const item of value) emit(item, depth + 1, lines);
      lines.push(`${pad}</array>`);
    }
  } else if (isPlistDict(value)) {
    const keys = Object.keys(value);
    if (keys.length === 0) lines.push(`${pad}<dict/>`);
    else {
      lines.push(`${pad}<dict>`);
      for (const key of keys) {
        lines.push(`${pad}\t<key>${escapeXml(key)}</key>`);
        emit(value[key]!, depth + 1, lines);
      }
      lines.push(`${pad}</dict>`);
    }
  }
}

function escapeXml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
