import { describe, expect, it } from "vitest";
import { isWithheld, redactRecord } from "./output.js";

describe("redactRecord", () => {
  it("withholds content fields in a form isWithheld recognises, and keeps the rest", () => {
    const redacted = redactRecord(
      { text: "hello", handle: "+441234" },
      { contentFields: ["text"] },
      false,
    ) as {
      text: string;
      handle: string;
    };
    expect(isWithheld(redacted.text)).toBe(true);
    expect(redacted.text).toContain("5 characters");
    expect(redacted.handle).toBe("+441234");
    expect(isWithheld("hello")).toBe(false);
    expect(isWithheld("[withheld: many characters; use --include-content to keep]")).toBe(false);
    expect(redactRecord({ text: "hello" }, { contentFields: ["text"] }, true)).toEqual({ text: "hello" });
  });
});
