/**
 * NSKeyedArchiver decoding on top of the plist decoders: resolves UIDs through `$objects`
 * and turns the common Foundation classes into plain values.
 * Format: ../shared/reference/ios-formats.md section 3.2.
 */
import { SpyglassError } from "../errors.js";
import { isPlistDict, keyString, type PlistDict, PlistUid, type PlistValue } from "./plist-value.js";

/** Budgets for unarchiving; a shared object is decoded once per reference, so fan-out counts. */
export interface UnarchiveBudget {
  maxDepth: number;
  maxObjects: number;
}

const DEFAULT_BUDGET: UnarchiveBudget = { maxDepth: 128, maxObjects: 1_000_000 };

/** True when a decoded plist is an NSKeyedArchiver archive. */
export function isKeyedArchive(value: PlistValue): value is PlistDict {
  return isPlistDict(value) && value.$archiver === "NSKeyedArchiver" && Array.isArray(value.$objects);
}

/**
 * Unarchives the root object (or another `$top` key). Cycles become `{ $circular: <index> }`
 * so the rest of the archive is kept; budgets raise SpyglassError BUDGET.
 */
export function unarchive(
  archive: PlistValue,
  options: { file?: string; topKey?: string; budget?: Partial<UnarchiveBudget> } = {},
): PlistValue {
  const where = options.file === undefined ? {} : { file: options.file };
  if (!isKeyedArchive(archive)) {
    throw new SpyglassError("CORRUPT", "Not an NSKeyedArchiver archive ($archiver/$objects missing)", where);
  }
  const budget = { ...DEFAULT_BUDGET, ...options.budget };
  const objects = archive.$objects as PlistValue[];
  const top = archive.$top;
  if (!isPlistDict(top))
    throw new SpyglassError("CORRUPT", "NSKeyedArchiver archive has no $top dictionary", where);
  const root = top[options.topKey ?? "root"] ?? Object.values(top)[0];
  if (root === undefined) throw new SpyglassError("CORRUPT", "NSKeyedArchiver $top is empty", where);

  let produced = 0;
  const active = new Set<number>();

  function className(value: PlistDict): string | undefined {
    const ref = value.$class;
    if (!(ref instanceof PlistUid)) return undefined;
    const cls = objects[ref.index];
    if (!isPlistDict(cls)) return undefined;
    const name = cls.$classname;
    return typeof name === "string" ? name : undefined;
  }

  function resolve(value: PlistValue, depth: number): PlistValue {
    produced += 1;
    if (produced > budget.maxObjects || depth > budget.maxDepth) {
      throw new SpyglassError(
        "BUDGET",
        "NSKeyedArchiver archive exceeds the object-count or depth budget",
        where,
      );
    }
    if (value instanceof PlistUid) {
      const index = value.index;
      if (index >= objects.length) {
        throw new SpyglassError("CORRUPT", `NSKeyedArchiver reference ${index} is outside $objects`, where);
      }
      if (active.has(index)) return { $circular: index };
      const target = objects[index] as PlistValue;
      if (target === "$null") return null;
      active.add(index);
      try {
        return resolve(target, depth + 1);
      } finally {
        active.delete(index);
      }
    }
    if (Array.isArray(value)) return value.map((item) => resolve(item, depth + 1));
    if (!isPlistDict(value)) return value;
    return resolveObject(value, depth);
  }

  function resolveObject(value: PlistDict, depth: number): PlistValue {
    const name = className(value);
    const field = (key: string): PlistValue => resolve(value[key] ?? null, depth + 1);
    // Shapes first: archivers other than Foundation's (PyObjC, Swift) use their own class names.
    const shape =
      Array.isArray(value["NS.keys"]) && Array.isArray(value["NS.objects"])
        ? "NSDictionary"
        : Array.isArray(value["NS.objects"])
          ? "NSArray"
          : "NS.string" in value
            ? "NSString"
            : "NS.data" in value && Object.keys(value).length <= 3
              ? "NSData"
              : typeof value["NS.time"] === "number"
                ? "NSDate"
                : name;
    switch (shape) {
      case "NSDictionary":
      case "NSMutableDictionary": {
        const keys = value["NS.keys"];
        const vals = value["NS.objects"];
        const dict: PlistDict = Object.create(null) as PlistDict;
        if (Array.isArray(keys) && Array.isArray(vals)) {
          keys.forEach((key, i) => {
            const resolvedKey = resolve(key, depth + 1);
            dict[keyString(resolvedKey)] = resolve(vals[i] ?? null, depth + 1);
          });
        }
        return dict;
      }
      case "NSArray":
      case "NSMutableArray":
      case "NSSet":
      case "NSMutableSet":
      case "NSOrderedSet":
      case "NSMutableOrderedSet": {
        const items = value["NS.objects"];
        return Array.isArray(items) ? items.map((item) => resolve(item, depth + 1)) : [];
      }
      case "NSData":
      case "NSMutableData":
        return field("NS.data");
      case "NSString":
      case "NSMutableString":
        return field("NS.string");
      case "NSDate": {
        const time = value["NS.time"];
        return typeof time === "number" ? new Date(Date.UTC(2001, 0, 1) + time * 1000) : null;
      }
      case "NSUUID": {
        const bytes = value["NS.uuidbytes"];
        return bytes instanceof Uint8Array ? formatUuid(bytes) : null;
      }
      case "NSURL": {
        const base = field("NS.base");
        const relative = field("NS.relative");
        return typeof base === "string" && typeof relative === "string"
          ? new URL(relative, base).href
          : relative;
      }
      default: {
        const out: PlistDict = Object.create(null) as PlistDict;
        if (name !== undefined) out.$class = name;
        for (const [key, item] of Object.entries(value)) {
          if (key === "$class") continue;
          out[key] = resolve(item, depth + 1);
        }
        return out;
      }
    }
  }

  return resolve(root, 0);
}

function formatUuid(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
