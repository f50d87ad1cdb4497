/** Which files of a .tar.gz to keep in memory during the single indexing pass. */
import { ARTIFACTS } from "../../artifacts/registry.js";
import { globPrefix, globToRegExp } from "../glob.js";

/** A predicate over device paths matching any of the globs or their `-wal` sidecars, with a cheap file-name prefilter. */
export function globRetainPredicate(patterns: readonly string[]): (path: string) => boolean {
  const names = new Set<string>();
  const exact: RegExp[] = [];
  const loose: Array<{ prefix: string; regex: RegExp }> = [];
  for (const pattern of patterns) {
    for (const variant of [pattern, `${pattern}-wal`]) {
      const last = variant.slice(variant.lastIndexOf("/") + 1);
      if (/[*?]/.test(last)) loose.push({ prefix: globPrefix(variant), regex: globToRegExp(variant) });
      else {
        names.add(last);
        exact.push(globToRegExp(variant));
      }
    }
  }
  return (path) => {
    const name = path.slice(path.lastIndexOf("/") + 1);
    if (names.has(name) && exact.some((re) => re.test(path))) return true;
    return loose.some(({ prefix, regex }) => path.startsWith(prefix) && regex.test(path));
  };
}

/** The default: every file some registered artifact reads, plus its `-wal` sidecar. */
export function artifactRetainPredicate(): (path: string) => boolean {
  return globRetainPredicate(ARTIFACTS.flatMap((artifact) => artifact.paths));
}
