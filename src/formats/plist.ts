/** Property lists in any form Apple writes (binary or XML), decoded within budgets. */
import { parse as parseXml } from "@plist/xml.parse";
import { SpyglassError } from "../errors.js";
import { isBinaryPlist, parseBinaryPlist } from "./bplist.js";
import {
  DEFAULT_PLIST_BUDGET,
  isPlistDict,
  type PlistBudget,
  type PlistDict,
  PlistUid,
  type PlistValue,
} from "./plist-value.js";

export { isBinaryPlist } from "./bplist.js";
export * from "./plist-value.js";

/** Decodes a binary or XML plist (leading whitespace and a UTF-8 BOM are allowed before XML). */
export function parsePlist(
  bytes: Uint8Array,
  options: { file?: string; budget?: Partial<PlistBudget> } = {},
): PlistValue {
  if (isBinaryPlist(bytes)) return parseBinaryPlist(bytes, options);
  const budget = { ...DEFAULT_PLIST_BUDGET, ...options.budget };
  const where = options.file === undefined ? {} : { file: options.file };
  const xmlBudget = Math.min(budget.maxBytes, 64 * 1024 * 1024);
  if (bytes.length > xmlBudget) {
    throw new SpyglassError(
      "BUDGET",
      `XML plist of ${bytes.length} bytes exceeds the ${xmlBudget}-byte budget`,
      where,
    );
  }
  const text = Buffer.from(bytes)
    .toString("utf8")
    .replace(/^\uFEFF/, "");
  const head = text.trimStart().slice(0, 512);
  if (!head.startsWith("<")) {
    throw new SpyglassError("CORRUPT", "Not a property list (neither bplist00 nor XML)", {
      ...where,
      offset: 0,
    });
  }
  // Apple never writes entity declarations; refusing them rules out entity-expansion bombs.
  if (/<!ENTITY/i.test(text)) {
    throw new SpyglassError("CORRUPT", "XML plist declares entities, which Apple plists never do", where);
  }
  // The parser builds the whole tree before the budgets below could be checked: count first.
  checkXmlShape(text, budget, options.file);
  let raw: unknown;
  try {
    raw = parseXml(text);
  } catch (cause) {
    throw new SpyglassError("CORRUPT", `Malformed XML plist: ${(cause as Error).message}`, {
      ...where,
      cause,
    });
  }
  const counter = { values: 0 };
  return normaliseXmlValue(raw, 0, budget, counter, options.file);
}

/** Decodes a plist whose top level must be a dictionary. */
export function parsePlistDict(
  bytes: Uint8Array,
  options: { file?: string; budget?: Partial<PlistBudget> } = {},
): PlistDict {
  const value = parsePlist(bytes, options);
  if (!isPlistDict(value)) {
    throw new SpyglassError("CORRUPT", "Property list does not hold a dictionary at its top level", {
      ...(options.file === undefined ? {} : { file: options.file }),
    });
  }
  return value;
}

/**
 * Counts the value elements and the dict/array nesting of an XML plist in one pass over the text,
 * refusing it (with the byte offset of the element that crossed the budget) before it is parsed.
 * Comments, processing instructions and the DOCTYPE are skipped; `<key>` and `<plist>` are not values.
 */
function checkXmlShape(text: string, budget: PlistBudget, file: string | undefined): void {
  let values = 0;
  let depth = 0;
  let at = text.indexOf("<");
  const refuse = (what: string, index: number): never => {
    throw new SpyglassError("BUDGET", `XML plist exceeds the ${what} budget`, {
      ...(file === undefined ? {} : { file }),
      offset: Buffer.byteLength(text.slice(0, index)),
    });
  };
  while (at >= 0) {
    const next = text.charCodeAt(at + 1);
    if (text.startsWith("<!--", at)) {
      const end = text.indexOf("-->", at + 4);
      if (end < 0) return;
      at = text.indexOf("<", end + 3);
      continue;
    }
    const close = text.indexOf(">", at + 1);
    if (close < 0) return;
    if (next === 0x2f /* / */) {
      const name = text.slice(at + 2, close).trim();
      if (name === "dict" || name === "array") depth -= 1;
    } else if (next !== 0x3f /* ? */ && next !== 0x21 /* ! */) {
      const selfClosing = text.charCodeAt(close - 1) === 0x2f;
      let end = at + 1;
      while (end < close && /[A-Za-z0-9]/.test(text[end]!)) end += 1;
      const name = text.slice(at + 1, end);
      if (name !== "key" && name !== "plist") {
        values += 1;
        if (values > budget.maxValues) refuse(`${budget.maxValues}-value`, at);
        if (!selfClosing && (name === "dict" || name === "array")) {
          depth += 1;
          if (depth > budget.maxDepth) refuse(`${budget.maxDepth}-level depth`, at);
        }
      }
    }
    at = text.indexOf("<", close + 1);
  }
}

function normaliseXmlValue(
  value: unknown,
  depth: number,
  budget: PlistBudget,
  counter: { values: number },
  file: string | undefined,
): PlistValue {
  counter.values += 1;
  if (counter.values > budget.maxValues || depth > budget.maxDepth) {
    throw new SpyglassError("BUDGET", "XML plist exceeds the value-count or depth budget", {
      ...(file === undefined ? {} : { file }),
    });
  }
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (Array.isArray(value))
    return value.map((item) => normaliseXmlValue(item, depth + 1, budget, counter, file));
  if (value instanceof Date || value === null) return value;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>);
    const only = entries[0];
    if (entries.length === 1 && only !== undefined && only[0] === "CF$UID" && typeof only[1] === "number") {
      return new PlistUid(only[1]);
    }
    const dict: PlistDict = Object.create(null) as PlistDict;
    for (const [key, item] of entries) dict[key] = normaliseXmlValue(item, depth + 1, budget, counter, file);
    return dict;
  }
  if (
    typeof value === "string" ||
    typeof value === "number" ||
    typeof value === "bigint" ||
    typeof value === "boolean"
  ) {
    return value;
  }
  return null;
}
