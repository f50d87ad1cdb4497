import { describe, expect, it } from "vitest";
import { createRandomSource, randomUuid } from "./random-source.js";

describe("createRandomSource", () => {
  it("is a reproducible stream with a seed, whatever the call sizes", () => {
    const whole = createRandomSource("s")(100);
    const parts = createRandomSource("s");
    expect(Buffer.concat([parts(1), parts(31), parts(68)]).equals(whole)).toBe(true);
    expect(createRandomSource("t")(100).equals(whole)).toBe(false);
    expect(createRandomSource()(32).equals(createRandomSource()(32))).toBe(false);
  });

  it("formats version-4 UUIDs", () => {
    expect(randomUuid(createRandomSource("u"))).toMatch(
      /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
    );
  });
});
