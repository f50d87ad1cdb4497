import { describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { buildZip } from "../readers/fs-dump/test-archives.js";
import {
  dosToUnix,
  findZipEnd,
  localDataOffset,
  parseCentralEntry,
  parseZip64End,
  parseZip64Locator,
} from "./zip.js";

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("zip structures", () => {
  it("finds the end record past a comment and decodes central records with their extra fields", () => {
    const zip = buildZip(
      [
        {
          name: "a/b.txt",
          data: "hello",
          mode: 0o100640,
          unixTimes: { mtime: 1_600_000_000, atime: 1, crtime: 1_500_000_000 },
        },
        { name: "a/", mode: 0o040755 },
        { name: "a/l", data: "b.txt", mode: 0o120777, method: 0 },
        {
          name: "n.txt",
          data: "x",
          ntfs: { mtime: 1_600_000_000.5, atime: 1_600_000_001, crtime: 1_400_000_000 },
        },
      ],
      { comment: "a comment with PK\x05\x06 inside" },
    );
    const end = findZipEnd(zip, 0)!;
    expect(end).toMatchObject({ entries: 4, needsZip64: false });
    const list = [];
    let at = end.cdOffset;
    for (let i = 0; i < end.entries; i++) {
      const record = parseCentralEntry(zip, at)!;
      list.push(record.entry);
      at = record.next;
    }
    expect(list[0]).toMatchObject({
      name: "a/b.txt",
      kind: "file",
      mode: 0o100640,
      mtime: 1_600_000_000,
      crtime: 1_500_000_000,
      mtimeIsDos: false,
      uncompressedSize: 5,
      method: 8,
    });
    expect(list[1]!.kind).toBe("directory");
    expect(list[2]!.kind).toBe("symlink");
    expect(list[3]).toMatchObject({ mtime: 1_600_000_000.5, crtime: 1_400_000_000, mtimeIsDos: false });
    expect(localDataOffset(zip.subarray(0, 30), 0)).toBe(30 + "a/b.txt".length + 4 + 1 + 3 * 4);
  });

  it("reads ZIP64 sizes, offsets and end records", () => {
    const zip = buildZip([{ name: "big", data: "data" }], { zip64: true });
    const end = findZipEnd(zip.subarray(zip.length - 22), zip.length - 22)!;
    expect(end.needsZip64).toBe(true);
    const locatorAt = end.eocdOffset - 20;
    const zip64At = parseZip64Locator(zip.subarray(locatorAt, locatorAt + 20))!;
    const z64 = parseZip64End(zip.subarray(zip64At, zip64At + 56));
    expect(z64.entries).toBe(1);
    const { entry } = parseCentralEntry(zip, z64.cdOffset)!;
    expect(entry).toMatchObject({
      compressedSize: expect.any(Number),
      uncompressedSize: 4,
      localHeaderOffset: 0,
    });
    expect(() => parseZip64End(Buffer.alloc(56))).toThrow(/Zip64/);
  });

  it("converts DOS dates as UTC and rejects empty ones", () => {
    expect(dosToUnix(((2023 - 1980) << 9) | (1 << 5) | 8, (16 << 11) | (39 << 5) | 8)).toBe(
      Date.UTC(2023, 0, 8, 16, 39, 16) / 1000,
    );
    expect(dosToUnix(0, 0)).toBeUndefined();
  });

  it("throws only coded errors on mutated central directories (fuzz)", () => {
    const base = buildZip([
      { name: "private/var/a", data: "x", unixTimes: { mtime: 5 } },
      { name: "private/var/b", data: "y", ntfs: { mtime: 1, atime: 2, crtime: 3 } },
    ]);
    const random = prng(7);
    for (let round = 0; round < 2000; round++) {
      const bytes = Buffer.from(base);
      for (let i = 0; i < 1 + Math.floor(random() * 6); i++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      try {
        const end = findZipEnd(bytes, 0);
        if (end === undefined) continue;
        let at = end.cdOffset;
        for (let i = 0; i < Math.min(end.entries, 10); i++) {
          const record = parseCentralEntry(bytes, at);
          if (record === undefined) break;
          at = record.next;
        }
      } catch (error) {
        expect(isSpyglassError(error), String(error)).toBe(true);
      }
    }
  });
});
