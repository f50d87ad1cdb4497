import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PlistValue } from "../../formats/plist-value.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type IdStatusCacheRecord, idStatusCacheArtifact } from "./idstatuscache.js";

const PATH = "/private/var/mobile/Library/Preferences/com.apple.identityservices.idstatuscache.plist";
const NEW_PATH = "/private/var/mobile/Library/IdentityServices/idstatuscache.plist";

async function run(file: PlistValue | Buffer, path = PATH) {
  const records: IdStatusCacheRecord[] = [];
  const source = memorySource({ [path]: Buffer.isBuffer(file) ? file : { plist: file } });
  const status = await runArtifact(source, idStatusCacheArtifact, (r) =>
    records.push(r.data as IdStatusCacheRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/idstatuscache", () => {
  it("reads each lookup per service, keeping NUL bytes", async () => {
    const { records, warnings } = await run(
      {
        CacheVersion: 1,
        "com.apple.madrid": {
          "mailto:bogaardlisa803@gmail.com": { LookupDate: 646252800.5, IDStatus: 1, ValidExpiry: 25199.5 },
          "mailto:x\0\0@icloud.com": { LookupDate: 646252801, IDStatus: 2 },
          "tel:+15555550100": { IDStatus: 2 },
        },
        "com.apple.private.alloy.facetime.audio": {},
      },
      NEW_PATH,
    );
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        service: "com.apple.madrid",
        user: "mailto:bogaardlisa803@gmail.com",
        lookupAt: "2021-06-24T18:40:00.500Z",
        idStatus: 1,
        validExpiry: 25199.5,
      },
      {
        service: "com.apple.madrid",
        user: "mailto:x\0\0@icloud.com",
        hasNulBytes: true,
        lookupAt: "2021-06-24T18:40:01.000Z",
        idStatus: 2,
      },
      { service: "com.apple.madrid", user: "tel:+15555550100", idStatus: 2 },
    ]);
    expect(JSON.stringify(records[1])).toContain('"user":"mailto:x\\u0000\\u0000@icloud.com"');
    expect(idStatusCacheArtifact.observables(records[0]!)).toEqual([
      { kind: "email", value: "bogaardlisa803@gmail.com", field: "user" },
    ]);
    expect(idStatusCacheArtifact.observables(records[1]!)).toEqual([
      { kind: "email", value: "x@icloud.com", field: "user" },
    ]);
    expect(idStatusCacheArtifact.observables(records[2]!)).toEqual([]);
    expect(idStatusCacheArtifact.events(records[1]!)).toEqual([
      {
        at: "2021-06-24T18:40:01.000Z",
        event: "id_status_lookup",
        description: "com.apple.madrid looked up mailto:x\\u0000\\u0000@icloud.com (status 2)",
      },
    ]);
    expect(idStatusCacheArtifact.events(records[2]!)).toEqual([]);
  });

  it("copes with broken input", async () => {
    const odd = await run({
      svc: { "mailto:a@b.c": "nope", [`tel:${"9".repeat(70_000)}`]: { LookupDate: "x" } },
    });
    expect(odd.records).toEqual([
      { service: "svc", user: "mailto:a@b.c" },
      { service: "svc", user: `tel:${"9".repeat(65_532)}`, truncated: ["user"] },
    ]);
    expect(odd.warnings).toEqual(["CORRUPT: lookup of svc is not a dictionary"]);
    expect((await run([1])).warnings).toEqual(["CORRUPT: idstatuscache does not hold a dictionary"]);
    const garbage = await run(Buffer.from([0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 1, 2, 3]));
    expect(garbage.records).toEqual([]);
    expect(garbage.warnings[0]).toMatch(/^CORRUPT: /);
  });

  it("reads plaso's idstatuscache plist (40 lookups)", async () => {
    const path = corpusPath("plaso", "ios", "com.apple.identityservices.idstatuscache.plist");
    if (path === undefined) return;
    const { records, warnings } = await run(readFileSync(path));
    expect(warnings).toEqual([]);
    // plaso's 40 events are one per address and service with a LookupDate: the same as our records.
    expect(records).toHaveLength(40);
    expect(records.flatMap((r) => idStatusCacheArtifact.events(r))).toHaveLength(40);
    expect(records).toContainEqual({
      service: "com.apple.private.alloy.tincan.audio",
      user: "tel:+13233208923",
      lookupAt: "2021-02-20T01:00:30.799Z",
      idStatus: 2,
    });
    const emails = new Set(records.flatMap((r) => idStatusCacheArtifact.observables(r)).map((o) => o.value));
    expect([...emails].sort()).toEqual([
      "joshua.hickman1@me.com",
      "joshuahickman957@gmail.com",
      "thisisdfir@gmail.com",
      "thisisdfirtwo@gmail.com",
    ]);
  });
});
