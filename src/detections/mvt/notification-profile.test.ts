import { describe, expect, it } from "vitest";
import type { ConfigurationProfileRecord } from "../../artifacts/ios/configuration-profiles.js";
import { contextOf, record } from "../test-context.js";
import { notificationProfileDetection } from "./notification-profile.js";

const FILE = "/private/var/mobile/Library/ConfigurationProfiles/profile-1.stub";
const profile = (payloadTypes: (string | null)[]) =>
  record("ios/configuration-profiles", FILE, {
    payloadTypes,
    file: FILE,
    displayName: "Updates",
  } satisfies ConfigurationProfileRecord);

describe("mvt/notification-profile", () => {
  const cases: [(string | null)[], string | undefined][] = [
    [["com.apple.notificationsettings"], "payloadTypes[0]"],
    [["com.apple.notificationsettings", "com.apple.vpn.managed"], "payloadTypes[0]"],
    // MVT checks PayloadContent[0] only; a notification payload in second place still hides alerts.
    [["com.apple.vpn.managed", "com.apple.notificationsettings"], "payloadTypes[1]"],
    [[null, "com.apple.notificationsettings"], "payloadTypes[1]"],
    [
      ["com.apple.notificationsettings", null, "com.apple.notificationsettings"],
      "payloadTypes[0], payloadTypes[2]",
    ],
    [["com.apple.vpn.managed", null], undefined],
    [[], undefined],
  ];
  for (const [types, field] of cases)
    it(types.map(String).join(", ") || "no payloads", () => {
      const { findings } = notificationProfileDetection.run(contextOf([profile(types)]));
      expect(findings).toHaveLength(field === undefined ? 0 : 1);
      for (const f of findings) {
        expect(f).toMatchObject({ level: "medium", certainty: "heuristic" });
        expect(f.evidence[0]?.field).toBe(field);
        expect(f.heuristic?.condition).toBe(
          `${field?.replaceAll("payloadTypes", "PayloadContent")}.PayloadType is com.apple.notificationsettings`,
        );
        expect(f.heuristic?.events).toMatchObject([{ event: "profile_installed", path: FILE }]);
      }
    });
});
