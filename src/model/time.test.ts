import { describe, expect, it } from "vitest";
import {
  fromCocoaNanoseconds,
  fromCocoaSeconds,
  fromDate,
  fromUnixMicroseconds,
  fromUnixMilliseconds,
  fromUnixSeconds,
  fromWebkitMicroseconds,
  isoFromMillis,
} from "./time.js";

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

describe("timestamp converters, on known values", () => {
  // 2023-04-11T14:45:15.450549Z in each encoding (plaso's DataUsage row 0 holds the Cocoa value).
  const ISO = "2023-04-11T14:45:15.450Z";

  it("Cocoa seconds since 2001-01-01 (Core Data, plists)", () => {
    expect(fromCocoaSeconds(702_917_115.450549)).toBe(ISO);
    expect(fromCocoaSeconds(0.5)).toBe("2001-01-01T00:00:00.500Z");
    expect(fromCocoaSeconds(-978_307_199)).toBe("1970-01-01T00:00:01.000Z");
    expect(fromCocoaSeconds("702917115.450549")).toBe(ISO);
    expect(fromCocoaSeconds(702_917_115n)).toBe("2023-04-11T14:45:15.000Z");
  });

  it("Cocoa nanoseconds (sms.db since iOS 11), with seconds still accepted from older sms.db", () => {
    expect(fromCocoaNanoseconds(702_917_115_450_549_000)).toBe(ISO);
    expect(fromCocoaNanoseconds(702_917_115_450_549_000n)).toBe(ISO);
    expect(fromCocoaNanoseconds(702_917_115)).toBe("2023-04-11T14:45:15.000Z");
    // The cut between the two: 1e11 seconds is past the year 5000, 1e11 ns is 100 s after 2001.
    expect(fromCocoaNanoseconds(100_000_000_001)).toBe("2001-01-01T00:01:40.000Z");
    expect(fromCocoaNanoseconds(100_000_000_000)).toBeUndefined();
  });

  it("WebKit and Chrome microseconds since 1601-01-01", () => {
    expect(fromWebkitMicroseconds(13_150_000_000_000_000)).toBe("2017-09-16T01:46:40.000Z");
    expect(fromWebkitMicroseconds(13_325_697_915_450_000)).toBe(ISO);
  });

  it("Unix seconds, milliseconds and microseconds", () => {
    expect(fromUnixSeconds(1_681_224_315.450549)).toBe(ISO);
    expect(fromUnixMilliseconds(1_681_224_315_450.549)).toBe(ISO);
    expect(fromUnixMicroseconds(1_681_224_315_450_549)).toBe(ISO);
    expect(fromDate(new Date(ISO))).toBe(ISO);
  });

  it("gives no time for zero, null, junk and values outside 1970–2100", () => {
    for (const convert of [
      fromCocoaSeconds,
      fromCocoaNanoseconds,
      fromWebkitMicroseconds,
      fromUnixSeconds,
      fromUnixMilliseconds,
      fromUnixMicroseconds,
    ]) {
      for (const value of [0, null, undefined, "", "soon", Number.NaN, Number.POSITIVE_INFINITY, {}])
        expect(convert(value), `${convert.name}(${String(value)})`).toBeUndefined();
    }
    expect(fromUnixSeconds(Date.UTC(2101, 0, 1) / 1000)).toBeUndefined();
    expect(fromCocoaSeconds(-978_307_201)).toBeUndefined();
    expect(fromDate(new Date(Number.NaN))).toBeUndefined();
    expect(fromDate("2023-04-11")).toBeUndefined();
  });
});
