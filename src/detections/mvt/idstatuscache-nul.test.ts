import { describe, expect, it } from "vitest";
import { idStatusCacheArtifact } from "../../artifacts/ios/idstatuscache.js";
import { memorySource } from "../../testing/memory-source.js";
import { collect, contextOf } from "../test-context.js";
import { idStatusCacheNulDetection } from "./idstatuscache-nul.js";

const PATH = "/private/var/mobile/Library/Preferences/com.apple.identityservices.idstatuscache.plist";

describe("mvt/idstatuscache-nul-bytes", () => {
  it("flags only the lookups with NUL bytes", async () => {
    const plist = {
      "com.apple.madrid": {
        "mailto:bad\u0000\u0000@example.com": { IDStatus: 1, LookupDate: new Date("2021-06-01T00:00:00Z") },
        "mailto:friend@example.com": { IDStatus: 1, LookupDate: new Date("2021-06-01T00:00:00Z") },
        "tel:+15555550100": { IDStatus: 2 },
      },
    };
    const { records } = await collect(memorySource({ [PATH]: { plist } }), [idStatusCacheArtifact]);
    const { findings } = idStatusCacheNulDetection.run(contextOf(records));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      level: "high",
      certainty: "heuristic",
      time: "2021-06-01T00:00:00.000Z",
    });
    expect(findings[0]!.summary).toContain("bad\\u0000\\u0000@example.com");
    expect(findings[0]!.heuristic).toMatchObject({
      condition: "the looked-up address (user) contains NUL bytes (U+0000)",
      events: [
        {
          at: "2021-06-01T00:00:00.000Z",
          event: "idstatus_lookup",
          artifact: "ios/idstatuscache",
          path: PATH,
        },
      ],
      parameters: { nulBytes: 2 },
    });
  });
});
