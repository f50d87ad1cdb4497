/**
 * A configuration profile with a payload that sets notification settings, which can silence alerts
 * (MVT ConfigurationProfiles heuristic, which looks at PayloadContent[0] only; we look at every payload).
 */
import type { ConfigurationProfileRecord } from "../../artifacts/ios/configuration-profiles.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf } from "../support.js";

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
      const fields = r.data.payloadTypes.flatMap((type, i) =>
        type === NOTIFICATION_SETTINGS ? [`payloadTypes[${i}]`] : [],
      );
      if (fields.length === 0) continue;
      const name = r.data.displayName ?? r.data.payloadIdentifier ?? r.data.payloadUuid ?? "A profile";
      const finding: Finding = {
        rule: RULE,
        level: "medium",
        certainty: "heuristic",
        summary: `The configuration profile "${name}" changes notification settings, which can be used to hide an attacker's messages or alerts.`,
        evidence: [evidenceOf(context, r, { field: fields.join(", ") })],
        notes: ["Schools and employers use such profiles to manage notifications; check who installed it."],
      };
      if (r.data.installedAt !== undefined) finding.time = r.data.installedAt;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
