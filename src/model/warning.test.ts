import { describe, expect, it } from "vitest";
import { WarningList, warningLine } from "./warning.js";

describe("WarningList.count", () => {
  it("folds repeats of one reason into a count with the first example", () => {
    const list = new WarningList();
    for (const name of ["a", "b", "c"]) list.count("SKIPPED", (n) => `${n} sparse file(s) skipped`, name);
    expect(list.items).toEqual([
      { code: "SKIPPED", message: "3 sparse file(s) skipped", count: 3, file: "a" },
    ]);
  });

  it("keeps each reason of one code apart, each with its own count and example", () => {
    const list = new WarningList();
    const dotdot = (n: number): string => `${n} member(s) with '..' refused`;
    list.count("UNSAFE_PATH", dotdot, "../../etc/passwd");
    list.count("UNSAFE_PATH", (n) => `${n} symlink(s) pointing above the dump root refused`, "l -> ../..");
    list.count("UNSAFE_PATH", dotdot, "x/../../y");
    list.count(
      "UNSAFE_PATH",
      (n) => `${n} hard link(s) to a member outside the dump root refused`,
      "h -> ..",
    );
    expect(list.items).toEqual([
      { code: "UNSAFE_PATH", message: "2 member(s) with '..' refused", count: 2, file: "../../etc/passwd" },
      {
        code: "UNSAFE_PATH",
        message: "1 symlink(s) pointing above the dump root refused",
        count: 1,
        file: "l -> ../..",
      },
      {
        code: "UNSAFE_PATH",
        message: "1 hard link(s) to a member outside the dump root refused",
        count: 1,
        file: "h -> ..",
      },
    ]);
  });

  it("never folds into a warning that was added whole", () => {
    const list = new WarningList();
    list.add({ code: "CORRUPT", message: "3 rows skipped", count: 3 });
    list.count("CORRUPT", (n) => `${n} rows skipped`);
    expect(list.items.map((w) => w.count)).toEqual([3, 1]);
  });
});

describe("warningLine", () => {
  it("names the file once", () => {
    expect(warningLine({ code: "CORRUPT", message: "bad", file: "/a" })).toBe("bad (/a)");
    expect(warningLine({ code: "CORRUPT", message: "bad (/a at offset 0)", file: "/a" })).toBe(
      "bad (/a at offset 0)",
    );
    expect(warningLine({ code: "CORRUPT", message: "bad" })).toBe("bad");
    expect(warningLine({ code: "CORRUPT", message: "bad page", file: "/a", offset: 4096 })).toBe(
      "bad page (/a at offset 4096)",
    );
  });
});
