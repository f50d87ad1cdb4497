import { describe, expect, it } from "vitest";
import type { ConfigurationProfileRecord } from "../../artifacts/ios/configuration-profiles.js";
import { contextOf, record } from "../test-context.js";
import { notificationProfileDetection } from "./notification-profile.js";

const FILE = "/private/var/mobile/Library/ConfigurationProfiles/profile-1.stub";
const profile = (payloadTypes: string[]) =>
  record("ios/configuration-profiles", FILE, {
    payloadTypes,
    file: FILE,
    displayName: "Updates",
  } satisfies ConfigurationProfileRecord);

describe("mvt/notification-profile", () => {
  const cases: [string[], number][] = [
    [["com.apple.notificationsettings"], 1],
    [["com.apple.notificationsettings", "com.apple.vpn.managed"], 1],
    [["com.apple.vpn.managed", "com.apple.notificationsettings"], 0],
    [[], 0],
  ];
  for (const [types, count] of cases)
    it(types.join(", ") || "no payloads", () => {
      const { findings } = notificationProfileDetection.run(contextOf([profile(types)]));
      expect(findings).toHaveLength(count);
      for (const f of findings) expect(f).toMatchObject({ level: "medium", certainty: "heuristic" });
    });
});
