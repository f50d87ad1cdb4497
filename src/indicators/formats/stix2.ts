/**
 * STIX 2.0 and 2.1 bundles as MVT and mvt-indicators use them (STIX 2.1 spec; mvt-indicators
 * README): `malware` and `report` objects name collections; an indicator belongs to a report that
 * lists it in `object_refs`, else to the malware or report a relationship from it points to, else to
 * the file's default collection. Patterns are parsed by stix-pattern.ts.
 */

import {
  DEFAULT_PATTERN_BUDGET,
  evaluablePattern,
  type PatternBudget,
  parseStixPattern,
} from "../stix-pattern.js";
import type { IndicatorType } from "../types.js";
import { isJsonObject } from "./json.js";
import { EntryCollector, type ParsedIndicatorFile } from "./parsed.js";

/** Budgets for one bundle beyond its JSON size and depth. */
export interface StixBudget {
  maxObjects: number;
  pattern: PatternBudget;
}

/** Defaults: the largest real bundle has ~10,000 objects. */
export const DEFAULT_STIX_BUDGET: StixBudget = { maxObjects: 1_000_000, pattern: DEFAULT_PATTERN_BUDGET };

const HASH_NAMES: Record<string, "md5" | "sha1" | "sha256"> = { MD5: "md5", SHA1: "sha1", SHA256: "sha256" };

/** The indicator type of a STIX object path, or undefined when we do not use that path. */
export function indicatorTypeForPath(path: string): IndicatorType | undefined {
  switch (path) {
    case "domain-name:value":
      return "domain-name";
    case "ipv4-addr:value":
      return "ipv4-addr";
    case "ipv6-addr:value":
      return "ipv6-addr";
    case "url:value":
      return "url";
    case "email-addr:value":
    case "email-message:from_ref.value":
    case "email-message:sender_ref.value":
      return "email-addr";
    case "process:name":
    case "process:image_ref.name":
      return "process:name";
    case "file:name":
      return "file:name";
    case "file:path":
      return "file:path";
    case "app:id":
      return "app:id";
    case "configuration-profile:id":
      return "configuration-profile:id";
    case "android-property:name":
      return "android-property:name";
  }
  const hash = /^(file:hashes|app:cert|x509-certificate:hashes)\.('?)([A-Za-z0-9-]+)\2$/.exec(path);
  if (hash === null) return undefined;
  const digest = HASH_NAMES[hash[3]!.toUpperCase().replace(/-/g, "")];
  if (digest === undefined) return undefined;
  if (hash[1] === "file:hashes") return `file:hashes.${digest}`;
  if (hash[1] === "app:cert") return `app:cert.${digest}`;
  if (digest === "md5") return undefined;
  return `x509-certificate:hashes.${digest}`;
}

/** Reads a decoded STIX bundle; bad indicators become warnings, a non-bundle throws. */
export function parseStixBundle(
  bundle: unknown,
  source: string,
  options: { defaultCollection: string; budget?: StixBudget },
): ParsedIndicatorFile {
  const budget = options.budget ?? DEFAULT_STIX_BUDGET;
  if (!isJsonObject(bundle) || !Array.isArray(bundle.objects)) {
    throw new Error('not a STIX bundle (no "objects" array)');
  }
  const objects = bundle.objects as unknown[];
  if (objects.length > budget.maxObjects) {
    throw new Error(`${objects.length} objects exceeds the budget of ${budget.maxObjects}`);
  }
  const out = new EntryCollector(source);
  const collectionById = new Map<string, string>();
  const reportOf = new Map<string, string>();
  const relatedOf = new Map<string, string>();
  const indicators: Record<string, unknown>[] = [];
  const relationships: Record<string, unknown>[] = [];

  for (const object of objects) {
    if (!isJsonObject(object) || typeof object.type !== "string") continue;
    const id = typeof object.id === "string" ? object.id : undefined;
    if (object.type === "malware" || object.type === "report") {
      const name = typeof object.name === "string" && object.name.trim() !== "" ? object.name.trim() : id;
      if (id !== undefined && name !== undefined) {
        collectionById.set(id, out.collection(name));
      }
      if (object.type === "report" && Array.isArray(object.object_refs) && name !== undefined) {
        for (const ref of object.object_refs) {
          if (typeof ref === "string" && !reportOf.has(ref)) reportOf.set(ref, name);
        }
      }
    } else if (object.type === "indicator") {
      indicators.push(object);
    } else if (object.type === "relationship") {
      relationships.push(object);
    }
  }
  for (const relationship of relationships) {
    const from = relationship.source_ref;
    const to = relationship.target_ref;
    if (typeof from !== "string" || typeof to !== "string" || relatedOf.has(from)) continue;
    const name = collectionById.get(to);
    if (name !== undefined) relatedOf.set(from, name);
  }

  for (const indicator of indicators) {
    const id = typeof indicator.id === "string" ? indicator.id : "indicator without id";
    const collection = reportOf.get(id) ?? relatedOf.get(id) ?? options.defaultCollection;
    if (typeof indicator.pattern !== "string") {
      out.warn({ code: "BAD_INDICATOR", message: `${id}: no pattern` });
      continue;
    }
    const patternType = indicator.pattern_type;
    if (patternType !== undefined && patternType !== "stix") {
      out.warn({
        code: "BAD_INDICATOR",
        message: `${id}: pattern_type "${String(patternType)}" is not STIX`,
      });
      continue;
    }
    let evaluable: ReturnType<typeof evaluablePattern>;
    try {
      evaluable = evaluablePattern(parseStixPattern(indicator.pattern, budget.pattern));
    } catch (error) {
      out.warn({ code: "BAD_INDICATOR", message: `${id}: bad pattern: ${(error as Error).message}` });
      continue;
    }
    for (const reason of evaluable.skipped) {
      out.warn({ code: "BAD_INDICATOR", message: `${id}: skipped part of the pattern: ${reason}` });
    }
    for (const { path, value } of evaluable.alternatives) {
      const type = indicatorTypeForPath(path);
      if (type === undefined) {
        out.warn({ code: "BAD_INDICATOR", message: `${id}: object path ${path} is not supported` });
        continue;
      }
      out.add(type, value, { collection, id });
    }
  }
  return out.result;
}
