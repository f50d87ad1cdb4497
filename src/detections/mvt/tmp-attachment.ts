/** A received iMessage attachment stored as /var/tmp/…-1: a Pegasus zero-click trace (MVT SMSAttachments heuristic). */
import type { SmsAttachmentRecord } from "../../artifacts/ios/sms-attachments.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/tmp-attachment";

/** MVT's test: the stored filename starts with /var/tmp/ (or /private/var/tmp/) and ends with "-1". */
export function isTmpAttachment(filename: string | undefined): boolean {
  if (filename === undefined) return false;
  return (
    (filename.startsWith("/var/tmp/") || filename.startsWith("/private/var/tmp/")) && filename.endsWith("-1")
  );
}

export const tmpAttachmentDetection = defineDetection({
  id: RULE,
  title: "iMessage attachment received into /var/tmp",
  reads: ["ios/sms-attachments"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<SmsAttachmentRecord>("ios/sms-attachments")) {
      if (r.data.isOutgoing || !isTmpAttachment(r.data.filename)) continue;
      const at = r.data.createdAt ?? r.data.messageAt;
      const finding: Finding = {
        rule: RULE,
        level: "medium",
        certainty: "heuristic",
        summary: `A received message attachment was stored at ${r.data.filename} instead of the Messages folder, as in Pegasus zero-click attacks${r.data.handle === undefined ? "" : ` (from ${r.data.handle})`}.`,
        evidence: [evidenceOf(context, r, { field: "filename" })],
        heuristic: recordHeuristic(r, {
          name: "received attachment stored in /var/tmp",
          condition:
            'received attachment whose filename starts with /var/tmp/ (or /private/var/tmp/) and ends with "-1"',
          event: {
            at,
            event: "attachment_received",
            description: `attachment ${r.data.filename}${r.data.handle === undefined ? "" : ` from ${r.data.handle}`}`,
          },
        }),
        notes: [
          "Some legitimate transfers are staged in /var/tmp; the sender and the time next to other traces decide.",
        ],
      };
      if (at !== undefined) finding.time = at;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
