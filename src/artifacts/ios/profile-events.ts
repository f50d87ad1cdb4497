/** MCProfileEvents.plist: the log of configuration-profile installs and removals, with the process that did it (MVT ProfileEvents). */
import { isPlistDict } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromDate } from "../../model/time.js";
import { defineArtifact } from "../define.js";
import { assignDefined, TextCap } from "./_shared/system.js";

/** One profile install or removal. */
export interface ProfileEventRecord {
  /** The profile's identifier (the event's key). */
  profileId: string;
  at?: string;
  /** install, remove… as stored. */
  operation?: string;
  /** The process that performed it (e.g. profiled, MCInstall, an MDM agent). */
  process?: string;
  truncated?: string[];
}

/** Configuration profile install/remove history. */
export const profileEventsArtifact = defineArtifact<ProfileEventRecord>({
  id: "ios/profile-events",
  title: "Configuration profile events",
  description:
    "When each configuration profile was installed or removed and by which process; a profile installed and removed around an infection is a strong lead.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    "/private/var/containers/Shared/SystemGroup/*/Library/ConfigurationProfiles/MCProfileEvents.plist",
    "/private/var/mobile/Library/ConfigurationProfiles/MCProfileEvents.plist",
  ],
  iosVersions: "iOS 12–18",
  input: {
    kind: "plist",
    *parse(value, context) {
      const events = isPlistDict(value) ? value.ProfileEvents : undefined;
      if (!Array.isArray(events)) {
        context.warn({ code: "CORRUPT", message: "MCProfileEvents.plist has no ProfileEvents array" });
        return;
      }
      for (const event of events) {
        if (!isPlistDict(event)) {
          context.warn({ code: "CORRUPT", message: "a profile event is not a dictionary" });
          continue;
        }
        for (const [profileId, details] of Object.entries(event)) {
          const cap = new TextCap();
          const record: ProfileEventRecord = { profileId: cap.cap(profileId, "profileId") };
          if (isPlistDict(details)) {
            assignDefined(record, {
              at: fromDate(details.timestamp),
              operation: cap.text(details.operation, "operation"),
              process: cap.text(details.process, "process"),
            });
          }
          cap.finish(record);
          yield record;
        }
      }
    },
  },
  observables(record) {
    const out: Observable[] = [];
    if (record.profileId !== "")
      out.push({ kind: "profile-id", value: record.profileId, field: "profileId" });
    if (record.process !== undefined && record.process !== "")
      out.push({ kind: "process", value: record.process, field: "process" });
    return out;
  },
  events(record) {
    if (record.at === undefined) return [];
    const by = record.process === undefined ? "" : ` by ${record.process}`;
    return [
      {
        at: record.at,
        event: "profile_event",
        description: `Profile ${record.profileId}: ${record.operation ?? "event"}${by}`,
      },
    ];
  },
});
