/** Turns the members a dump backend listed into an EvidenceSource: layout, device paths, links, safety checks. */
import { SpyglassError } from "../../errors.js";
import type { WarningList } from "../../model/warning.js";
import { type OpenedDatabase, openSqliteImage } from "../../sqlite/open.js";
import type { EvidenceEntry, EvidenceSource } from "../types.js";
import { EntryIndex, type IndexedEntry } from "./entry-index.js";
import {
  type DumpLayout,
  LayoutVotes,
  normalizeMemberName,
  resolveLinkTarget,
  toDevicePath,
} from "./layout.js";
import { DumpLinks } from "./links.js";

/** A member as a backend lists it, before its device path is known: the entry's metadata plus its name. */
export interface RawMember<L>
  extends Pick<
    EvidenceEntry,
    "size" | "mode" | "uid" | "gid" | "birthAt" | "modifiedAt" | "changedAt" | "accessedAt" | "present"
  > {
  /** The name as stored (archive member name, or path relative to the folder). */
  name: string;
  kind: "file" | "directory" | "symlink" | "hardlink" | "other";
  /** Symlink target as stored, or the member name a hard link points to. */
  linkTarget?: string;
  locator: L;
}

/** Reads member bytes for a source; the only part that differs between folders, tar and zip. */
export interface DumpBackend<L> {
  readMember(locator: L, entry: EvidenceEntry, maxBytes: number): Promise<Buffer>;
  close(): Promise<void>;
}

/** A hard link's target, until it is replaced by the target's own locator. */
export class HardlinkTarget {
  constructor(readonly path: string) {}
}

/** Where an indexed entry's bytes come from: the backend's locator (kept as is, to save memory per entry). */
export type DumpLocator<L> = L | HardlinkTarget;

/** Budgets that apply when reading from a built source. */
export interface SourceBudget {
  /** Default and largest `read()` size. */
  maxFileBytes: number;
  /** Symlinks followed for one read. */
  maxLinkHops: number;
}

/** The built source plus its index (for backends that prune retained data afterwards). */
export interface BuiltSource<L> {
  source: EvidenceSource;
  index: EntryIndex<DumpLocator<L>>;
  layout: DumpLayout;
}

/** Builds the EvidenceSource from listed members; throws UNSUPPORTED when nothing looks like an iOS file system. */
export function buildDumpSource<L>(
  input: string,
  members: readonly RawMember<L>[],
  backend: DumpBackend<L>,
  options: { warnings: WarningList; budget: SourceBudget; layout?: DumpLayout },
): BuiltSource<L> {
  const warnings = options.warnings;
  const normalized: Array<{ path: string; absolute: boolean } | undefined> = [];
  const votes = new LayoutVotes();
  for (const member of members) {
    const name = normalizeMemberName(member.name);
    if ("unsafe" in name) {
      warnings.count(
        "UNSAFE_PATH",
        (n) => `${n} member(s) with '..' in their path refused (they would escape the dump root)`,
        member.name,
      );
      normalized.push(undefined);
      continue;
    }
    normalized.push(name);
    if (name.path !== "") votes.add(name.path);
  }
  const layout = options.layout ?? votes.result();
  if (layout === undefined) {
    throw new SpyglassError("UNSUPPORTED", "Not a file-system dump: no private/var tree found", {
      file: input,
      hint: "A dump holds private/var/… at its root or under one folder such as filesystem1/",
    });
  }

  const index = new EntryIndex<DumpLocator<L>>();
  const hardlinks = new Set<IndexedEntry<DumpLocator<L>>>();
  members.forEach((member, i) => {
    const name = normalized[i];
    if (name === undefined) return;
    const mapped = toDevicePath(name.path, layout, member.kind === "symlink");
    // When the device path is the tail of the member name (the usual case), take it as a slice:
    // V8 then shares the name's characters instead of storing them twice for millions of entries.
    const path =
      mapped !== undefined && mapped !== "" && member.name.endsWith(mapped)
        ? member.name.slice(member.name.length - mapped.length)
        : mapped;
    // A folder member "private/var/…" maps to "/private/var/…": then the origin is the slice.
    const origin =
      path !== undefined && path.length === member.name.length + 1 && path.endsWith(member.name)
        ? path.slice(1)
        : member.name;
    if (path === "") return;
    if (path === undefined) {
      if (name.absolute) {
        warnings.count(
          "UNSAFE_PATH",
          (n) => `${n} absolute member path(s) outside the dump root refused`,
          member.name,
        );
      } else {
        warnings.count("SKIPPED", (n) => `${n} member(s) outside the dump root skipped`, member.name);
      }
      return;
    }
    if (member.kind === "other") {
      warnings.count("SKIPPED", (n) => `${n} special file(s) (device, fifo) skipped`, member.name);
      return;
    }
    const entry: EvidenceEntry = {
      path,
      kind: member.kind === "hardlink" ? "file" : member.kind,
      size: member.kind === "file" ? member.size : 0,
      origin,
      present: member.present,
    };
    if (member.mode !== undefined) entry.mode = member.mode;
    if (member.uid !== undefined) entry.uid = member.uid;
    if (member.gid !== undefined) entry.gid = member.gid;
    if (member.birthAt !== undefined) entry.birthAt = member.birthAt;
    if (member.modifiedAt !== undefined) entry.modifiedAt = member.modifiedAt;
    if (member.changedAt !== undefined) entry.changedAt = member.changedAt;
    if (member.accessedAt !== undefined) entry.accessedAt = member.accessedAt;
    if (member.kind === "symlink") {
      const target = member.linkTarget ?? "";
      entry.linkTarget = target;
      if (resolveLinkTarget(path, target) === undefined) {
        warnings.count(
          "UNSAFE_PATH",
          (n) => `${n} symlink(s) pointing above the dump root refused`,
          `${member.name} -> ${target}`,
        );
        return;
      }
      if (layout.mount !== "/" && target.startsWith("/") && !target.startsWith(layout.mount)) {
        // Listed (the link is evidence) but it can never be followed: its target is not in this dump.
        warnings.count(
          "UNSAFE_PATH",
          (n) => `${n} symlink(s) pointing outside the dump; they are listed but not followed`,
          `${member.name} -> ${target}`,
        );
      }
    }
    // A backend whose locator is the member name (folders) shares the origin string instead.
    let locator: DumpLocator<L> =
      (member.locator as unknown) === member.name ? (origin as unknown as L) : member.locator;
    if (member.kind === "hardlink") {
      const targetName = normalizeMemberName(member.linkTarget ?? "");
      const targetPath = "unsafe" in targetName ? undefined : toDevicePath(targetName.path, layout, false);
      if (targetPath === undefined || targetPath === "") {
        warnings.count(
          "UNSAFE_PATH",
          (n) => `${n} hard link(s) to a member outside the dump root refused`,
          `${member.name} -> ${member.linkTarget ?? ""}`,
        );
        return;
      }
      locator = new HardlinkTarget(targetPath);
      entry.linkTarget = targetPath;
    }
    const placed = index.put({ entry, locator });
    if (placed === undefined) {
      warnings.count(
        "SKIPPED",
        (n) => `${n} member(s) skipped: a folder made up for members below holds their path`,
        path,
      );
      return;
    }
    if (placed.replaced) {
      // Extracting the archive would overwrite the earlier member with this one.
      warnings.count(
        "SKIPPED",
        (n) => `${n} duplicate member(s): the last one is kept, as extraction would leave it`,
        path,
      );
    }
    if (locator instanceof HardlinkTarget) hardlinks.add(placed.item);
  });
  // The source's methods close over this scope: drop what they must not keep alive.
  normalized.length = 0;
  for (const item of hardlinks) {
    // A later duplicate may have replaced the link (or linked elsewhere): the node's final locator decides.
    if (!(item.locator instanceof HardlinkTarget)) continue;
    const found = index.lookup(item.locator.path);
    if (
      found === undefined ||
      found.entry.kind !== "file" ||
      found.locator === undefined ||
      found.locator instanceof HardlinkTarget
    ) {
      item.entry.present = false;
      warnings.count(
        "MISSING_PAYLOAD",
        (n) => `${n} hard link(s) whose target is not in the dump`,
        item.entry.path,
      );
      continue;
    }
    item.entry.size = found.entry.size;
    item.entry.present = found.entry.present;
    item.locator = found.locator;
  }

  const links = new DumpLinks(index, { maxHops: options.budget.maxLinkHops, warnings });
  // An entry found through links names the file they led to; any other path is resolved now.
  const resolve = (entry: EvidenceEntry): IndexedEntry<DumpLocator<L>> | undefined => {
    if (entry.followed !== undefined) return index.lookup(entry.followed.target);
    const resolved = links.resolve(entry.path);
    return "item" in resolved ? resolved.item : undefined;
  };

  const readItem = async (entry: EvidenceEntry, maxBytes: number): Promise<Buffer> => {
    const item = resolve(entry);
    if (item === undefined) {
      throw new SpyglassError(
        "NOT_FOUND",
        `${entry.path} is not in the dump (or is a link leading outside it)`,
        {
          file: entry.path,
        },
      );
    }
    const found = item.entry;
    if (found.kind !== "file") {
      throw new SpyglassError("UNSUPPORTED", `${entry.path} is a ${found.kind}, not a file`, {
        file: entry.path,
      });
    }
    if (!found.present || item.locator === undefined || item.locator instanceof HardlinkTarget) {
      throw new SpyglassError("NOT_FOUND", `${entry.path}: its payload is not in the dump`, {
        file: entry.path,
      });
    }
    if (found.size > maxBytes) {
      throw new SpyglassError(
        "BUDGET",
        `${entry.path} is ${found.size} bytes, over the ${maxBytes}-byte read budget`,
        {
          file: entry.path,
        },
      );
    }
    return backend.readMember(item.locator, found, maxBytes);
  };

  const source: EvidenceSource = {
    kind: "fs-dump",
    input,
    device: {},
    warnings: warnings.items,
    entries: () => index.entries(),
    get: (path) => index.lookup(path)?.entry,
    glob: (pattern) => index.glob(pattern),
    globThroughLinks: (pattern) => links.glob(pattern),
    read: (entry, readOptions) =>
      readItem(
        entry,
        Math.min(readOptions?.maxBytes ?? options.budget.maxFileBytes, options.budget.maxFileBytes),
      ),
    async openDatabase(entry): Promise<OpenedDatabase> {
      const bytes = await readItem(entry, options.budget.maxFileBytes);
      const target = resolve(entry)?.entry.path ?? entry.path;
      const walResolved = links.resolve(`${target}-wal`);
      const walItem = "item" in walResolved ? walResolved.item : undefined;
      let wal: Buffer | undefined;
      if (walItem !== undefined && walItem.entry.kind === "file" && walItem.entry.size > 0) {
        try {
          wal = await readItem(walItem.entry, options.budget.maxFileBytes);
        } catch (error) {
          warnings.add({
            code: "CORRUPT",
            message: `write-ahead log not applied: ${(error as Error).message}`,
            file: walItem.entry.path,
          });
        }
      }
      return openSqliteImage(bytes, { file: entry.path, ...(wal === undefined ? {} : { wal }) });
    },
    close: () => backend.close(),
  };
  return { source, index, layout };
}
