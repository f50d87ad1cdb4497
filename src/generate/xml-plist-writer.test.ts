import { describe, expect, it } from "vitest";
import { parsePlist } from "../formats/plist.js";
import { PlistUid } from "../formats/plist-value.js";
import { writeXmlPlist } from "./xml-plist-writer.js";

describe("writeXmlPlist", () => {
  it("round-trips every XML plist type through parsePlist", () => {
    const value = {
      text: "a < b & c > d – Übersicht",
      integer: 42,
      negative: -7,
      big: 2 ** 40,
      real: 1.5,
      yes: true,
      no: false,
      date: new Date("2023-08-20T09:15:00Z"),
      data: Buffer.from("0123456789".repeat(10)),
      empty: { list: [], dict: {} },
      nested: [{ a: ["x", 1] }],
    };
    expect(parsePlist(writeXmlPlist(value))).toEqual({ ...value, data: new Uint8Array(value.data) });
  });

  it("refuses values that XML plists cannot hold", () => {
    expect(() => writeXmlPlist({ a: new PlistUid(1) })).toThrow(TypeError);
    expect(() => writeXmlPlist({ a: null })).toThrow(TypeError);
  });
});
