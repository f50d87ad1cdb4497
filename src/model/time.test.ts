import { describe, expect, it } from "vitest";
import { fromUnixMilliseconds, isoFromMillis } from "./time.js";

describe("isoFromMillis", () => {
  it("formats exactly as Date#toISOString over 1970–2100", () => {
    const known = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      951_782_400_000, // 2000-02-29
      978_307_200_000, // Cocoa epoch
      1_709_164_800_123, // 2024-02-29
      4_107_542_399_999, // 2099-12-31T23:59:59.999Z
      Date.UTC(2100, 0, 1),
    ];
    let seed = 7;
    for (let i = 0; i < 20_000; i++) {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      known.push(Math.floor((seed / 2_147_483_648) * Date.UTC(2100, 0, 1)) + (i % 3) * 0.5);
    }
    for (const ms of known) expect(isoFromMillis(ms)).toBe(new Date(ms).toISOString());
  });

  it("is what the converters return", () => {
    expect(fromUnixMilliseconds(1_700_000_000_000)).toBe("2023-11-14T22:13:20.000Z");
    expect(fromUnixMilliseconds(Date.UTC(2101, 0, 1))).toBeUndefined();
  });
});
