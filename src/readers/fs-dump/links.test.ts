import { describe, expect, it } from "vitest";
import { WarningList } from "../../model/warning.js";
import type { EvidenceEntry } from "../types.js";
import { EntryIndex } from "./entry-index.js";
import { DumpLinks, restsBelow } from "./links.js";

type Spec = string | [path: string, target: string];

/** An index of files (paths) and symlinks ([path, target]). */
function dump(specs: readonly Spec[], maxHops = 16): { links: DumpLinks<number>; warnings: WarningList } {
  const index = new EntryIndex<number>();
  for (const spec of specs) {
    const [path, target] = typeof spec === "string" ? [spec, undefined] : spec;
    const entry: EvidenceEntry =
      target === undefined
        ? { path, kind: "file", size: 1, origin: path.slice(1), present: true }
        : { path, kind: "symlink", size: 0, origin: path.slice(1), present: true, linkTarget: target };
    index.add({ entry, locator: 1 });
  }
  const warnings = new WarningList();
  return { links: new DumpLinks(index, { maxHops, warnings }), warnings };
}

const parts = (path: string): string[] => path.split("/").filter(Boolean);

describe("restsBelow", () => {
  it("says where a pattern goes on below a path that matches its beginning", () => {
    const rests = (pattern: string, path: string): string[] =>
      restsBelow(parts(pattern), parts(path)).map((i) => parts(pattern).slice(i).join("/"));
    expect(rests("/a/b/c", "/a/b")).toEqual(["c"]);
    expect(rests("/a/*/c", "/a/x")).toEqual(["c"]);
    expect(rests("/a/*/c", "/b/x")).toEqual([]);
    expect(rests("/a/b", "/a/b")).toEqual([]);
    expect(rests("/a/b", "/a/b/c")).toEqual([]);
    expect(rests("/a/**/c", "/a")).toEqual(["**/c"]);
    expect(rests("/a/**/c", "/a/x/y")).toEqual(["**/c"]);
    expect(rests("/a/**/c/d", "/a/x/c")).toEqual(["**/c/d", "d"]);
    expect(rests("/a/x?/*.db", "/a/xy")).toEqual(["*.db"]);
  });
});

describe("DumpLinks.glob", () => {
  it("gives a linked file under the link's path and says which links led to it", () => {
    const { links } = dump([
      "/private/var/mobile/real/gp.plist",
      ["/private/var/mobile/Library/Preferences/.GlobalPreferences.plist", "../../real/gp.plist"],
    ]);
    expect(links.glob("/private/var/mobile/Library/Preferences/.GlobalPreferences.plist")).toEqual([
      {
        path: "/private/var/mobile/Library/Preferences/.GlobalPreferences.plist",
        kind: "file",
        size: 1,
        origin: "private/var/mobile/real/gp.plist",
        present: true,
        followed: {
          target: "/private/var/mobile/real/gp.plist",
          links: ["/private/var/mobile/Library/Preferences/.GlobalPreferences.plist -> ../../real/gp.plist"],
        },
      },
    ]);
  });

  it("descends linked folders (absolute targets are device paths), with wildcards and **", () => {
    const { links } = dump([
      "/private/var/mobile/realtcc/TCC.db",
      "/private/var/mobile/apps/A/Library/Caches/x/Cache.db",
      "/private/var/mobile/Library/Caches/y/Cache.db",
      ["/private/var/mobile/Library/TCC", "/private/var/mobile/realtcc"],
      ["/private/var/mobile/Containers/Data/Application/B", "../../../apps/A"],
      ["/var", "private/var"],
    ]);
    const paths = (pattern: string): string[] => links.glob(pattern).map((e) => e.path);
    const [tcc] = links.glob("/private/var/mobile/Library/TCC/TCC.db");
    expect(tcc).toMatchObject({
      path: "/private/var/mobile/Library/TCC/TCC.db",
      followed: {
        target: "/private/var/mobile/realtcc/TCC.db",
        links: ["/private/var/mobile/Library/TCC -> /private/var/mobile/realtcc"],
      },
    });
    expect(paths("/private/var/mobile/Library/*/TCC.db")).toEqual(["/private/var/mobile/Library/TCC/TCC.db"]);
    expect(paths("/private/var/mobile/Containers/Data/Application/*/Library/Caches/**/Cache.db")).toEqual([
      "/private/var/mobile/Containers/Data/Application/B/Library/Caches/x/Cache.db",
    ]);
    expect(paths("/var/mobile/Library/TCC/TCC.db")).toEqual(["/var/mobile/Library/TCC/TCC.db"]);
    expect(links.glob("/var/mobile/Library/TCC/TCC.db")[0]!.followed!.links).toEqual([
      "/var -> private/var",
      "/private/var/mobile/Library/TCC -> /private/var/mobile/realtcc",
    ]);
    // A file reached directly and through a link is given once, directly.
    expect(paths("/**/Cache.db")).toEqual([
      "/private/var/mobile/Library/Caches/y/Cache.db",
      "/private/var/mobile/apps/A/Library/Caches/x/Cache.db",
    ]);
  });

  it("stops at loops and at chains longer than the hop budget, with one warning per link", () => {
    const chain: Spec[] = Array.from({ length: 5 }, (_, i) => [`/private/var/c${i}`, `c${i + 1}`]);
    const { links, warnings } = dump(
      [
        "/private/var/c5",
        "/private/var/d/x.db",
        ...chain,
        ["/private/var/loop1", "loop2"],
        ["/private/var/loop2", "/private/var/loop1"],
        ["/private/var/d/up", ".."],
        ["/private/var/d/self", "self"],
      ],
      4,
    );
    expect(links.glob("/private/var/loop1")).toMatchObject([{ kind: "symlink" }]);
    expect(links.glob("/private/var/loop1/x.db")).toEqual([]);
    expect(links.glob("/private/var/c1").map((e) => e.followed?.target)).toEqual(["/private/var/c5"]);
    expect(links.glob("/private/var/c0")).toMatchObject([{ kind: "symlink", path: "/private/var/c0" }]);
    // A link back up: every folder is globbed once, each file given once.
    expect(links.glob("/private/var/**/x.db").map((e) => e.path)).toEqual(["/private/var/d/x.db"]);
    expect(links.glob("/private/var/d/self/x.db")).toEqual([]);
    links.glob("/private/var/loop1");
    // loop1, c4 (the fifth hop from c0), self, and loop2 (met by the ** glob): each once.
    expect(warnings.items).toEqual([
      expect.objectContaining({ code: "SKIPPED", count: 4, file: "/private/var/loop1" }),
    ]);
    expect(warnings.items[0]!.message).toMatch(/loop, or chain more than 4 links/);
  });

  it("examines only links on the way to a glob's fixed part or below it", () => {
    const specs: Spec[] = ["/private/var/mobile/Library/SMS/sms.db"];
    for (let i = 0; i < 20_000; i++)
      specs.push([`/private/var/containers/Bundle/L${i}`, "/private/var/mobile"]);
    const { links } = dump(specs);
    const stats = { linksExamined: -1 };
    expect(links.glob("/private/var/mobile/Library/*/sms.db", stats)).toHaveLength(1);
    expect(stats.linksExamined).toBe(0);
    links.glob("/private/var/mobile/Library/SMS/sms.db", stats);
    expect(stats.linksExamined).toBe(0);
    links.glob("/private/var/containers/Bundle/L1?/Library/SMS/sms.db", stats);
    expect(stats.linksExamined).toBe(20_000);
  });
});
