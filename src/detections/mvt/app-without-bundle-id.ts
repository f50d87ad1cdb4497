/** Installed apps without a bundle identifier (MVT Applications heuristic). */
import type { ApplicationRecord } from "../../artifacts/ios/applications.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/app-without-bundle-id";

export const appWithoutBundleIdDetection = defineDetection({
  id: RULE,
  title: "App without a bundle identifier",
  reads: ["ios/applications"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<ApplicationRecord>("ios/applications")) {
      if (r.data.bundleId.trim() !== "") continue;
      const at = r.data.purchasedAt ?? r.data.installedAt;
      const finding: Finding = {
        rule: RULE,
        level: "medium",
        certainty: "heuristic",
        summary: `An installed app${r.data.name === undefined ? "" : ` (${r.data.name})`} has no bundle identifier, which App Store apps always have.`,
        evidence: [evidenceOf(context, r, { field: "bundleId" })],
        heuristic: recordHeuristic(r, {
          name: "app without a bundle identifier",
          condition: "installed app whose bundle identifier (softwareVersionBundleId) is empty",
          event: {
            at,
            event: "app_installed",
            description: `${r.data.name ?? "an app without a name"} installed`,
          },
        }),
        notes: ["Damaged or partly copied metadata can also lack the identifier; look at the app's folder."],
      };
      if (at !== undefined) finding.time = at;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
