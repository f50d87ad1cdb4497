/** .GlobalPreferences.plist: the few device-wide settings that matter for an investigation, Lockdown Mode first (MVT GlobalPreferences). */
import { isPlistDict } from "../../formats/plist-value.js";
import { defineArtifact } from "../define.js";
import { describePlistValue } from "./_shared/system.js";

/** One setting of interest. */
export interface GlobalPreferenceRecord {
  key: string;
  /** The value as text (booleans "true"/"false", arrays "[a, b]"). */
  value: string;
  /** For booleans, the value itself (e.g. LDMGlobalEnabled: Lockdown Mode on or off). */
  enabled?: boolean;
}

/** Keys read; everything else in the file is personal preference noise. */
const KEYS = ["LDMGlobalEnabled", "AppleLocale", "AppleLanguages"] as const;

/** Lockdown Mode state and locale from the global preferences. */
export const globalPreferencesArtifact = defineArtifact<GlobalPreferenceRecord>({
  id: "ios/global-preferences",
  title: "Global preferences",
  description:
    "Whether Lockdown Mode (LDMGlobalEnabled) is on, plus device locale; Lockdown Mode blocks the attack surface mercenary spyware exploits.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/Preferences/.GlobalPreferences.plist"],
  iosVersions: "iOS 16–18",
  input: {
    kind: "plist",
    *parse(value, context) {
      if (!isPlistDict(value)) {
        context.warn({ code: "CORRUPT", message: ".GlobalPreferences.plist does not hold a dictionary" });
        return;
      }
      for (const key of KEYS) {
        const item = value[key];
        if (item === undefined) continue;
        const record: GlobalPreferenceRecord = { key, value: describePlistValue(item, 4096) };
        if (typeof item === "boolean") record.enabled = item;
        yield record;
      }
    },
  },
  observables() {
    return [];
  },
  events() {
    return [];
  },
});
