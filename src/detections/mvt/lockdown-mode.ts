/** Lockdown Mode state from .GlobalPreferences.plist (LDMGlobalEnabled; MVT GlobalPreferences). */
import type { GlobalPreferenceRecord } from "../../artifacts/ios/global-preferences.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf } from "../support.js";

const RULE = "mvt/lockdown-mode";

export const lockdownModeDetection = defineDetection({
  id: RULE,
  title: "Lockdown Mode state",
  reads: ["ios/global-preferences"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<GlobalPreferenceRecord>("ios/global-preferences")) {
      if (r.data.key !== "LDMGlobalEnabled" || r.data.enabled === undefined) continue;
      // A setting, not an event: the heuristic's input is the stored value itself.
      const heuristic = {
        name: "Lockdown Mode setting",
        condition: `LDMGlobalEnabled is ${r.data.enabled}`,
        events: [],
        parameters: { LDMGlobalEnabled: r.data.enabled },
      };
      findings.push(
        r.data.enabled
          ? {
              rule: RULE,
              level: "info",
              certainty: "heuristic",
              summary:
                "Lockdown Mode is on, which blocks most of the ways mercenary spyware breaks into iPhones.",
              evidence: [evidenceOf(context, r, { field: "LDMGlobalEnabled" })],
              heuristic,
            }
          : {
              rule: RULE,
              level: "low",
              certainty: "heuristic",
              summary: "Lockdown Mode is off; people at risk of targeted spyware are advised to turn it on.",
              evidence: [evidenceOf(context, r, { field: "LDMGlobalEnabled" })],
              heuristic,
              notes: [
                "Only the stored setting is read: when the key is absent, no finding is made either way.",
              ],
            },
      );
    }
    return { findings, limitations: [] };
  },
});
