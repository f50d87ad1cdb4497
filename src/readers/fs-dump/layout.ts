/**
 * Where a dump's tree sits inside a folder or archive, and how its paths become device paths.
 *
 * Three layouts are recognised, in this order of preference:
 * 1. a root that holds `private/var/` (`./private/var/…`, `/private/var/…`, `filesystem1/private/var/…`):
 *    everything under the root maps to `/` + path; a `var/…` beside it maps to `/private/var/…`
 *    (on iOS `/var` is a link to `/private/var`), except a `var` symlink, which stays `/var`;
 * 2. a root that holds `var/<data-partition folder>/` without `private/`: same mapping as 1;
 * 3. a root that is the data partition itself (`filesystem2/mobile/…`, `filesystem2/wireless/…`,
 *    as some extraction tools name the user volume): everything maps to `/private/var/` + path.
 *    At least two distinct data-partition folders must appear under that root, or nothing but them.
 * The root prefix is the one most members agree on; members outside it are skipped with a warning.
 * Extraction tools put the tree at the top or under one folder (`filesystem1/`); an archive made of
 * an exported case folder keeps that folder's parents too (`Case 12/Export/iPhone/FFS/Dump/…`), so
 * `private/var` is looked for up to six folders deep. The generic names of layouts 2 and 3 (`var/db`,
 * `root`, `mobile`) are only taken near the top, where they cannot be a copy of some other tree.
 */

/** Top-level folders of the iOS data partition (/private/var), used to recognise layouts 2 and 3. */
const DATA_PARTITION_FOLDERS = new Set([
  "mobile",
  "wireless",
  "containers",
  "db",
  "preferences",
  "root",
  "Keychains",
  "installd",
  "MobileAsset",
  "MobileSoftwareUpdate",
  "networkd",
  "keybags",
  "Managed Preferences",
]);

/** Deepest prefix (in path components) looked for in front of a `private/var` root (layout 1). */
const MAX_PREFIX_DEPTH = 6;
/** Deepest prefix in front of a bare `var/<data-partition folder>` root (layout 2). */
const MAX_BARE_VAR_DEPTH = 3;
/** Deepest prefix in front of a data-partition root (layout 3). */
const MAX_DATA_PARTITION_DEPTH = 2;

/** Where the dump root is and which device path it stands for. */
export interface DumpLayout {
  /** Dump root inside the archive or folder, without slashes ("" or "filesystem1"). */
  prefix: string;
  /** Device path of that root. */
  mount: "/" | "/private/var/";
}

/** A member name cleaned of `./`, leading `/`, empty and `.` components; `..` anywhere makes it unsafe. */
export type NormalizedName = { path: string; absolute: boolean } | { unsafe: true };

/** Cleans a member name; see NormalizedName. */
export function normalizeMemberName(name: string): NormalizedName {
  const parts: string[] = [];
  for (const part of name.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === ".." || part.includes("\0")) return { unsafe: true };
    parts.push(part);
  }
  return { path: parts.join("/"), absolute: name.startsWith("/") };
}

/** Counts, over every member path, which layout and prefix the members agree on. */
export class LayoutVotes {
  private readonly privateVar = new Map<string, number>();
  private readonly bareVar = new Map<string, number>();
  private readonly dataPartition = new Map<string, { count: number; folders: Set<string> }>();
  /** Paths with at least one component below each short prefix. */
  private readonly below = new Map<string, number>();

  add(path: string): void {
    const parts = path.split("/");
    for (let j = 0; j <= Math.min(parts.length - 1, MAX_DATA_PARTITION_DEPTH); j++)
      bump(this.below, parts.slice(0, j).join("/"));
    for (let j = 0; j <= Math.min(parts.length - 1, MAX_PREFIX_DEPTH); j++) {
      if (parts[j] === "private" && parts[j + 1] === "var") {
        bump(this.privateVar, parts.slice(0, j).join("/"));
        return;
      }
    }
    for (let j = 0; j <= Math.min(parts.length - 1, MAX_BARE_VAR_DEPTH); j++) {
      if (parts[j] === "var" && DATA_PARTITION_FOLDERS.has(parts[j + 1] ?? "")) {
        bump(this.bareVar, parts.slice(0, j).join("/"));
        return;
      }
    }
    for (let j = 0; j <= Math.min(parts.length - 1, MAX_DATA_PARTITION_DEPTH); j++) {
      const part = parts[j]!;
      if (!DATA_PARTITION_FOLDERS.has(part)) continue;
      const prefix = parts.slice(0, j).join("/");
      let vote = this.dataPartition.get(prefix);
      if (vote === undefined) {
        vote = { count: 0, folders: new Set() };
        this.dataPartition.set(prefix, vote);
      }
      vote.count += 1;
      vote.folders.add(part);
      return;
    }
  }

  /** The winning layout, or undefined when nothing looks like an iOS file system. */
  result(): DumpLayout | undefined {
    const root = winner(this.privateVar) ?? winner(this.bareVar);
    if (root !== undefined) return { prefix: root, mount: "/" };
    let best: { prefix: string; count: number } | undefined;
    for (const [prefix, vote] of this.dataPartition) {
      // One data-partition folder is enough when everything under the prefix sits in such folders.
      if (vote.folders.size < 2 && vote.count !== this.below.get(prefix)) continue;
      if (best === undefined || vote.count > best.count) best = { prefix, count: vote.count };
    }
    return best === undefined ? undefined : { prefix: best.prefix, mount: "/private/var/" };
  }
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function winner(map: Map<string, number>): string | undefined {
  let best: string | undefined;
  let bestCount = 0;
  for (const [key, count] of map) {
    if (count > bestCount) {
      best = key;
      bestCount = count;
    }
  }
  return best;
}

/**
 * The device path of a normalized member path, "" for the dump root itself, or undefined when the
 * member lies outside the root.
 */
export function toDevicePath(path: string, layout: DumpLayout, isSymlink = false): string | undefined {
  let rest: string;
  if (layout.prefix === "") rest = path;
  else if (path === layout.prefix) rest = "";
  else if (path.startsWith(`${layout.prefix}/`)) rest = path.slice(layout.prefix.length + 1);
  else return undefined;
  if (rest === "") return "";
  if (layout.mount === "/private/var/") return `/private/var/${rest}`;
  if (rest === "var" && isSymlink) return "/var";
  if (rest === "var" || rest.startsWith("var/")) return `/private/${rest}`;
  return `/${rest}`;
}

/** Device paths a member might end up with, before the layout is known (for retaining tar.gz data early). */
export function candidateDevicePaths(path: string): string[] {
  const parts = path.split("/");
  const out: string[] = [];
  for (let j = 0; j <= Math.min(parts.length - 1, MAX_PREFIX_DEPTH); j++) {
    const rest = parts.slice(j).join("/");
    out.push(`/${rest}`, `/private/var/${rest}`);
    if (parts[j] === "var") out.push(`/private/${rest}`);
  }
  return out;
}

/** Resolves a symlink target against the link's device path; undefined when it climbs above `/`. */
export function resolveLinkTarget(linkPath: string, target: string): string | undefined {
  const base = target.startsWith("/") ? [] : linkPath.split("/").filter(Boolean).slice(0, -1);
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (base.length === 0) return undefined;
      base.pop();
    } else base.push(part);
  }
  return `/${base.join("/")}`;
}
