import { describe, expect, it } from "vitest";
import { WarningList } from "./warning.js";

describe("WarningList.count", () => {
  it("folds repeats of one problem into a count, keeping different problems of one code apart", () => {
    const list = new WarningList();
    const sparse = (n: number): string => `${n} sparse file(s) listed without their data`;
    const duplicate = (n: number): string => `${n} duplicate member(s)`;
    list.count("SKIPPED", sparse, "/a");
    list.count("SKIPPED", duplicate, "/b");
    list.count("SKIPPED", sparse, "/c");
    expect(list.items).toEqual([
      { code: "SKIPPED", message: "2 sparse file(s) listed without their data", count: 2, file: "/a" },
      { code: "SKIPPED", message: "1 duplicate member(s)", count: 1, file: "/b" },
    ]);
  });
});
