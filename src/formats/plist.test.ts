import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { corpusPath } from "../testing/corpus.js";
import { writeBinaryPlist } from "./bplist-writer.js";
import { parsePlist, parsePlistDict } from "./plist.js";
import { PlistUid, type PlistValue } from "./plist-value.js";

/** A hand-built bplist: objects as raw encodings, refs of one byte, offsets of two. */
function rawBplist(objects: number[][], top = 0): Buffer {
  const body: number[] = [];
  const offsets: number[] = [];
  for (const object of objects) {
    offsets.push(8 + body.length);
    body.push(...object);
  }
  const tableOffset = 8 + body.length;
  const table = offsets.flatMap((o) => [o >> 8, o & 0xff]);
  const trailer = Buffer.alloc(32);
  trailer[6] = 2;
  trailer[7] = 1;
  trailer.writeBigUInt64BE(BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(BigInt(top), 16);
  trailer.writeBigUInt64BE(BigInt(tableOffset), 24);
  return Buffer.concat([Buffer.from("bplist00"), Buffer.from(body), Buffer.from(table), trailer]);
}

describe("binary plists", () => {
  it("round-trips every value type through our writer", () => {
    const value: PlistValue = {
      ascii: "hello",
      unicode: "Notizen – Übersicht 😀",
      int: 42,
      big: 2 ** 40,
      negative: -7,
      real: 3.25,
      yes: true,
      no: false,
      date: new Date("2023-06-01T08:00:00.000Z"),
      data: new Uint8Array([0, 1, 2, 255]),
      uid: new PlistUid(300),
      list: [1, "two", [3]],
      long: "x".repeat(100),
    };
    const decoded = parsePlist(writeBinaryPlist(value)) as Record<string, PlistValue>;
    expect(decoded.unicode).toBe("Notizen – Übersicht 😀");
    expect(decoded.big).toBe(2 ** 40);
    expect(decoded.negative).toBe(-7);
    expect((decoded.date as Date).toISOString()).toBe("2023-06-01T08:00:00.000Z");
    expect(Buffer.from(decoded.data as Uint8Array).toString("hex")).toBe("000102ff");
    expect((decoded.uid as PlistUid).index).toBe(300);
    expect(decoded.list).toEqual([1, "two", [3]]);
    expect(decoded.long).toBe("x".repeat(100));
  });

  it("refuses an array that contains itself, naming the file and offset", () => {
    // object 0: array of one element, object 0
    const cyclic = rawBplist([[0xa1, 0]]);
    try {
      parsePlist(cyclic, { file: "evil.plist" });
      expect.unreachable();
    } catch (error) {
      expect(isSpyglassError(error, "CORRUPT")).toBe(true);
      expect((error as Error).message).toMatch(/contains itself/);
      expect((error as { file?: string }).file).toBe("evil.plist");
    }
  });

  it("stops a shared-reference fan-out (2^40 values from 42 objects) within the value and time budgets", () => {
    // object i is [i+1, i+1]; the last is an integer: decoding without a budget would never end.
    const objects: number[][] = [];
    for (let i = 0; i < 41; i++) objects.push([0xa2, i + 1, i + 1]);
    objects.push([0x10, 1]);
    expect(() => parsePlist(rawBplist(objects), { budget: { maxValues: 100_000 } })).toThrow(
      /more than 100000 values/,
    );
    expect(() => parsePlist(rawBplist(objects), { budget: { maxValues: 1e12, maxMillis: 20 } })).toThrow(
      /longer than 20 ms/,
    );
  });

  it("refuses nesting deeper than the depth budget", () => {
    const objects: number[][] = [];
    for (let i = 0; i < 200; i++) objects.push([0xa1, i + 1]);
    objects.push([0x10, 1]);
    expect(() => parsePlist(rawBplist(objects), { budget: { maxDepth: 100 } })).toThrow(/deeper than 100/);
  });

  it("reports truncation, bad offsets and bad references as CORRUPT", () => {
    const good = writeBinaryPlist({ a: [1, 2, 3], b: "text" });
    for (const cut of [9, 20, good.length - 1, good.length - 33]) {
      expect(() => parsePlist(good.subarray(0, cut))).toThrow();
    }
    const badRef = rawBplist([[0xa1, 9]]);
    expect(() => parsePlist(badRef)).toThrow(/out of range/);
  });

  it("survives random corruption: only SpyglassErrors, never a hang or another exception", () => {
    const base = writeBinaryPlist({
      list: Array.from({ length: 30 }, (_, i) => ({ k: i, s: `v${i}`, d: new Uint8Array(i) })),
    });
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(base);
      const flips = 1 + Math.floor(random() * 8);
      for (let i = 0; i < flips; i++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        parsePlist(bytes);
      } catch (error) {
        if (!isSpyglassError(error)) throw error;
      }
    }
  });
});

describe("XML plists", () => {
  it("decodes XML (with leading whitespace) to the same values as binary", () => {
    const xml = `  \n<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>Name</key><string>Ana &amp; Bo</string><key>n</key><integer>5</integer>
<key>d</key><data>AAEC</data><key>when</key><date>2023-06-01T08:00:00Z</date><key>uid</key><dict><key>CF$UID</key><integer>3</integer></dict></dict></plist>`;
    const value = parsePlistDict(Buffer.from(xml));
    expect(value.Name).toBe("Ana & Bo");
    expect(value.n).toBe(5);
    expect(Buffer.from(value.d as Uint8Array).toString("hex")).toBe("000102");
    expect((value.when as Date).toISOString()).toBe("2023-06-01T08:00:00.000Z");
    expect(value.uid).toBeInstanceOf(PlistUid);
  });

  it("refuses entity declarations (expansion bombs) and non-plists", () => {
    const bomb = `<?xml version="1.0"?><!DOCTYPE plist [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><plist><string>&b;</string></plist>`;
    expect(() => parsePlist(Buffer.from(bomb))).toThrow(/entities/);
    expect(() => parsePlist(Buffer.from("just text"))).toThrow(/Not a property list/);
    expect(() => parsePlist(Buffer.from("<plist><dict><key>a</key></dict></plist>"))).toThrow(
      /Malformed XML plist/,
    );
  });

  it("refuses XML nesting beyond the depth budget", () => {
    const deep = `<plist>${"<array>".repeat(300)}${"</array>".repeat(300)}</plist>`;
    expect(() => parsePlist(Buffer.from(deep), { budget: { maxDepth: 100 } })).toThrow();
  });

  it("refuses too many or too deep XML values before parsing, naming the file and offset", () => {
    const head = '<?xml version="1.0"?><!-- <array><array> --><plist version="1.0">';
    // Malformed after the budget is crossed: a parse would fail with CORRUPT, the pre-check says BUDGET.
    const wide = Buffer.from(`${head}<dict>${"<key>k</key><string>é</string>".repeat(1000)}<broken`);
    const error = (bytes: Buffer, budget: { maxValues?: number; maxDepth?: number }): unknown => {
      try {
        parsePlist(bytes, { file: "Info.plist", budget });
      } catch (caught) {
        return caught;
      }
      return undefined;
    };
    const many = error(wide, { maxValues: 500 });
    expect(isSpyglassError(many, "BUDGET")).toBe(true);
    expect((many as Error).message).toBe("XML plist exceeds the 500-value budget");
    // The 500th <string> is the 501st value (the dict is the first); é is two bytes in UTF-8.
    const entry = "<key>k</key><string>é</string>";
    expect(many).toMatchObject({
      file: "Info.plist",
      offset: Buffer.byteLength(`${head}<dict>${entry.repeat(499)}<key>k</key>`),
    });
    const deep = Buffer.from(`${head}${"<array>".repeat(20)}<broken`);
    const tooDeep = error(deep, { maxDepth: 10 });
    expect(isSpyglassError(tooDeep, "BUDGET")).toBe(true);
    expect(tooDeep).toMatchObject({ offset: Buffer.byteLength(head) + 10 * "<array>".length });
    // Self-closing empty containers and the comment's tags do not nest.
    const flat = Buffer.from(`${head}<array>${"<array/>".repeat(5)}</array></plist>`);
    expect(parsePlist(flat, { budget: { maxDepth: 1 } })).toHaveLength(5);
  });
});

describe.skipIf(corpusPath("plaso", "plist") === undefined)("plaso's plist robustness cases", () => {
  const dir = corpusPath("plaso", "plist") ?? "";
  it("parses the real plists and reports the broken ones as CORRUPT", () => {
    expect(parsePlistDict(readFileSync(join(dir, "com.apple.iPod.plist")))).toBeDefined();
    expect(parsePlist(readFileSync(join(dir, "leading_whitespace.plist")))).toBeDefined();
    for (const name of ["truncated.plist", "empty.plist"]) {
      try {
        parsePlist(readFileSync(join(dir, name)), { file: name });
      } catch (error) {
        expect(isSpyglassError(error, "CORRUPT"), name).toBe(true);
      }
    }
  });
});
