/** Apps whose installer (iTunesMetadata sourceApp) is neither the App Store nor MDM (MVT Applications heuristic). */
import type { ApplicationRecord } from "../../artifacts/ios/applications.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/app-not-from-store";
export const TRUSTED_SOURCES: readonly string[] = [
  "com.apple.AppStore",
  "com.apple.AppStore.ProductPageExtension",
  "com.apple.dmd",
  "dmd",
];

export const appNotFromStoreDetection = defineDetection({
  id: RULE,
  title: "App installed outside the App Store or MDM",
  reads: ["ios/applications"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<ApplicationRecord>("ios/applications")) {
      const source = r.data.sourceApp;
      if (source === undefined || TRUSTED_SOURCES.includes(source)) continue;
      const name = r.data.name ?? (r.data.bundleId === "" ? "an app" : r.data.bundleId);
      const at = r.data.purchasedAt ?? r.data.installedAt;
      const finding: Finding = {
        rule: RULE,
        level: "medium",
        certainty: "heuristic",
        summary: `${name} was installed by ${source} rather than the App Store or a device manager, so Apple's review did not vouch for it.`,
        evidence: [evidenceOf(context, r, { field: "sourceApp" })],
        heuristic: recordHeuristic(r, {
          name: "installer is not the App Store or MDM",
          condition: `iTunesMetadata sourceApp "${source}" is none of ${TRUSTED_SOURCES.join(", ")}`,
          event: { at, event: "app_installed", description: `${name} installed by ${source}` },
          parameters: { sourceApp: source, trustedSources: TRUSTED_SOURCES },
        }),
        notes: [
          "TestFlight betas, enterprise apps and alternative app marketplaces install this way too; check that the user knows the app.",
        ],
      };
      if (at !== undefined) finding.time = at;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
