/** Entries of a dump keyed by device path and by parent directory, so globs walk only what they can match. */
import { globPrefix, globToRegExp } from "../glob.js";
import type { EvidenceEntry } from "../types.js";

/** An entry plus where its bytes are (backend-specific). */
export interface IndexedEntry<L> {
  entry: EvidenceEntry;
  locator: L | undefined;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "" : path.slice(0, slash);
}

function wildcardToRegExp(component: string): RegExp {
  return globToRegExp(component);
}

/** A directory-indexed set of entries; `add` synthesises missing parent directories. */
export class EntryIndex<L> {
  private readonly byPath = new Map<string, IndexedEntry<L>>();
  /** Child paths per directory path ("" is the device root). */
  private readonly children = new Map<string, string[]>();
  /** The children that have children themselves, so deep globs skip leaf files. */
  private readonly parents = new Map<string, string[]>();

  get size(): number {
    return this.byPath.size;
  }

  has(path: string): boolean {
    return this.byPath.has(path);
  }

  lookup(path: string): IndexedEntry<L> | undefined {
    return this.byPath.get(path);
  }

  /** Adds an entry; returns false when the path is already taken (the first one wins). */
  add(item: IndexedEntry<L>): boolean {
    const existing = this.byPath.get(item.entry.path);
    if (existing !== undefined) {
      // A directory synthesised for an earlier child gives way to the real entry with its metadata.
      if (existing.locator === undefined && existing.entry.origin === "" && item.entry.kind === "directory") {
        existing.entry = item.entry;
        existing.locator = item.locator;
        return true;
      }
      return false;
    }
    this.ensureParents(item.entry.path);
    this.byPath.set(item.entry.path, item);
    this.childList(parentOf(item.entry.path)).push(item.entry.path);
    return true;
  }

  *entries(): Iterable<EvidenceEntry> {
    for (const item of this.byPath.values()) yield item.entry;
  }

  items(): Iterable<IndexedEntry<L>> {
    return this.byPath.values();
  }

  /** Entries matching a device-path glob, visiting only directories the pattern can reach. */
  glob(pattern: string): EvidenceEntry[] {
    const regex = globToRegExp(pattern);
    if (!/[*?]/.test(pattern)) {
      const item = this.byPath.get(pattern);
      return item === undefined ? [] : [item.entry];
    }
    const components = pattern.split("/").filter((part) => part !== "");
    const candidates = components.every((part) => part === "**" || !part.includes("**"))
      ? this.walkComponents(components)
      : this.subtree(globPrefix(pattern).replace(/\/$/, ""));
    const out: EvidenceEntry[] = [];
    for (const path of candidates) {
      const item = this.byPath.get(path);
      if (item !== undefined && regex.test(path)) out.push(item.entry);
    }
    return out;
  }

  private walkComponents(components: string[]): Set<string> {
    let frontier = new Set<string>([""]);
    for (const [position, component] of components.entries()) {
      const next = new Set<string>();
      const last = position === components.length - 1;
      if (component === "**") {
        // Only directories can match what follows, so a trailing `**` alone collects files.
        for (const base of frontier) for (const path of this.subtree(base, true, !last)) next.add(path);
      } else if (!/[*?]/.test(component)) {
        for (const base of frontier) {
          const path = `${base}/${component}`;
          if (this.byPath.has(path)) next.add(path);
        }
      } else {
        const regex = component === "*" ? undefined : wildcardToRegExp(component);
        for (const base of frontier) {
          for (const child of this.children.get(base) ?? []) {
            if (regex === undefined || regex.test(child.slice(child.lastIndexOf("/") + 1))) next.add(child);
          }
        }
      }
      frontier = next;
      if (frontier.size === 0) break;
    }
    return frontier;
  }

  /** A directory and everything below it. */
  private subtree(root: string, includeRoot = false, parentsOnly = false): string[] {
    const out: string[] = includeRoot ? [root] : [];
    const stack = [root];
    while (stack.length > 0) {
      const dir = stack.pop()!;
      if (!parentsOnly) out.push(...(this.children.get(dir) ?? []));
      for (const child of this.parents.get(dir) ?? []) {
        if (parentsOnly) out.push(child);
        stack.push(child);
      }
    }
    return out;
  }

  private childList(dir: string): string[] {
    let list = this.children.get(dir);
    if (list === undefined) {
      list = [];
      this.children.set(dir, list);
      if (dir !== "") {
        const parent = parentOf(dir);
        let siblings = this.parents.get(parent);
        if (siblings === undefined) {
          siblings = [];
          this.parents.set(parent, siblings);
        }
        siblings.push(dir);
      }
    }
    return list;
  }

  private ensureParents(path: string): void {
    const missing: string[] = [];
    for (let dir = parentOf(path); dir !== "" && !this.byPath.has(dir); dir = parentOf(dir))
      missing.push(dir);
    for (const dir of missing.reverse()) {
      this.byPath.set(dir, {
        entry: { path: dir, kind: "directory", size: 0, origin: "", present: true },
        locator: undefined,
      });
      this.childList(parentOf(dir)).push(dir);
    }
  }
}
