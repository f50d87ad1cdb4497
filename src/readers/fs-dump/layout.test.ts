import { describe, expect, it } from "vitest";
import {
  candidateDevicePaths,
  LayoutVotes,
  normalizeMemberName,
  resolveLinkTarget,
  toDevicePath,
} from "./layout.js";

function layoutOf(names: string[]) {
  const votes = new LayoutVotes();
  for (const name of names) {
    const normalized = normalizeMemberName(name);
    if (!("unsafe" in normalized) && normalized.path !== "") votes.add(normalized.path);
  }
  return votes.result();
}

describe("layout", () => {
  it("normalizes member names and refuses '..'", () => {
    expect(normalizeMemberName("./private//var/./mobile/")).toEqual({
      path: "private/var/mobile",
      absolute: false,
    });
    expect(normalizeMemberName("/private/var")).toEqual({ path: "private/var", absolute: true });
    expect(normalizeMemberName("../../etc/passwd")).toEqual({ unsafe: true });
    expect(normalizeMemberName("private/var/../x")).toEqual({ unsafe: true });
  });

  it("finds the root prefix most members agree on", () => {
    expect(layoutOf(["./private/var/mobile/a", "./System/x"])).toEqual({ prefix: "", mount: "/" });
    expect(layoutOf(["/private/var/mobile/a"])).toEqual({ prefix: "", mount: "/" });
    expect(
      layoutOf(["filesystem1/private/var/a", "filesystem1/private/var/b", "junk/private/var/c"]),
    ).toEqual({ prefix: "filesystem1", mount: "/" });
    expect(layoutOf(["dump/var/mobile/a", "dump/var/db/b"])).toEqual({ prefix: "dump", mount: "/" });
    expect(layoutOf(["filesystem2/mobile/a", "filesystem2/wireless/b"])).toEqual({
      prefix: "filesystem2",
      mount: "/private/var/",
    });
    expect(layoutOf(["filesystem2/wireless/Library/a.plist"])).toEqual({
      prefix: "filesystem2",
      mount: "/private/var/",
    });
    expect(
      layoutOf(["sysdiagnose_x/logs/a", "sysdiagnose_x/mobile/b", "sysdiagnose_x/ps.txt"]),
    ).toBeUndefined();
    expect(layoutOf(["home/user/a"])).toBeUndefined();
  });

  it("finds private/var up to six folders deep, the generic layouts only near the top", () => {
    const deep = "Case 12/Export/iPhone/FFS/Dump";
    expect(layoutOf([`${deep}/private/var/mobile/a`, `${deep}/System/x`])).toEqual({
      prefix: deep,
      mount: "/",
    });
    expect(layoutOf(["1/2/3/4/5/6/private/var/a"])).toEqual({ prefix: "1/2/3/4/5/6", mount: "/" });
    expect(layoutOf(["1/2/3/4/5/6/7/private/var/a"])).toBeUndefined();
    // A copy of a tree inside the dump never wins over the shallower root.
    expect(layoutOf(["private/var/mobile/Media/copy/private/var/a"])).toEqual({ prefix: "", mount: "/" });
    expect(layoutOf(["a/b/c/d/var/db/x", "a/b/c/d/var/root/y"])).toBeUndefined();
    expect(layoutOf(["a/b/c/mobile/x", "a/b/c/wireless/y"])).toBeUndefined();
    expect(candidateDevicePaths(`${deep}/private/var/mobile/a`)).toContain("/private/var/mobile/a");
  });

  it("maps to device paths", () => {
    const root = { prefix: "filesystem1", mount: "/" } as const;
    expect(toDevicePath("filesystem1/private/var/mobile", root)).toBe("/private/var/mobile");
    expect(toDevicePath("filesystem1/var/mobile", root)).toBe("/private/var/mobile");
    expect(toDevicePath("filesystem1/var", root, true)).toBe("/var");
    expect(toDevicePath("filesystem1", root)).toBe("");
    expect(toDevicePath("filesystem10/x", root)).toBeUndefined();
    expect(toDevicePath("wireless/x", { prefix: "", mount: "/private/var/" })).toBe(
      "/private/var/wireless/x",
    );
    expect(candidateDevicePaths("fs/private/var/mobile/a")).toContain("/private/var/mobile/a");
    expect(candidateDevicePaths("filesystem2/mobile/a")).toContain("/private/var/mobile/a");
  });

  it("resolves link targets in device space and refuses climbing above /", () => {
    expect(resolveLinkTarget("/private/var/mobile/link", "Library/x")).toBe("/private/var/mobile/Library/x");
    expect(resolveLinkTarget("/private/var/mobile/link", "../root")).toBe("/private/var/root");
    expect(resolveLinkTarget("/var", "private/var")).toBe("/private/var");
    expect(resolveLinkTarget("/private/var/mobile/link", "/etc/passwd")).toBe("/etc/passwd");
    expect(resolveLinkTarget("/private/var/mobile/link", "../../../../etc/passwd")).toBeUndefined();
  });
});
