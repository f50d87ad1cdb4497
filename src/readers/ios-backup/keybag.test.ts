import { describe, expect, it } from "vitest";
import { isSpyglassError } from "../../errors.js";
import { parseKeybag, unusualDerivation } from "./keybag.js";

function tlv(tag: string, value: Buffer | number): Buffer {
  const data =
    typeof value === "number"
      ? Buffer.from([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff])
      : value;
  const head = Buffer.alloc(8);
  head.write(tag, 0, "latin1");
  head.writeUInt32BE(data.length, 4);
  return Buffer.concat([head, data]);
}

const keybag = Buffer.concat([
  tlv("VERS", 5),
  tlv("TYPE", 1),
  tlv("UUID", Buffer.alloc(16, 1)),
  tlv("WRAP", 0),
  tlv("SALT", Buffer.alloc(20, 2)),
  tlv("ITER", 10_000),
  tlv("DPWT", 1),
  tlv("DPIC", 10_000_000),
  tlv("DPSL", Buffer.alloc(20, 3)),
  tlv("UUID", Buffer.alloc(16, 4)),
  tlv("CLAS", 1),
  tlv("WRAP", 3),
  tlv("KTYP", 0),
  tlv("WPKY", Buffer.alloc(40, 5)),
  tlv("UUID", Buffer.alloc(16, 6)),
  tlv("CLAS", 2),
  tlv("WRAP", 2),
  tlv("KTYP", 1),
  tlv("WPKY", Buffer.alloc(40, 7)),
  tlv("PBKY", Buffer.alloc(32, 8)),
]);

describe("backup keybag", () => {
  it("reads the header and every class record", () => {
    const bag = parseKeybag(keybag);
    expect(bag).toMatchObject({ version: 5, type: 1, iterations: 10_000, dpic: 10_000_000 });
    expect(bag.dpsl?.equals(Buffer.alloc(20, 3))).toBe(true);
    expect(bag.classes.map((c) => [c.protectionClass, c.wrap, c.keyType])).toEqual([
      [1, 3, 0],
      [2, 2, 1],
    ]);
  });

  it("names the offset of a truncated or garbled record", () => {
    try {
      parseKeybag(keybag.subarray(0, keybag.length - 5), "Manifest.plist");
      expect.unreachable();
    } catch (error) {
      expect(isSpyglassError(error, "CORRUPT")).toBe(true);
      expect((error as { offset?: number }).offset).toBeGreaterThan(0);
    }
    expect(() => parseKeybag(Buffer.from("\u0000\u0001garbage"))).toThrow(/invalid tag|truncated/);
    expect(() => parseKeybag(Buffer.concat([tlv("VERS", 5), tlv("SALT", Buffer.alloc(20))]))).toThrow(
      /no SALT or ITER/,
    );
    expect(() =>
      parseKeybag(
        Buffer.concat([tlv("SALT", Buffer.alloc(20)), tlv("ITER", 0), tlv("UUID", Buffer.alloc(16))]),
      ),
    ).toThrow(/iteration count/);
  });

  it("never throws anything but a SpyglassError on random bytes or random mutations", () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 2000; round++) {
      const bytes = round % 2 === 0 ? Buffer.from(keybag) : Buffer.alloc(Math.floor(random() * 300));
      for (let i = 0; i < 1 + Math.floor(random() * 6); i++)
        if (bytes.length > 0) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        parseKeybag(bytes);
      } catch (error) {
        if (!isSpyglassError(error)) throw error;
      }
    }
  });

  it("refuses an empty DPSL or SALT, and DPSL without DPIC, naming the record (not a wrong password later)", () => {
    const replace = (tag: string, value: Buffer | number | undefined): Buffer => {
      const records: Buffer[] = [];
      let at = 0;
      while (at < keybag.length) {
        const length = keybag.readUInt32BE(at + 4);
        const record = keybag.subarray(at, at + 8 + length);
        if (record.toString("latin1", 0, 4) !== tag) records.push(record);
        else if (value !== undefined) records.push(tlv(tag, value));
        at += 8 + length;
      }
      return Buffer.concat(records);
    };
    const cases: Array<[Buffer, RegExp]> = [
      [replace("DPSL", Buffer.alloc(0)), /DPSL record .* is empty/],
      [replace("SALT", Buffer.alloc(0)), /SALT record is empty/],
      [replace("DPIC", undefined), /DPSL record without DPIC/],
      [replace("DPSL", undefined), /DPIC record without DPSL/],
    ];
    for (const [bytes, message] of cases) {
      expect(() => parseKeybag(bytes)).toThrow(message);
      expect(() => parseKeybag(bytes)).toThrow(/Backup keybag is malformed/);
    }
  });

  it("warns of iteration counts far above real backups' and still refuses absurd ones", () => {
    const withCounts = (dpic: number, iter: number): Buffer =>
      Buffer.concat([
        tlv("VERS", 5),
        tlv("SALT", Buffer.alloc(20, 2)),
        tlv("ITER", iter),
        tlv("DPIC", dpic),
        tlv("DPSL", Buffer.alloc(20, 3)),
        tlv("UUID", Buffer.alloc(16, 4)),
        tlv("UUID", Buffer.alloc(16, 6)),
        tlv("CLAS", 2),
        tlv("WRAP", 2),
        tlv("WPKY", Buffer.alloc(40, 7)),
      ]);
    expect(unusualDerivation(parseKeybag(withCounts(10_000_000, 10_000)))).toBeUndefined();
    expect(unusualDerivation(parseKeybag(withCounts(100_000_000, 10_000)))).toMatch(
      /100,000,000 PBKDF2-SHA256 rounds \(DPIC\).*far more than real backups \(10,000,000 and 10,000\).*about 10 times as long/,
    );
    expect(unusualDerivation(parseKeybag(withCounts(10_000_000, 50_000_000)))).toMatch(
      /50,000,000 PBKDF2-SHA1/,
    );
    expect(() => parseKeybag(withCounts(100_000_001, 10_000))).toThrow(/iteration count out of range/);
  });
});
