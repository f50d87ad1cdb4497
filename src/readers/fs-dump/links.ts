/**
 * Symbolic links inside a dump: resolving a device path through them, and globs that descend
 * through linked folders and give a linked file in place of its link. Targets resolve against
 * the dump root (an absolute target is a device path), never against the host; links escaping
 * the root never reach the index (source.ts refuses them).
 */
import type { WarningList } from "../../model/warning.js";
import { globPrefix, globToRegExp } from "../glob.js";
import type { EvidenceEntry } from "../types.js";
import type { EntryIndex, IndexedEntry } from "./entry-index.js";
import { resolveLinkTarget } from "./layout.js";

/** Where a path led: the item, its device path without links, and each link followed (`link -> target`). */
export type Resolution<L> =
  | { item: IndexedEntry<L>; path: string; links: string[] }
  | { failed: "missing" }
  | { failed: "loop" | "hops"; at: string };

/** Linked folders one glob may descend through, and links it may examine, before it stops with a warning. */
const MAX_STEPS = 10_000;
const MAX_CHECKS = 1_000_000;

const MISSING = { failed: "missing" } as const;

function components(path: string): string[] {
  return path.split("/").filter((part) => part !== "");
}

/**
 * Where the rest of `pattern` (components) starts below `path` (components) when the path matches
 * the pattern's beginning; a `**` still matching stays at the head of the rest. Empty when the
 * path leaves the pattern or matches all of it.
 */
export function restsBelow(pattern: readonly string[], path: readonly string[]): number[] {
  const closure = (states: Set<number>): Set<number> => {
    for (const state of states) if (pattern[state] === "**") states.add(state + 1);
    return states;
  };
  let states = closure(new Set([0]));
  for (const name of path) {
    const next = new Set<number>();
    for (const state of states) {
      const part = pattern[state];
      if (part === undefined) continue;
      if (part === "**") next.add(state);
      else if (matchesPart(part, name)) next.add(state + 1);
    }
    states = closure(next);
    if (states.size === 0) return [];
  }
  // A rest right after a `**` that is itself a rest adds nothing: that `**` may match nothing.
  return [...states].filter(
    (state) => state < pattern.length && !(pattern[state - 1] === "**" && states.has(state - 1)),
  );
}

const partExpressions = new Map<string, RegExp>();

function matchesPart(part: string, name: string): boolean {
  if (!/[*?]/.test(part)) return part === name;
  let regex = partExpressions.get(part);
  if (regex === undefined) {
    regex = globToRegExp(part);
    if (partExpressions.size < 1000) partExpressions.set(part, regex);
  }
  return regex.test(name);
}

/** One pattern to glob in the index, and how its results map back to the paths asked for. */
interface Step {
  pattern: string;
  /** Device path (without links) the results lie under; undefined when they need no mapping. */
  real: string | undefined;
  /** The path asked for that stands for `real`. */
  asked: string;
  links: string[];
}

/** Resolves paths and globs through the links of one dump's index. */
export class DumpLinks<L> {
  /** Every symlink's device path, sorted, built on the first glob that could need it. */
  private sorted: string[] | undefined;
  private readonly reported = new Set<string>();

  constructor(
    private readonly index: EntryIndex<L>,
    private readonly options: { maxHops: number; warnings: WarningList },
  ) {}

  /** Follows `path` component by component through links, at most `maxHops` of them in all. */
  resolve(path: string, maxHops = this.options.maxHops): Resolution<L> {
    let parts = components(path);
    let current = "";
    const links: string[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < parts.length; ) {
      const next = `${current}/${parts[i]}`;
      const item = this.index.lookup(next);
      if (item === undefined) return MISSING;
      if (item.entry.kind !== "symlink") {
        current = next;
        i += 1;
        continue;
      }
      // The same link with the same rest of the path again can only go round for ever.
      const state = `${next}\0${parts.slice(i + 1).join("/")}`;
      if (seen.has(state)) return { failed: "loop", at: next };
      if (links.length >= maxHops) return { failed: "hops", at: next };
      seen.add(state);
      const stored = item.entry.linkTarget ?? "";
      const target = resolveLinkTarget(next, stored);
      if (target === undefined) return MISSING;
      links.push(`${next} -> ${stored}`);
      parts = [...components(target), ...parts.slice(i + 1)];
      current = "";
      i = 0;
    }
    const item = this.index.lookup(current);
    return item === undefined ? MISSING : { item, path: current, links };
  }

  /**
   * Entries matching a device-path glob, through links: a matching file link gives the file it
   * leads to, and a linked folder on the way is descended. Such entries keep the path asked for
   * and carry `followed`. Each file is given once (a direct match before any linked one).
   */
  glob(pattern: string, stats?: { linksExamined: number }): EvidenceEntry[] {
    const out: EvidenceEntry[] = [];
    const given = new Set<string>();
    const explored = new Set([pattern]);
    const steps: Step[] = [{ pattern, real: undefined, asked: "", links: [] }];
    let checks = 0;
    const done = (found: EvidenceEntry[]): EvidenceEntry[] => {
      if (stats !== undefined) stats.linksExamined = checks;
      return found;
    };
    for (let s = 0; s < steps.length; s++) {
      const step = steps[s]!;
      const hopsLeft = this.options.maxHops - step.links.length;
      const asked = (path: string): string =>
        step.real === undefined ? path : step.asked + path.slice(step.real.length);
      for (const entry of this.index.glob(step.pattern)) {
        let found = entry;
        let links = step.links;
        if (entry.kind === "symlink") {
          const resolved = this.resolve(entry.path, hopsLeft);
          if ("item" in resolved && resolved.item.entry.kind === "file") {
            found = resolved.item.entry;
            links = [...step.links, ...resolved.links];
          } else this.report(resolved);
        }
        if (given.has(found.path)) continue;
        given.add(found.path);
        out.push(
          links.length === 0
            ? found
            : { ...found, path: asked(entry.path), followed: { target: found.path, links } },
        );
      }
      const parts = components(step.pattern);
      for (const link of this.linksToward(step.pattern)) {
        checks += 1;
        if (checks > MAX_CHECKS) return done(this.stopped(pattern, out));
        if (step.real !== undefined && !link.startsWith(`${step.real}/`)) continue;
        const rests = restsBelow(parts, components(link));
        if (rests.length === 0) continue;
        const resolved = this.resolve(link, hopsLeft);
        if (!("item" in resolved)) {
          this.report(resolved);
          continue;
        }
        // A folder whose name holds a wildcard cannot be globbed below as a fixed path.
        if (resolved.item.entry.kind !== "directory" || /[*?]/.test(resolved.path)) continue;
        const real = resolved.path === "/" ? "" : resolved.path;
        for (const rest of rests) {
          const next = `${real}/${parts.slice(rest).join("/")}`;
          // Already globbed: a link back into a folder on the way (a loop) or a second link to it.
          if (explored.has(next)) continue;
          if (steps.length >= MAX_STEPS) return done(this.stopped(pattern, out));
          explored.add(next);
          steps.push({ pattern: next, real, asked: asked(link), links: [...step.links, ...resolved.links] });
        }
      }
    }
    return done(out);
  }

  /** Links that may stand on the way to a pattern's matches: above its fixed part, or below it. */
  private *linksToward(pattern: string): Iterable<string> {
    const fixed = /[*?]/.test(pattern) ? globPrefix(pattern) : pattern;
    let path = "";
    for (const part of components(fixed)) {
      path += `/${part}`;
      if (path === pattern) break;
      const item = this.index.lookup(path);
      if (item === undefined) break;
      if (item.entry.kind === "symlink") yield path;
    }
    if (fixed === pattern) return;
    const sorted = this.sortedLinks();
    let low = 0;
    let high = sorted.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (sorted[middle]! < fixed) low = middle + 1;
      else high = middle;
    }
    for (let i = low; i < sorted.length && sorted[i]!.startsWith(fixed); i++) yield sorted[i]!;
  }

  private sortedLinks(): string[] {
    if (this.sorted === undefined) {
      this.sorted = [];
      for (const item of this.index.items())
        if (item.entry.kind === "symlink") this.sorted.push(item.entry.path);
      this.sorted.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    return this.sorted;
  }

  private report(resolved: Resolution<L>): void {
    if (!("at" in resolved) || this.reported.has(resolved.at)) return;
    this.reported.add(resolved.at);
    this.options.warnings.count(
      "SKIPPED",
      (n) =>
        `${n} symbolic link(s) not followed: they loop, or chain more than ${this.options.maxHops} links`,
      resolved.at,
    );
  }

  private stopped(pattern: string, found: EvidenceEntry[]): EvidenceEntry[] {
    if (this.reported.has("\0budget")) return found;
    this.reported.add("\0budget");
    this.options.warnings.add({
      code: "BUDGET",
      message: `following symbolic links for ${pattern} stopped after ${MAX_STEPS} linked folders or ${MAX_CHECKS} links examined; files behind further links were not looked for`,
    });
    return found;
  }
}
