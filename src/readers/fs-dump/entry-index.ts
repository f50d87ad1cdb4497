/** Entries of a dump as a tree of device-path components, so globs walk only what they can match. */
import { globPrefix, globToRegExp } from "../glob.js";
import type { EvidenceEntry } from "../types.js";

/** An entry plus where its bytes are (backend-specific). */
export interface IndexedEntry<L> {
  entry: EvidenceEntry;
  locator: L | undefined;
}

/** An indexed entry is its own tree node (one object per entry keeps millions of entries affordable). */
interface Node<L> extends IndexedEntry<L> {
  children?: Map<string, Node<L>>;
  /** A directory made up for members whose parents the archive does not list. */
  synthetic?: boolean;
}

function components(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}

/** A tree-indexed set of entries; `add` synthesises missing parent directories. */
export class EntryIndex<L> {
  private readonly root: Node<L> = {
    entry: { path: "/", kind: "directory", size: 0, origin: "", present: true },
    locator: undefined,
  };
  /** Every entry in the order it was added (parents synthesised before their first child). */
  private readonly order: Node<L>[] = [];

  get size(): number {
    return this.order.length;
  }

  has(path: string): boolean {
    return this.lookup(path) !== undefined;
  }

  /** The entry at `path`; with `listedOnly`, never a parent made up for members. */
  lookup(path: string, listedOnly = false): IndexedEntry<L> | undefined {
    let node: Node<L> | undefined = this.root;
    for (const part of components(path)) {
      node = node.children?.get(part);
      if (node === undefined) return undefined;
    }
    return node === this.root || (listedOnly && node.synthetic === true) ? undefined : node;
  }

  /**
   * Adds an entry; returns false when the path is already taken (the first one wins). `parts`
   * are the path's components when the caller has them (names then share the caller's strings).
   */
  add(item: IndexedEntry<L>, parts: readonly string[] = components(item.entry.path)): boolean {
    return this.insert(item, parts, false) !== undefined;
  }

  /**
   * Adds an entry, or replaces the listed one at its path (a later duplicate member wins, as
   * extracting the archive would leave it); the replaced node keeps its place and children.
   * Returns the item now in the tree, or undefined when the path cannot take it (the root, or a
   * parent made up for members, which only a directory replaces).
   */
  put(
    item: IndexedEntry<L>,
    parts: readonly string[] = components(item.entry.path),
  ): { item: IndexedEntry<L>; replaced: boolean } | undefined {
    return this.insert(item, parts, true);
  }

  private insert(
    item: IndexedEntry<L>,
    parts: readonly string[],
    replace: boolean,
  ): { item: IndexedEntry<L>; replaced: boolean } | undefined {
    if (parts.length === 0) return undefined;
    let node = this.root;
    let path = "";
    for (let i = 0; i < parts.length - 1; i++) {
      const part = parts[i]!;
      path += `/${part}`;
      node.children ??= new Map();
      let child = node.children.get(part);
      if (child === undefined) {
        child = {
          entry: { path, kind: "directory", size: 0, origin: "", present: true },
          locator: undefined,
          synthetic: true,
        };
        node.children.set(part, child);
        this.order.push(child);
      }
      node = child;
    }
    const name = parts.at(-1)!;
    node.children ??= new Map();
    const existing = node.children.get(name);
    if (existing !== undefined) {
      // A directory synthesised for an earlier child gives way to the real entry with its metadata.
      if (existing.synthetic === true && item.entry.kind === "directory") {
        existing.synthetic = false;
        existing.entry = item.entry;
        existing.locator = item.locator;
        return { item: existing, replaced: false };
      }
      if (!replace || existing.synthetic === true) return undefined;
      existing.entry = item.entry;
      existing.locator = item.locator;
      return { item: existing, replaced: true };
    }
    node.children.set(name, item);
    this.order.push(item);
    return { item, replaced: false };
  }

  *entries(listedOnly = false): Iterable<EvidenceEntry> {
    for (const item of this.order) if (!(listedOnly && item.synthetic === true)) yield item.entry;
  }

  items(): Iterable<IndexedEntry<L>> {
    return this.order;
  }

  /** Entries matching a device-path glob, visiting only directories the pattern can reach. */
  glob(
    pattern: string,
    stats?: { examined: number },
    options: {
      /** Leave out the parents made up for members (a backup lists its own directories). */ listedOnly?: boolean;
    } = {},
  ): EvidenceEntry[] {
    const listedOnly = options.listedOnly === true;
    if (!/[*?]/.test(pattern)) {
      const item = this.lookup(pattern) as Node<L> | undefined;
      return item === undefined || item.entry.path !== pattern || (listedOnly && item.synthetic === true)
        ? []
        : [item.entry];
    }
    const regex = globToRegExp(pattern);
    const parts = components(pattern);
    const candidates = parts.every((part) => part === "**" || !part.includes("**"))
      ? this.walk(parts)
      : this.subtree(this.nodeAt(globPrefix(pattern)), false);
    const out: EvidenceEntry[] = [];
    let examined = 0;
    for (const node of candidates) {
      examined += 1;
      if (node !== this.root && !(listedOnly && node.synthetic === true) && regex.test(node.entry.path))
        out.push(node.entry);
    }
    if (stats !== undefined) stats.examined = examined;
    return out;
  }

  private nodeAt(path: string): Node<L> | undefined {
    let node: Node<L> | undefined = this.root;
    for (const part of components(path)) {
      node = node.children?.get(part);
      if (node === undefined) return undefined;
    }
    return node;
  }

  private walk(parts: string[]): Iterable<Node<L>> {
    let frontier: Node<L>[] = [this.root];
    for (const [position, part] of parts.entries()) {
      const last = position === parts.length - 1;
      let next: Node<L>[] = [];
      if (part === "**") {
        // Only nodes with children can match what follows; a trailing `**` collects everything below.
        const seen = new Set<Node<L>>();
        for (const base of frontier) {
          for (const node of this.subtree(base, true, !last)) {
            if (!seen.has(node)) {
              seen.add(node);
              next.push(node);
            }
          }
        }
      } else if (!/[*?]/.test(part)) {
        for (const base of frontier) {
          const child = base.children?.get(part);
          if (child !== undefined) next.push(child);
        }
        if (frontier.length > 1) next = [...new Set(next)];
      } else {
        const regex = part === "*" ? undefined : globToRegExp(part);
        for (const base of frontier) {
          if (base.children === undefined) continue;
          for (const [name, child] of base.children)
            if (regex === undefined || regex.test(name)) next.push(child);
        }
        if (frontier.length > 1) next = [...new Set(next)];
      }
      frontier = next;
      if (frontier.length === 0) break;
    }
    return frontier;
  }

  /** A node and (optionally) everything below it, or only the nodes that have children. */
  private subtree(start: Node<L> | undefined, includeStart: boolean, parentsOnly = false): Node<L>[] {
    if (start === undefined) return [];
    const out: Node<L>[] = includeStart ? [start] : [];
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (node.children === undefined) continue;
      for (const child of node.children.values()) {
        if (!parentsOnly || child.children !== undefined) out.push(child);
        if (child.children !== undefined) stack.push(child);
      }
    }
    return out;
  }
}
