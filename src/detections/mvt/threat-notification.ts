/** Apple's threat notification over iMessage: Apple tells targets of state-sponsored / mercenary spyware (MVT SMS heuristic). */
import { type SmsRecord, THREAT_NOTIFICATION_PREFIXES } from "../../artifacts/ios/sms.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/threat-notification";

export const threatNotificationDetection = defineDetection({
  id: RULE,
  title: "Apple threat notification received",
  reads: ["ios/sms"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<SmsRecord>("ios/sms")) {
      if (r.data.threatNotification !== true || r.data.isFromMe) continue;
      const finding: Finding = {
        rule: RULE,
        level: "high",
        certainty: "heuristic",
        summary: `Apple sent this iPhone a threat notification${r.data.handle === undefined ? "" : ` (from ${r.data.handle})`} warning that state-sponsored or mercenary spyware may be targeting it.`,
        evidence: [
          evidenceOf(context, r, {
            field: "text",
            part: {
              rowId: r.data.rowId,
              handle: r.data.handle,
              service: r.data.service,
              receivedAt: r.data.receivedAt,
              threatNotification: true,
            },
          }),
        ],
        heuristic: recordHeuristic(r, {
          name: "Apple threat notification text",
          condition: `received message whose text starts with ${THREAT_NOTIFICATION_PREFIXES.map((p) => `"${p}"`).join(" or ")}`,
          event: {
            at: r.data.receivedAt,
            event: "message_received",
            description: `message from ${r.data.handle ?? "an unknown sender"}${r.data.service === undefined ? "" : ` over ${r.data.service}`} (text withheld)`,
          },
        }),
        notes: [
          'Apple\'s notifications start with "ALERT: State-sponsored attackers…" or "ALERT: Apple detected a targeted mercenary spyware attack…"; a scam copying that wording would match too, so check the sender.',
        ],
      };
      if (r.data.receivedAt !== undefined) finding.time = r.data.receivedAt;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
