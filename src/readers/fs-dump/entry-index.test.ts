import { describe, expect, it } from "vitest";
import { globToRegExp } from "../glob.js";
import type { EvidenceEntry } from "../types.js";
import { EntryIndex } from "./entry-index.js";

function file(path: string): { entry: EvidenceEntry; locator: number } {
  return { entry: { path, kind: "file", size: 1, origin: path, present: true }, locator: 1 };
}

const PATHS = [
  "/private/var/mobile/Library/SMS/sms.db",
  "/private/var/mobile/Library/SMS/sms.db-wal",
  "/private/var/mobile/Library/Safari/History.db",
  "/private/var/mobile/Containers/Data/Application/A1/Library/Caches/com.apple.mobilesafari/Cache.db",
  "/private/var/mobile/Containers/Data/Application/B2/Library/Caches/com.apple.mobilesafari/Cache.db",
  "/private/var/mobile/Containers/Data/Application/B2/Library/Preferences/x.plist",
  "/private/var/db/dhcpclient/leases/en0.plist",
  "/private/var/root/Library/Caches/locationd/cache.plist",
  "/System/Library/CoreServices/SystemVersion.plist",
];

const PATTERNS = [
  "/private/var/mobile/Library/SMS/sms.db",
  "/private/var/mobile/Library/*/sms.db",
  "/private/var/mobile/Containers/Data/Application/*/Library/Caches/com.apple.mobilesafari/Cache.db",
  "/private/var/**/*.plist",
  "/private/var/**",
  "/**/Cache.db",
  "/private/var/mobile/Library/SMS/sms.db*",
  "/private/var/mobile/Library/S?S/*",
  "/private/var/**.db",
  "/private/var/mobile/Library/*",
  "/nothing/**",
];

describe("EntryIndex", () => {
  it("matches exactly what the glob's regular expression matches, synthesising parents", () => {
    const index = new EntryIndex<number>();
    for (const path of PATHS) index.add(file(path));
    const all = [...index.entries()].map((e) => e.path);
    expect(all).toContain("/private/var/mobile/Library/SMS");
    expect(index.lookup("/private")!.entry.kind).toBe("directory");
    for (const pattern of PATTERNS) {
      const regex = globToRegExp(pattern);
      const expected = all.filter((path) => regex.test(path)).sort();
      expect(
        index
          .glob(pattern)
          .map((e) => e.path)
          .sort(),
        pattern,
      ).toEqual(expected);
    }
  });

  it("keeps the first of duplicate paths but lets a real directory replace a synthesised one", () => {
    const index = new EntryIndex<number>();
    index.add(file("/a/b/c"));
    expect(index.add(file("/a/b/c"))).toBe(false);
    const dir: EvidenceEntry = {
      path: "/a/b",
      kind: "directory",
      size: 0,
      origin: "a/b/",
      present: true,
      mode: 0o700,
    };
    expect(index.add({ entry: dir, locator: 2 })).toBe(true);
    expect(index.lookup("/a/b")!.entry.mode).toBe(0o700);
    expect(index.glob("/a/*/c").map((e) => e.path)).toEqual(["/a/b/c"]);
  });

  it("put replaces a listed entry in place, keeping its children, but never a made-up parent", () => {
    const index = new EntryIndex<number>();
    index.add(file("/a/b/c"));
    index.add(file("/a/d"));
    const again = { ...file("/a/d"), locator: 9 };
    expect(index.put(again)).toEqual({ item: index.lookup("/a/d"), replaced: true });
    expect(index.lookup("/a/d")!.locator).toBe(9);
    expect([...index.entries()].map((e) => e.path)).toEqual(["/a", "/a/b", "/a/b/c", "/a/d"]);
    expect(index.put(file("/a/b"))).toBeUndefined();
    expect(index.glob("/a/*/c").map((e) => e.path)).toEqual(["/a/b/c"]);
    expect(index.put(file("/a/e"))).toMatchObject({ replaced: false });
  });

  it("globs by walking the tree: only the entries under the pattern's fixed parts are examined", () => {
    const index = new EntryIndex<number>();
    for (let app = 0; app < 2_000; app++) {
      for (let f = 0; f < 100; f++)
        index.add(file(`/private/var/mobile/Containers/Data/Application/${app}/Documents/f${f}`));
    }
    index.add(file("/private/var/mobile/Library/SMS/sms.db"));
    const total = [...index.entries()].length;
    expect(total).toBeGreaterThan(200_000);
    // Speed itself is for bench/, not tests: here we check how much of the index a glob touches.
    for (const [pattern, count, maxExamined] of [
      ["/private/var/mobile/Library/SMS/*.db", 1, 10],
      ["/private/var/mobile/Containers/Data/Application/*/Documents/f7", 2_000, 2_000],
    ] as const) {
      const stats = { examined: 0 };
      const found = index.glob(pattern, stats);
      expect(found).toHaveLength(count);
      expect(found.every((entry) => globToRegExp(pattern).test(entry.path))).toBe(true);
      expect(stats.examined, pattern).toBeLessThanOrEqual(maxExamined);
    }
  });
});
