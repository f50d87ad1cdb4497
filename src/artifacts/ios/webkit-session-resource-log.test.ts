import { describe, expect, it } from "vitest";
import type { PlistValue } from "../../formats/plist-value.js";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import {
  type WebkitSessionResourceLogRecord,
  webkitSessionResourceLogArtifact,
} from "./webkit-session-resource-log.js";

const APP_LOG =
  "/private/var/mobile/Containers/Data/Application/com.example.app/Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist";
const CLIP_LOG =
  "/private/var/mobile/Library/WebClips/CLIP-1.webclip/Storage/full_browsing_session_resourceLog.plist";

async function run(files: Record<string, Buffer | { plist: PlistValue }>) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(memorySource(files), webkitSessionResourceLogArtifact, (r) =>
    records.push(r),
  );
  return { status, data: records.map((r) => r.data as WebkitSessionResourceLogRecord) };
}

describe("ios/webkit-session-resource-log", () => {
  it("reads origins, redirects and frames (model < 15: origin keys, Unix-second doubles)", async () => {
    const { status, data } = await run({
      [APP_LOG]: {
        plist: {
          originsVisited: 2,
          browsingStatistics: [
            {
              PrevalentResourceOrigin: "evil.test",
              lastSeen: 1600000000,
              hadUserInteraction: false,
              mostRecentUserInteraction: 0,
              topFrameUniqueRedirectsFrom: [{ origin: "news.example", count: 1 }],
              topFrameUniqueRedirectsTo: [{ origin: "payload.test", count: 2 }],
              subresourceUnderTopFrameOrigins: [{ origin: "news.example", count: 3 }],
              isPrevalentResource: true,
            },
            { PrevalentResourceOrigin: "news.example", lastSeen: 1599999999.5, hadUserInteraction: true },
          ],
        },
      },
    });
    expect(status).toMatchObject({ status: "found", records: 2, warnings: [] });
    expect(data[0]).toEqual({
      index: 0,
      origin: "evil.test",
      redirectsFrom: ["news.example"],
      redirectsTo: ["payload.test"],
      subframeUnder: [],
      subresourceUnder: ["news.example"],
      subresourceRedirectsTo: [],
      hadUserInteraction: false,
      lastSeenAt: "2020-09-13T12:26:40.000Z",
      isPrevalent: true,
      container: "com.example.app",
    });
    expect(webkitSessionResourceLogArtifact.observables(data[0]!)).toEqual([
      { kind: "domain", value: "evil.test", field: "origin" },
      { kind: "domain", value: "news.example", field: "redirectsFrom[0]" },
      { kind: "domain", value: "payload.test", field: "redirectsTo[0]" },
      { kind: "domain", value: "news.example", field: "subresourceUnder[0]" },
    ]);
    expect(webkitSessionResourceLogArtifact.events(data[0]!)).toEqual([
      {
        at: "2020-09-13T12:26:40.000Z",
        event: "webkit_session_domain_seen",
        description:
          "WebKit session loaded evil.test (redirected from news.example) (redirected to payload.test)",
      },
    ]);
  });

  it("reads model 15+ domain keys and plist dates in a web clip", async () => {
    const { data } = await run({
      [CLIP_LOG]: {
        plist: {
          browsingStatistics: [
            {
              PrevalentResourceDomain: "clip.test",
              lastSeen: new Date("2021-01-01T00:00:00Z"),
              mostRecentUserInteraction: new Date("2021-01-02T00:00:00Z"),
              hadUserInteraction: true,
              subframeUnderTopFrameDomains: [{ domain: "top.test" }],
              subresourceUniqueRedirectsTo: ["bare.test"],
            },
          ],
        },
      },
    });
    expect(data).toEqual([
      {
        index: 0,
        origin: "clip.test",
        redirectsFrom: [],
        redirectsTo: [],
        subframeUnder: ["top.test"],
        subresourceUnder: [],
        subresourceRedirectsTo: ["bare.test"],
        hadUserInteraction: true,
        mostRecentUserInteractionAt: "2021-01-02T00:00:00.000Z",
        lastSeenAt: "2021-01-01T00:00:00.000Z",
        webClip: "CLIP-1.webclip",
      },
    ]);
  });

  it("skips malformed entries, caps lists, and reports a garbage file", async () => {
    const many = Array.from({ length: 600 }, (_, i) => ({ origin: `d${i}.test` }));
    const { status, data } = await run({
      [APP_LOG]: {
        plist: {
          browsingStatistics: [
            "not a dictionary",
            { lastSeen: 1 },
            { PrevalentResourceOrigin: "x.test", topFrameUniqueRedirectsTo: many, lastSeen: "yesterday" },
            {
              PrevalentResourceOrigin: "y.test",
              topFrameUniqueRedirectsFrom: "not a list",
              lastSeen: 12345678901234.5,
            },
          ],
        },
      },
      "/private/var/mobile/Library/WebKit/WebsiteData/ResourceLoadStatistics/full_browsing_session_resourceLog.plist":
        Buffer.from("bplist00 garbage"),
    });
    expect(data.map((r) => r.origin)).toEqual(["x.test", "y.test"]);
    expect(data[0]!.redirectsTo).toHaveLength(500);
    expect(data[0]!.truncated).toEqual(["redirectsTo"]);
    expect(data[0]!.lastSeenAt).toBeUndefined();
    expect(data[1]!.redirectsFrom).toEqual([]);
    expect(data[1]!.lastSeenAt).toBeUndefined();
    expect(webkitSessionResourceLogArtifact.events(data[0]!)).toEqual([]);
    // One of the two logs is garbage: the records of the other are kept, but not all was read.
    expect(status.status).toBe("partial");
    expect(status.warnings.map((w) => [w.code, w.file?.split("/").at(-1)])).toEqual([
      ["CORRUPT", "full_browsing_session_resourceLog.plist"],
      ["CORRUPT", "full_browsing_session_resourceLog.plist"],
    ]);
    expect(status.warnings.find((w) => w.file === APP_LOG)).toMatchObject({ count: 2 });
  });

  it("ignores a plist without browsingStatistics and warns when it is not a list", async () => {
    const { status, data } = await run({
      [APP_LOG]: { plist: { originsVisited: 0 } },
      [CLIP_LOG]: { plist: { browsingStatistics: { a: 1 } } },
    });
    expect(data).toEqual([]);
    expect(status.warnings).toEqual([
      { code: "CORRUPT", message: "browsingStatistics is not an array", file: CLIP_LOG },
    ]);
  });

  it("never throws on random plist shapes (fuzz)", () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const keys = [
      "PrevalentResourceOrigin",
      "PrevalentResourceDomain",
      "topFrameUniqueRedirectsTo",
      "origin",
      "domain",
      "lastSeen",
    ];
    const value = (depth: number): PlistValue => {
      const pick = random(depth > 3 ? 6 : 8);
      if (pick === 0) return "evil.test";
      if (pick === 1) return random(2) === 0 ? 1.5e9 : -1;
      if (pick === 2) return random(2) === 0;
      if (pick === 3) return new Date(random(2) === 0 ? Number.NaN : 1e12);
      if (pick === 4) return new Uint8Array(3);
      if (pick === 5) return null;
      if (pick === 6) return Array.from({ length: random(4) }, () => value(depth + 1));
      return Object.fromEntries(
        Array.from({ length: random(5) }, () => [keys[random(keys.length)]!, value(depth + 1)]),
      );
    };
    const file = { path: APP_LOG, kind: "file" as const, size: 0, origin: APP_LOG, present: true };
    const input = webkitSessionResourceLogArtifact.input;
    if (input.kind !== "plist") throw new Error("expected a plist input");
    for (let round = 0; round < 1000; round++) {
      const root = { browsingStatistics: Array.from({ length: random(4) }, () => value(0)) };
      for (const record of input.parse(root, { file, warn: () => {} })) {
        expect(typeof record.origin).toBe("string");
        webkitSessionResourceLogArtifact.observables(record);
        webkitSessionResourceLogArtifact.events(record);
      }
    }
  });
});
