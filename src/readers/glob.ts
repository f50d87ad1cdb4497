/** Device-path globs: `*` matches within one path component, `**` any number of components. */

/** Compiles a device-path glob to a RegExp (case-sensitive, anchored). */
export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === "*") {
      if (pattern[i + 1] === "*") {
        source += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
        i += pattern[i + 2] === "/" ? 2 : 1;
      } else source += "[^/]*";
    } else if (ch === "?") source += "[^/]";
    else source += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** The fixed leading directory of a glob (everything before the first wildcard component). */
export function globPrefix(pattern: string): string {
  const index = pattern.search(/[*?]/);
  if (index < 0) return pattern;
  return pattern.slice(0, pattern.lastIndexOf("/", index) + 1);
}
