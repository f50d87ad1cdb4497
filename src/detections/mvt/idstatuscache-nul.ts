/** NUL bytes in an identity-services lookup address: malformed lookups seen with Pegasus-era iMessage exploits (MVT IDStatusCache heuristic). */
import type { IdStatusCacheRecord } from "../../artifacts/ios/idstatuscache.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/idstatuscache-nul-bytes";

export const idStatusCacheNulDetection = defineDetection({
  id: RULE,
  title: "Malformed iMessage lookup (NUL bytes)",
  reads: ["ios/idstatuscache"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<IdStatusCacheRecord>("ios/idstatuscache")) {
      if (r.data.hasNulBytes !== true) continue;
      const shown = JSON.stringify(r.data.user).slice(1, -1);
      const finding: Finding = {
        rule: RULE,
        level: "high",
        certainty: "heuristic",
        summary: `The iPhone looked up the malformed address "${shown.slice(0, 120)}" on ${r.data.service}, a pattern seen when Pegasus exploits were delivered over iMessage.`,
        evidence: [evidenceOf(context, r, { field: "user" })],
        heuristic: recordHeuristic(r, {
          name: "NUL bytes in a looked-up address",
          condition: "the looked-up address (user) contains NUL bytes (U+0000)",
          event: {
            at: r.data.lookupAt,
            event: "idstatus_lookup",
            description: `lookup of "${shown.slice(0, 120)}" on ${r.data.service}`,
          },
          parameters: { nulBytes: r.data.user.split("\0").length - 1 },
        }),
        notes: [
          "NUL bytes inside a looked-up Apple ID are not produced by normal use; the address itself may lead to the sender.",
        ],
      };
      if (r.data.lookupAt !== undefined) finding.time = r.data.lookupAt;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
