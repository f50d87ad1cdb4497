import { describe, expect, it } from "vitest";
import { devicePath, domainRoot } from "./domains.js";

describe("backup domains → device paths", () => {
  it("maps fixed and prefixed domains", () => {
    expect(devicePath("HomeDomain", "Library/SMS/sms.db")).toBe("/private/var/mobile/Library/SMS/sms.db");
    expect(devicePath("AppDomainGroup-group.net.whatsapp.WhatsApp.shared", "ChatStorage.sqlite")).toBe(
      "/private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite",
    );
    expect(domainRoot("WeirdDomain")).toBe("/private/var/.backup-domains/WeirdDomain");
  });

  it("keeps names that merely start with dots, and resolves empty, . and .. components inside the root", () => {
    const home = "/private/var/mobile";
    const cases: Array<[string, string]> = [
      ["", home],
      [".hidden/..x/a..b/...", `${home}/.hidden/..x/a..b/...`],
      ["Library/.Trash/a.b", `${home}/Library/.Trash/a.b`],
      ["a/./b", `${home}/a/b`],
      ["a/..", home],
      ["a//b", `${home}/a/b`],
      ["/a/b/", `${home}/a/b`],
      ["./a/./b/.", `${home}/a/b`],
      ["a/../b", `${home}/b`],
      ["../../../etc/passwd", `${home}/etc/passwd`],
      ["..", home],
      [".", home],
    ];
    for (const [relativePath, expected] of cases)
      expect(devicePath("HomeDomain", relativePath), relativePath).toBe(expected);
  });
});
