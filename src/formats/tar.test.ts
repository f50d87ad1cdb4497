import { describe, expect, it } from "vitest";
import { buildTar } from "../readers/fs-dump/test-archives.js";
import {
  type ByteReader,
  looksLikeTarHeader,
  parsePaxRecords,
  type TarMember,
  type TarProblem,
  walkTar,
} from "./tar.js";

class BufferReader implements ByteReader {
  position = 0;
  constructor(private readonly bytes: Buffer) {}
  async read(length: number): Promise<Buffer> {
    const out = this.bytes.subarray(this.position, this.position + length);
    this.position += out.length;
    return out;
  }
  async skip(length: number): Promise<number> {
    const n = Math.max(0, Math.min(length, this.bytes.length - this.position));
    this.position += n;
    return n;
  }
}

async function members(
  bytes: Buffer,
  maxMetadataBytes = 1 << 20,
): Promise<{ list: TarMember[]; problems: TarProblem[] }> {
  const list: TarMember[] = [];
  const problems: TarProblem[] = [];
  const walk = walkTar(new BufferReader(bytes), {
    budget: { maxMetadataBytes },
    onProblem: (problem) => problems.push(problem),
  });
  for await (const item of walk) list.push(item.member);
  return { list, problems };
}

/** A small deterministic PRNG so fuzz failures reproduce. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("walkTar", () => {
  it("decodes ustar, pax, GNU long names, links and base-256 sizes", async () => {
    const tar = buildTar([
      { name: "a/file.txt", data: "hello", mtime: 1_234_567_890, uid: 7, gid: 8, mode: 0o600 },
      { name: "a/dir/", type: "5" },
      { name: `a/${"n".repeat(200)}`, data: "x", gnuLongName: true },
      { name: "a/pax", data: "y", pax: { path: "a/renamed", uid: "4294967296", mtime: "1.25" } },
      { name: "a/sym", type: "2", linkName: "file.txt" },
      { name: "a/hard", type: "1", linkName: "a/file.txt" },
      { name: "a/fifo", type: "6" },
    ]);
    const { list, problems } = await members(tar);
    expect(problems).toEqual([]);
    expect(list.map((m) => [m.name, m.kind])).toEqual([
      ["a/file.txt", "file"],
      ["a/dir/", "directory"],
      [`a/${"n".repeat(200)}`, "file"],
      ["a/renamed", "file"],
      ["a/sym", "symlink"],
      ["a/hard", "hardlink"],
      ["a/fifo", "other"],
    ]);
    expect(list[0]).toMatchObject({
      size: 5,
      mtime: 1_234_567_890,
      uid: 7,
      gid: 8,
      mode: 0o600,
      dataOffset: 512,
    });
    expect(list[3]).toMatchObject({ uid: 4_294_967_296, mtime: 1.25 });
    expect(list[5]!.linkName).toBe("a/file.txt");

    const header = Buffer.from(tar.subarray(0, 512));
    header[124] = 0x80; // base-256 size: 5 in the last byte
    header.fill(0, 125, 136);
    header[135] = 5;
    header.write("        ", 148, "latin1");
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    const patched = Buffer.concat([header, tar.subarray(512)]);
    expect((await members(patched)).list[0]!.size).toBe(5);
  });

  it("skips the data of GNU dumpdirs and the size of links", async () => {
    const tar = buildTar([
      { name: "dir/", type: "D", data: "Yfile\0\0" },
      { name: "dir/file", data: "after" },
    ]);
    const link = buildTar([
      { name: "l", type: "2", linkName: "x" },
      { name: "next", data: "n" },
    ]);
    // A symlink header that claims a size must not swallow the next header.
    link.write("00000000001\0", 124, "latin1");
    link.write("        ", 148, "latin1");
    let sum = 0;
    for (const byte of link.subarray(0, 512)) sum += byte;
    link.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    expect((await members(tar)).list.map((m) => [m.name, m.kind])).toEqual([
      ["dir/", "directory"],
      ["dir/file", "file"],
    ]);
    expect((await members(link)).list.map((m) => m.name)).toEqual(["l", "next"]);
  });

  it("reads member bodies on demand and skips the rest", async () => {
    const tar = buildTar([
      { name: "one", data: "first" },
      { name: "two", data: "second" },
    ]);
    const bodies: string[] = [];
    const walk = walkTar(new BufferReader(tar), { budget: { maxMetadataBytes: 1024 }, onProblem() {} });
    for await (const item of walk)
      if (item.member.name === "two") bodies.push((await item.body()).toString());
    expect(bodies).toEqual(["second"]);
  });

  it("parses pax records and ignores malformed ones", () => {
    const records = parsePaxRecords(Buffer.from("11 path=ab\n99 broken\n"));
    expect([...records]).toEqual([["path", "ab"]]);
    expect(parsePaxRecords(Buffer.from("garbage"))).toEqual(new Map());
  });

  it("reports truncation, bad checksums and oversized metadata as problems", async () => {
    const tar = buildTar([{ name: "f", data: "x".repeat(1000) }]);
    expect((await members(tar.subarray(0, 700))).problems[0]!.message).toMatch(/truncated/);
    expect((await members(tar.subarray(0, 300))).problems[0]!.message).toMatch(/truncated inside a header/);
    const bad = Buffer.from(tar);
    bad[0] = 0x5a;
    expect((await members(bad)).problems[0]!.message).toMatch(/checksum/);
    const longName = buildTar([{ name: "n".repeat(300), data: "x", gnuLongName: true }]);
    const { list, problems } = await members(longName, 100);
    expect(list).toEqual([]);
    expect(problems[0]!.message).toMatch(/budget/);
  });

  it("recognises tar headers", () => {
    expect(looksLikeTarHeader(buildTar([{ name: "f", data: "x" }]))).toBe(true);
    expect(looksLikeTarHeader(Buffer.alloc(512))).toBe(false);
    expect(looksLikeTarHeader(Buffer.alloc(512, 0x41))).toBe(false);
  });

  it("never throws or loops on mutated archives (fuzz)", async () => {
    const base = buildTar([
      { name: "private/var/mobile/a", data: "x".repeat(700) },
      { name: "private/var/mobile/b", data: "y", pax: { mtime: "5", path: "private/var/mobile/bb" } },
      { name: `private/var/${"l".repeat(150)}`, data: "z", gnuLongName: true },
    ]);
    const random = prng(42);
    for (let round = 0; round < 500; round++) {
      const bytes = Buffer.from(base.subarray(0, Math.floor(random() * (base.length + 1))));
      for (let i = 0; i < 1 + Math.floor(random() * 8); i++) {
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      }
      const { list } = await members(bytes);
      expect(list.length).toBeLessThanOrEqual(10);
    }
  });
});
