/**
 * A configuration profile with a payload that sets notification settings, which can silence alerts
 * (MVT ConfigurationProfiles heuristic, which looks at PayloadContent[0] only; we look at every payload).
 */
import type { ConfigurationProfileRecord } from "../../artifacts/ios/configuration-profiles.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/notification-profile";
const NOTIFICATION_SETTINGS = "com.apple.notificationsettings";

export const notificationProfileDetection = defineDetection({
  id: RULE,
  title: "Configuration profile changing notifications",
  reads: ["ios/configuration-profiles"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<ConfigurationProfileRecord>("ios/configuration-profiles")) {
      // Indices are PayloadContent positions: the artifact keeps null for payloads without a type.
      const indices = r.data.payloadTypes.flatMap((type, i) => (type === NOTIFICATION_SETTINGS ? [i] : []));
      if (indices.length === 0) continue;
      const name = r.data.displayName ?? r.data.payloadIdentifier ?? r.data.payloadUuid ?? "A profile";
      const finding: Finding = {
        rule: RULE,
        level: "medium",
        certainty: "heuristic",
        summary: `The configuration profile "${name}" changes notification settings, which can be used to hide an attacker's messages or alerts.`,
        evidence: [evidenceOf(context, r, { field: indices.map((i) => `payloadTypes[${i}]`).join(", ") })],
        heuristic: recordHeuristic(r, {
          name: "notification settings payload",
          condition: `PayloadContent[${indices.join("], PayloadContent[")}].PayloadType is ${NOTIFICATION_SETTINGS}`,
          event: {
            at: r.data.installedAt,
            event: "profile_installed",
            description: `profile "${name}" installed${r.data.installedAtSource === "file_birth" ? " (time from the file's creation)" : ""}`,
          },
          parameters: { payloadIndices: indices },
        }),
        notes: ["Schools and employers use such profiles to manage notifications; check who installed it."],
      };
      if (r.data.installedAt !== undefined) finding.time = r.data.installedAt;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
