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
