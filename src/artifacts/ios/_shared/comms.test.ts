import { describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../../../formats/bplist-writer.js";
import { buildKeyedArchive } from "../../../formats/nskeyed-writer.js";
import {
  capText,
  decodeAttributedBody,
  emailObservable,
  extractLinks,
  linksInLongText,
  MAX_LINKS,
  MAX_TEXT,
  toDevicePath,
} from "./comms.js";

/** A typedstream attributedBody around `text` (the layout Messages writes). */
function typedstream(text: string): Buffer {
  const utf8 = Buffer.from(text, "utf8");
  const length =
    utf8.length < 0x80
      ? Buffer.from([utf8.length])
      : Buffer.from([0x81, utf8.length & 0xff, (utf8.length >> 8) & 0xff]);
  return Buffer.concat([
    Buffer.from("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00", "latin1"),
    Buffer.from("\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+", "latin1"),
    length,
    utf8,
    Buffer.from("\x86\x84\x02iI\x01\x01\x92", "latin1"),
  ]);
}

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

describe("extractLinks", () => {
  it("finds http(s) URLs, trims trailing punctuation, keeps balanced brackets, de-duplicates", () => {
    expect(
      extractLinks(
        'See https://a.example/x. Or (http://b.example/y) and "https://a.example/x", HTTPS://C.EXAMPLE/Z!',
      ),
    ).toEqual(["https://a.example/x", "http://b.example/y", "HTTPS://C.EXAMPLE/Z"]);
    expect(extractLinks("https://en.wikipedia.org/wiki/A_(b)")).toEqual([
      "https://en.wikipedia.org/wiki/A_(b)",
    ]);
    expect(extractLinks("ftp://x.example/ https:// http://")).toEqual([]);
    expect(extractLinks("link:https://x.example/\u0000tail")).toEqual(["https://x.example/"]);
    expect(extractLinks(undefined)).toEqual([]);
  });

  it("stops at MAX_LINKS", () => {
    const text = Array.from({ length: MAX_LINKS + 50 }, (_, i) => `https://h${i}.example/`).join(" ");
    expect(extractLinks(text)).toHaveLength(MAX_LINKS);
  });
});

describe("toDevicePath and emailObservable", () => {
  it("maps home-relative and /var paths onto canonical device paths", () => {
    expect(toDevicePath("~/Library/SMS/Attachments/a/b.jpg")).toBe(
      "/private/var/mobile/Library/SMS/Attachments/a/b.jpg",
    );
    expect(toDevicePath("/var/tmp/x-1")).toBe("/private/var/tmp/x-1");
    expect(toDevicePath("/tmp/y")).toBe("/private/tmp/y");
    expect(toDevicePath("/private/var/mobile/z")).toBe("/private/var/mobile/z");
    expect(toDevicePath("/variable/z")).toBe("/variable/z");
    expect(toDevicePath("relative.txt")).toBeUndefined();
    expect(toDevicePath("")).toBeUndefined();
  });

  it("emits e-mail observables only for addresses", () => {
    expect(emailObservable("mailto:A@Example.com", "f")).toEqual([
      { kind: "email", value: "A@Example.com", field: "f" },
    ]);
    expect(emailObservable("+447700900111", "f")).toEqual([]);
    expect(emailObservable("not@domain", "f")).toEqual([]);
    expect(emailObservable(undefined, "f")).toEqual([]);
  });

  it("caps text", () => {
    expect(capText("abc", 2)).toEqual({ text: "ab", truncated: true });
    expect(capText("x".repeat(MAX_TEXT))).toEqual({ text: "x".repeat(MAX_TEXT), truncated: false });
  });
});

describe("decodeAttributedBody", () => {
  it("reads short, 2-byte-length and multi-byte UTF-8 strings", () => {
    expect(decodeAttributedBody(typedstream("hi"))).toEqual({ text: "hi", truncated: false });
    const long = "😀 ünïcödé ".repeat(300);
    expect(decodeAttributedBody(typedstream(long))).toEqual({ text: long, truncated: false });
  });

  it("reads the NSMutableAttributedString layout newer Messages writes", () => {
    const blob = Buffer.concat([
      Buffer.from(
        "\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x19NSMutableAttributedString\x00",
        "latin1",
      ),
      Buffer.from("\x84\x84\x12NSAttributedString\x00\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84", "latin1"),
      Buffer.from("\x08NSString\x01\x95\x84\x01+\x05hello\x86\x84", "latin1"),
    ]);
    expect(decodeAttributedBody(blob)).toEqual({ text: "hello", truncated: false });
  });

  it("reads a 4-byte length and caps the text", () => {
    const text = "a".repeat(70_000);
    const blob = Buffer.concat([
      typedstream("").subarray(0, -9),
      Buffer.from([0x82]),
      Buffer.from(new Uint32Array([text.length]).buffer),
      Buffer.from(text),
    ]);
    const decoded = decodeAttributedBody(blob);
    expect(decoded).toEqual({ text: "a".repeat(MAX_TEXT), truncated: true });
  });

  it("reads a keyed-archive attributed string", () => {
    const archive = writeBinaryPlist(
      buildKeyedArchive({ $class: "NSAttributedString", fields: { NSString: "keyed https://k.example/" } }),
    );
    expect(decodeAttributedBody(archive)).toEqual({ text: "keyed https://k.example/", truncated: false });
  });

  it("refuses what it does not recognise", () => {
    expect(decodeAttributedBody(Buffer.from("hello"))).toHaveProperty("error");
    expect(decodeAttributedBody(Buffer.from("\x04\x0bstreamtyped\x81\xe8\x03", "latin1"))).toHaveProperty(
      "error",
    );
    expect(decodeAttributedBody(writeBinaryPlist(["plain array"]))).toHaveProperty("error");
    expect(decodeAttributedBody(Buffer.from("bplist00\xff", "latin1"))).toHaveProperty("error");
  });

  it("never throws on mutated or truncated typedstreams (fuzz)", () => {
    const random = prng(20260428);
    const base = typedstream("Tap https://body.example/p now");
    for (let round = 0; round < 3000; round++) {
      const blob = Buffer.from(base.subarray(0, Math.floor(random() * (base.length + 1))));
      const flips = Math.floor(random() * 4);
      for (let f = 0; f < flips && blob.length > 0; f++)
        blob[Math.floor(random() * blob.length)] = Math.floor(random() * 256);
      const decoded = decodeAttributedBody(blob);
      if (!("error" in decoded)) expect(decoded.text.length).toBeLessThanOrEqual(MAX_TEXT);
    }
  });
});

describe("linksInLongText", () => {
  const reader = (text: string) => {
    const bytes = Buffer.from(text);
    return (start: number, length: number) => bytes.subarray(start - 1, start - 1 + length);
  };

  it("finds links in every chunk, never a link cut at a chunk's end, and multi-byte text intact", () => {
    const text = `héllo https://one.example/a ${"é".repeat(7)} https://two.example/long/path/x ${"y".repeat(40)} https://three.example/`;
    for (const chunk of [8, 16, 23, 64, 4096]) {
      const links: string[] = [];
      expect(linksInLongText(reader(text), links, { chunk }), `chunk ${chunk}`).toBe(true);
      // With chunks shorter than a link, the link is cut where no whitespace is near: only the
      // chunk sizes that hold each link whole are expected to find all three exactly.
      if (chunk >= 64)
        expect(links).toEqual([
          "https://one.example/a",
          "https://two.example/long/path/x",
          "https://three.example/",
        ]);
      for (const link of links) expect(text).toContain(link);
    }
  });

  it("finds a link cut by a chunk boundary where the padding before it has no whitespace", () => {
    for (const pad of [".".repeat(61), "\u00a0".repeat(30), "-".repeat(58)]) {
      const links: string[] = [];
      expect(linksInLongText(reader(`${pad}https://split.example/path`), links, { chunk: 64 })).toBe(true);
      expect(links, JSON.stringify(pad.slice(0, 3))).toEqual(["https://split.example/path"]);
    }
  });

  it("stops at its budget and says so", () => {
    const links: string[] = [];
    const text = `${"x ".repeat(100)}https://late.example/`;
    expect(linksInLongText(reader(text), links, { chunk: 32, max: 64 })).toBe(false);
    expect(links).toEqual([]);
    expect(linksInLongText(reader(text), links, { chunk: 32, max: 1024 })).toBe(true);
    expect(links).toEqual(["https://late.example/"]);
  });
});
