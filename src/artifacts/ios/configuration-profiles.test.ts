import { describe, expect, it } from "vitest";
import type { PlistValue } from "../../formats/plist-value.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type ConfigurationProfileRecord, configurationProfilesArtifact } from "./configuration-profiles.js";

const GROUP = "/private/var/containers/Shared/SystemGroup/systemgroup.com.apple.configurationprofiles";
const DIR = `${GROUP}/Library/ConfigurationProfiles`;
const BIRTH = "2021-05-01T12:00:00.000Z";

async function run(files: Record<string, PlistValue | Buffer>) {
  const records: ConfigurationProfileRecord[] = [];
  const source = memorySource(
    Object.fromEntries(
      Object.entries(files).map(([p, v]) => [p, [Buffer.isBuffer(v) ? v : { plist: v }, { birthAt: BIRTH }]]),
    ),
    { kind: "ios-backup" },
  );
  const status = await runArtifact(source, configurationProfilesArtifact, (r) =>
    records.push(r.data as ConfigurationProfileRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/configuration-profiles", () => {
  it("reads profile stubs with their payload types (indexed as in PayloadContent) and install time", async () => {
    const { records, warnings } = await run({
      [`${DIR}/profile-0a1b2c.stub`]: {
        PayloadUUID: "F2E1B2A3-0000-4000-8000-000000000001",
        PayloadIdentifier: "com.example.notifications",
        PayloadDisplayName: "Notifications",
        PayloadOrganization: "Example Org",
        PayloadContent: [
          { PayloadType: "com.apple.notificationsettings" },
          { PayloadType: "com.apple.vpn.managed" },
          3,
        ],
        InstallDate: new Date("2021-04-30T08:00:00Z"),
      },
      "/private/var/containers/Shared/SystemGroup/3C1A-UUID/Library/ConfigurationProfiles/profile-ff.plist": {
        PayloadUUID: "11111111-2222-3333-4444-555555555555",
      },
      [`${DIR}/ProfileTruth.plist`]: { not: "a profile" },
    });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        payloadUuid: "F2E1B2A3-0000-4000-8000-000000000001",
        payloadIdentifier: "com.example.notifications",
        displayName: "Notifications",
        organization: "Example Org",
        payloadTypes: ["com.apple.notificationsettings", "com.apple.vpn.managed", null],
        installedAt: "2021-04-30T08:00:00.000Z",
        installedAtSource: "InstallDate",
        file: `${DIR}/profile-0a1b2c.stub`,
      },
      {
        payloadUuid: "11111111-2222-3333-4444-555555555555",
        payloadTypes: [],
        installedAt: BIRTH,
        installedAtSource: "file_birth",
        file: "/private/var/containers/Shared/SystemGroup/3C1A-UUID/Library/ConfigurationProfiles/profile-ff.plist",
      },
    ]);
    expect(configurationProfilesArtifact.observables(records[0]!)).toEqual([
      { kind: "profile-id", value: "F2E1B2A3-0000-4000-8000-000000000001", field: "payloadUuid" },
      { kind: "profile-id", value: "com.example.notifications", field: "payloadIdentifier" },
      { kind: "path", value: `${DIR}/profile-0a1b2c.stub`, field: "file" },
    ]);
    expect(configurationProfilesArtifact.events(records[0]!)).toEqual([
      {
        at: "2021-04-30T08:00:00.000Z",
        event: "profile_installed",
        description:
          "Profile Notifications installed (com.apple.notificationsettings, com.apple.vpn.managed)",
      },
    ]);
  });

  it("finds the older stubs under /private/var/mobile", async () => {
    const { records } = await run({
      "/private/var/mobile/Library/ConfigurationProfiles/profile-aa.stub": { PayloadUUID: "X" },
    });
    expect(records.map((r) => r.payloadUuid)).toEqual(["X"]);
  });

  it("copes with broken stubs", async () => {
    const { records, warnings } = await run({
      [`${DIR}/profile-1.stub`]: Buffer.from("garbage"),
      [`${DIR}/profile-2.stub`]: ["array"],
      [`${DIR}/profile-3.stub`]: {
        PayloadUUID: 7,
        PayloadContent: "x",
        InstallDate: "yesterday",
        PayloadDisplayName: "D".repeat(70_000),
      },
    });
    expect(warnings[0]).toMatch(/^CORRUPT: /);
    expect(warnings[1]).toBe("CORRUPT: profile stub does not hold a dictionary");
    expect(records).toEqual([
      {
        payloadUuid: "7",
        displayName: "D".repeat(65_536),
        payloadTypes: [],
        installedAt: BIRTH,
        installedAtSource: "file_birth",
        file: `${DIR}/profile-3.stub`,
        truncated: ["displayName"],
      },
    ]);
  });
});
