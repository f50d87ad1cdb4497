import { describe, expect, it } from "vitest";
import type { ArtifactRecord } from "../artifacts/define.js";
import type { ApplicationRecord } from "../artifacts/ios/applications.js";
import type { CalendarRecord } from "../artifacts/ios/calendar.js";
import type { ConfigurationProfileRecord } from "../artifacts/ios/configuration-profiles.js";
import type { GlobalPreferenceRecord } from "../artifacts/ios/global-preferences.js";
import type { IdStatusCacheRecord } from "../artifacts/ios/idstatuscache.js";
import type { SafariHistoryRecord } from "../artifacts/ios/safari-history.js";
import type { SmsRecord } from "../artifacts/ios/sms.js";
import type { SmsAttachmentRecord } from "../artifacts/ios/sms-attachments.js";
import { buildIndicatorIndex } from "../indicators/indicator-index.js";
import { findingValidator } from "../testing/results-schema.js";
import { DETECTIONS } from "./registry.js";
import { contextOf, record } from "./test-context.js";
import { SOFTWAREUPDATE_PLIST } from "./triangulation/softwareupdate.js";
import { analytics, at, pref, STATUSBAR, usage } from "./triangulation/test-fixtures.js";

const SMS = "/private/var/mobile/Library/SMS/sms.db";
const APPS = "/private/var/containers/Bundle/Application/X/iTunesMetadata.plist";

/** Records that make every rule of the registry fire at least once. */
function everyTrace(): ArtifactRecord[] {
  const deleted = usage("", { live: [400] }, { rowId: 77 });
  deleted.data.orphan = true;
  const unnamed = usage("", { first: 10 }, { rowId: 80 });
  unnamed.data.missingName = true;
  return [
    // triangulation/*: BackupAgent (DataUsage and analytics), a window, IMTransferAgent before it, the plist.
    usage("IMTransferAgent/com.apple.datausage.messages", { first: 0 }),
    usage("BackupAgent", { first: 60, live: [61] }),
    analytics("BackupAgent", 62),
    pref(STATUSBAR, { m: 100 }),
    usage("com.apple.WebKit.WebContent", { first: 130 }),
    pref(SOFTWAREUPDATE_PLIST, { m: 150 }),
    record<SmsAttachmentRecord>("ios/sms-attachments", SMS, {
      rowId: 1,
      transferName: `AAAAAAAA\u2013${"B".repeat(30)}.watchface`,
      uti: "com.apple.watchface",
      isOutgoing: false,
    }),
    // mvt/*: one record each; times left out where records can lack them.
    record<SmsRecord>("ios/sms", SMS, {
      rowId: 2,
      isFromMe: false,
      links: [],
      hasAttachments: false,
      threatNotification: true,
      receivedAt: at(200),
    }),
    record<IdStatusCacheRecord>(
      "ios/idstatuscache",
      "/private/var/mobile/Library/Preferences/com.apple.identityservices.idstatuscache.plist",
      { service: "com.apple.madrid", user: "mailto:a\0\0b@example.com", hasNulBytes: true },
    ),
    record<SmsAttachmentRecord>("ios/sms-attachments", SMS, {
      rowId: 3,
      filename: "/private/var/tmp/com.apple.messages/x-1",
      isOutgoing: false,
      createdAt: at(300),
    }),
    record<CalendarRecord>("ios/calendar", "/private/var/mobile/Library/Calendar/Calendar.sqlitedb", {
      rowId: 4,
      summary: "Meeting",
      description: "Notes",
      links: [],
      participants: [],
    }),
    deleted,
    unnamed,
    record<SafariHistoryRecord>("ios/safari-history", "/private/var/mobile/Library/Safari/History.db", {
      rowId: 5,
      itemId: 5,
      url: "http://news.example/",
      visitedAt: at(500),
      redirectDestination: { visitId: 6, url: "https://exploit.test/", visitedAt: at(500) },
    }),
    record<ApplicationRecord>("ios/applications", APPS, {
      bundleId: "com.example.sideloaded",
      sourceApp: "com.example.store",
      installedFrom: "other",
      metadataSource: "itunes-metadata",
    }),
    record<ApplicationRecord>("ios/applications", APPS, {
      bundleId: "",
      installedFrom: "unknown",
      metadataSource: "itunes-metadata",
    }),
    record<ConfigurationProfileRecord>(
      "ios/configuration-profiles",
      "/private/var/mobile/Library/ConfigurationProfiles/profile-1.stub",
      { payloadTypes: [null, "com.apple.notificationsettings"], file: "profile-1.stub" },
    ),
    record<GlobalPreferenceRecord>(
      "ios/global-preferences",
      "/private/var/mobile/Library/Preferences/.GlobalPreferences.plist",
      { key: "LDMGlobalEnabled", value: "false", enabled: false },
    ),
  ];
}

/** Rules that judge one record at a time: their heuristic names the condition that record met. */
const SINGLE_RECORD_RULES = [
  "triangulation/backupagent",
  "triangulation/watchface-attachment",
  "mvt/threat-notification",
  "mvt/idstatuscache-nul-bytes",
  "mvt/tmp-attachment",
  "mvt/quadream-calendar",
  "mvt/datausage-manipulated-process",
  "mvt/datausage-missing-process",
  "mvt/app-not-from-store",
  "mvt/app-without-bundle-id",
  "mvt/notification-profile",
  "mvt/lockdown-mode",
];

describe("the findings of every rule", () => {
  it("validate against docs/results.schema.json, each with an indicator or the heuristic's inputs", async () => {
    const context = contextOf(everyTrace(), {
      indicators: buildIndicatorIndex([
        { type: "process:name", value: "BackupAgent", collection: "Test", source: "/iocs/test.stix2" },
      ]),
    });
    const validate = await findingValidator();
    const fired = new Set<string>();
    for (const detection of DETECTIONS)
      for (const finding of detection.run(context).findings) {
        fired.add(detection.id);
        const ok = validate({ id: "F1", device: "D1", ...finding });
        expect(ok, `${finding.rule}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
        const heuristic = finding.heuristic;
        if (heuristic !== undefined)
          expect(
            heuristic.events.length + Object.keys(heuristic.parameters ?? {}).length,
            `${finding.rule} shows its inputs`,
          ).toBeGreaterThan(0);
        if (SINGLE_RECORD_RULES.includes(finding.rule))
          expect(heuristic?.condition, `${finding.rule} says the condition that fired`).toBeTruthy();
      }
    expect([...fired].sort()).toEqual(DETECTIONS.map((d) => d.id).sort());
  });

  it("a finding with neither an indicator nor a heuristic does not validate", async () => {
    const validate = await findingValidator();
    const bare = {
      id: "F1",
      device: "D1",
      rule: "mvt/example",
      level: "medium",
      certainty: "heuristic",
      summary: "A finding that explains nothing.",
      evidence: [{ kind: "ios-backup", artifact: "ios/sms", path: SMS }],
    };
    expect(validate(bare)).toBe(false);
    expect(validate({ ...bare, heuristic: { name: "x", condition: "y", events: [] } })).toBe(true);
  });
});
