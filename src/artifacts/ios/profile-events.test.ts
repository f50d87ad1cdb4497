import { describe, expect, it } from "vitest";
import type { PlistValue } from "../../formats/plist-value.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type ProfileEventRecord, profileEventsArtifact } from "./profile-events.js";

const PATH =
  "/private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles/Library/ConfigurationProfiles/MCProfileEvents.plist";

async function run(file: PlistValue | Buffer) {
  const records: ProfileEventRecord[] = [];
  const source = memorySource({ [PATH]: Buffer.isBuffer(file) ? file : { plist: file } });
  const status = await runArtifact(source, profileEventsArtifact, (r) =>
    records.push(r.data as ProfileEventRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/profile-events", () => {
  it("reads installs and removals with the acting process", async () => {
    const { records, warnings } = await run({
      ProfileEvents: [
        {
          "com.example.vpn": {
            timestamp: new Date("2022-03-01T10:00:00Z"),
            operation: "install",
            process: "MCInstall",
          },
        },
        {
          "com.example.vpn": {
            timestamp: new Date("2022-03-02T10:00:00Z"),
            operation: "remove",
            process: "profiled",
          },
        },
      ],
    });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        profileId: "com.example.vpn",
        at: "2022-03-01T10:00:00.000Z",
        operation: "install",
        process: "MCInstall",
      },
      {
        profileId: "com.example.vpn",
        at: "2022-03-02T10:00:00.000Z",
        operation: "remove",
        process: "profiled",
      },
    ]);
    expect(profileEventsArtifact.observables(records[0]!)).toEqual([
      { kind: "profile-id", value: "com.example.vpn", field: "profileId" },
      { kind: "process", value: "MCInstall", field: "process" },
    ]);
    expect(profileEventsArtifact.events(records[1]!)).toEqual([
      {
        at: "2022-03-02T10:00:00.000Z",
        event: "profile_event",
        description: "Profile com.example.vpn: remove by profiled",
      },
    ]);
  });

  it("keeps the other keys of an event, lower-cased, short and bounded, without new observables", async () => {
    const extra: Record<string, PlistValue> = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`Key${String(i).padStart(2, "0")}`, i]),
    );
    const { records, warnings } = await run({
      ProfileEvents: [
        {
          "com.example.mdm": {
            timestamp: new Date("2022-03-01T10:00:00Z"),
            operation: "install",
            process: "dmd",
            Type: "Configuration",
            ProfileUUID: "1F0C-AB",
            Installed: true,
            Note: "n".repeat(2000),
            When: new Date("2022-03-01T09:00:00Z"),
            Blob: Buffer.from([1, 2, 3]),
            Payloads: ["a", "b"],
            Info: { A: 1, B: { deep: ["x"] } },
            type: "duplicate once lower-cased",
            Nothing: null,
          },
        },
        { "com.example.many": extra },
        { "com.example.proto": JSON.parse('{"__proto__": "x"}') as PlistValue },
      ],
    });
    expect(warnings).toEqual([]);
    expect(records[0]).toEqual({
      profileId: "com.example.mdm",
      at: "2022-03-01T10:00:00.000Z",
      operation: "install",
      process: "dmd",
      other: {
        type: "Configuration",
        profileuuid: "1F0C-AB",
        installed: "true",
        note: "n".repeat(512),
        when: "2022-03-01T09:00:00.000Z",
        blob: "<3 bytes>",
        payloads: "[2 items]",
        info: "{2 keys: A, B}",
      },
    });
    expect(Object.keys(records[1]!.other!)).toHaveLength(32);
    expect(records[1]).toMatchObject({ profileId: "com.example.many", otherDropped: 8 });
    expect(records[1]!.other!.key00).toBe("0");
    expect(Object.hasOwn(records[2]!.other!, "__proto__")).toBe(true);
    expect(JSON.parse(JSON.stringify(records[2]))).toEqual(
      JSON.parse('{"profileId":"com.example.proto","other":{"__proto__":"x"}}'),
    );
    expect(profileEventsArtifact.observables(records[0]!)).toEqual([
      { kind: "profile-id", value: "com.example.mdm", field: "profileId" },
      { kind: "process", value: "dmd", field: "process" },
    ]);
  });

  it("copes with broken input", async () => {
    const odd = await run({
      ProfileEvents: ["x", { a: "not a dict" }, { b: { timestamp: 5, operation: 1 } }],
    });
    expect(odd.warnings).toEqual(["CORRUPT: a profile event is not a dictionary"]);
    expect(odd.records).toEqual([{ profileId: "a" }, { profileId: "b", operation: "1" }]);
    expect(profileEventsArtifact.events(odd.records[0]!)).toEqual([]);
    expect((await run({ other: 1 })).warnings).toEqual([
      "CORRUPT: MCProfileEvents.plist has no ProfileEvents array",
    ]);
    expect((await run(Buffer.from("<?xml version"))).warnings[0]).toMatch(/^CORRUPT: /);
  });
});
