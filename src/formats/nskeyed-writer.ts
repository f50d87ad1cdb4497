/** Builds NSKeyedArchiver archives (for generated fixtures such as MBFile blobs). */
import { type PlistDict, PlistUid, type PlistValue } from "./plist-value.js";

/** A value to archive: plain values, or `{ $class, ...fields }` objects whose fields are archived as UIDs. */
export type ArchivableValue = PlistValue | ArchivableObject;
export interface ArchivableObject {
  $class: string;
  $classes?: string[];
  fields: Record<string, ArchivableValue>;
}

/** Produces the `$archiver/$objects/$top` dictionary for `root` (inline primitives, UIDs for objects and strings). */
export function buildKeyedArchive(root: ArchivableObject): PlistDict {
  const objects: PlistValue[] = ["$null"];
  const classes = new Map<string, number>();

  function classRef(name: string, chain: string[] | undefined): PlistUid {
    let index = classes.get(name);
    if (index === undefined) {
      index = objects.length;
      objects.push({ $classname: name, $classes: chain ?? [name, "NSObject"] });
      classes.set(name, index);
    }
    return new PlistUid(index);
  }

  function add(value: ArchivableValue): PlistValue {
    if (value !== null && typeof value === "object" && "$class" in value && "fields" in value) {
      const object = value as ArchivableObject;
      const index = objects.length;
      objects.push(null);
      const dict: PlistDict = {};
      for (const [key, field] of Object.entries(object.fields)) dict[key] = add(field);
      dict.$class = classRef(object.$class, object.$classes);
      objects[index] = dict;
      return new PlistUid(index);
    }
    if (typeof value === "string" || value instanceof Uint8Array) {
      objects.push(value);
      return new PlistUid(objects.length - 1);
    }
    return value as PlistValue;
  }

  const top = add(root);
  return { $version: 100000, $archiver: "NSKeyedArchiver", $top: { root: top }, $objects: objects };
}
