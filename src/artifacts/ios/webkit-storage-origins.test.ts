import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import {
  decodeClientOrigin,
  type WebkitStorageOriginRecord,
  webkitStorageOriginsArtifact,
} from "./webkit-storage-origins.js";

/** WTF::Persistence encoding of a String (Latin-1 unless `wide`). */
function str(text: string | null, wide = false): Buffer {
  if (text === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const head = Buffer.alloc(5);
  head.writeUInt32LE(text.length, 0);
  head[4] = wide ? 0 : 1;
  return Buffer.concat([head, Buffer.from(text, wide ? "utf16le" : "latin1")]);
}

function origin(protocol: string, host: string, port?: number, wide = false): Buffer {
  const portBytes = port === undefined ? Buffer.from([0]) : Buffer.from([1, port & 0xff, port >> 8]);
  return Buffer.concat([str(protocol), str(host, wide), portBytes]);
}

const APP = "/private/var/mobile/Containers/Data/Application/9A1F-UUID";
const TIMES = { birthAt: "2024-02-03T04:05:06.000Z", modifiedAt: "2024-02-03T04:05:07.000Z" };

async function run(files: Record<string, Buffer | [Buffer, typeof TIMES]>) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(memorySource(files), webkitStorageOriginsArtifact, (r) => records.push(r));
  return { status, data: records.map((r) => r.data as WebkitStorageOriginRecord) };
}

describe("ios/webkit-storage-origins", () => {
  it("decodes first- and third-party origin files in app, SafariViewService and profile stores", async () => {
    const firstParty = Buffer.concat([origin("https", "evil.test"), origin("https", "evil.test")]);
    const thirdParty = Buffer.concat([
      origin("https", "news.example"),
      origin("https", "tracker.test", 8443),
    ]);
    const { status, data } = await run({
      [`${APP}/Library/WebKit/WebsiteData/Default/AbC/AbC/origin`]: [firstParty, TIMES],
      [`${APP}/Library/WebKit/WebsiteData/Default/AbC/AbC/salt`]: Buffer.alloc(8),
      [`${APP}/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/Default/X/Y/origin`]:
        thirdParty,
      [`${APP}/Library/WebKit/WebsiteDataStore/P-UUID/Origins/Q/R/origin`]: Buffer.concat([
        origin("https", "wide.test", undefined, true),
        origin("https", "wide.test", undefined, true),
      ]),
    });
    expect(status).toMatchObject({ status: "found", records: 3, warnings: [] });
    expect(data).toEqual([
      {
        path: `${APP}/Library/WebKit/WebsiteData/Default/AbC/AbC/origin`,
        topOrigin: "https://evil.test",
        url: "https://evil.test",
        firstParty: true,
        ...TIMES,
        container: "9A1F-UUID",
      },
      {
        path: `${APP}/Library/WebKit/WebsiteDataStore/P-UUID/Origins/Q/R/origin`,
        topOrigin: "https://wide.test",
        url: "https://wide.test",
        firstParty: true,
        container: "9A1F-UUID",
        dataStore: "P-UUID",
      },
      {
        path: `${APP}/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/Default/X/Y/origin`,
        topOrigin: "https://news.example",
        url: "https://tracker.test:8443",
        firstParty: false,
        container: "9A1F-UUID",
        safariViewService: true,
      },
    ]);
    expect(webkitStorageOriginsArtifact.observables(data[2]!)).toEqual([
      { kind: "url", value: "https://tracker.test:8443", field: "url" },
      { kind: "url", value: "https://news.example", field: "topOrigin" },
    ]);
    expect(webkitStorageOriginsArtifact.observables(data[0]!)).toEqual([
      { kind: "url", value: "https://evil.test", field: "url" },
    ]);
    expect(webkitStorageOriginsArtifact.events(data[0]!)).toEqual([
      {
        at: "2024-02-03T04:05:06.000Z",
        event: "webkit_origin_storage_created",
        description: "WebKit began storing data for https://evil.test in 9A1F-UUID",
      },
    ]);
  });

  it("warns about truncated, oversized, non-boolean and non-URL origin files", async () => {
    const good = Buffer.concat([origin("https", "a.test"), origin("https", "a.test")]);
    const badBool = Buffer.from(good);
    badBool[4] = 7;
    const huge = Buffer.alloc(12);
    huge.writeUInt32LE(1_000_000, 0);
    const root = `${APP}/Library/WebKit/WebsiteData/Default`;
    const { status, data } = await run({
      [`${root}/1/1/origin`]: good.subarray(0, good.length - 3),
      [`${root}/2/2/origin`]: badBool,
      [`${root}/3/3/origin`]: huge,
      [`${root}/4/4/origin`]: Buffer.concat([origin("https", "a b"), origin("https", "a.test")]),
      [`${root}/5/5/origin`]: Buffer.concat([
        str(null),
        str(null),
        Buffer.from([0]),
        origin("https", "x.test"),
      ]),
      [`${root}/6/6/origin`]: good,
    });
    expect(data.map((r) => r.url)).toEqual(["https://a.test"]);
    expect(status.warnings.map((w) => [w.file?.split("/").at(-3), w.code])).toEqual([
      ["1", "CORRUPT"],
      ["2", "CORRUPT"],
      ["3", "CORRUPT"],
      ["4", "CORRUPT"],
      ["5", "CORRUPT"],
    ]);
  });

  it("never throws anything but a SpyglassError on random bytes (fuzz)", () => {
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const valid = Buffer.concat([origin("https", "news.example"), origin("https", "tracker.test", 8443)]);
    for (let round = 0; round < 3000; round++) {
      const bytes = Buffer.from(valid.subarray(0, random(valid.length + 1)));
      for (let flips = random(4); flips > 0 && bytes.length > 0; flips--)
        bytes[random(bytes.length)] = random(256);
      try {
        const { top, frame } = decodeClientOrigin(bytes);
        expect(typeof top.host).toBe("string");
        expect(typeof frame.protocol).toBe("string");
      } catch (error) {
        expect((error as { name?: string }).name).toBe("SpyglassError");
      }
    }
  });
});
