/** MCProfileEvents.plist: the log of configuration-profile installs and removals, with the process that did it (MVT ProfileEvents). */
import { isPlistDict, type PlistDict, PlistUid, type PlistValue } from "../../formats/plist-value.js";
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
  /**
   * The event's other keys, lower-cased as MVT keeps them, with short text values (nested values
   * summarised): at most MAX_OTHER_KEYS.
   */
  other?: Record<string, string>;
  /** Other keys beyond MAX_OTHER_KEYS, counted and dropped. */
  otherDropped?: number;
  truncated?: string[];
}

const READ_KEYS = new Set(["timestamp", "operation", "process"]);
const MAX_OTHER_KEYS = 32;
const MAX_OTHER_KEY = 128;
const MAX_OTHER_VALUE = 512;
/** Keys of a nested dictionary named in its summary. */
const SUMMARY_KEYS = 8;

/** A short text for one value: scalars as text, dates as ISO, bytes, arrays and dictionaries summarised. */
function summarise(value: PlistValue): string | undefined {
  if (value === null) return undefined;
  if (typeof value === "string") return value.slice(0, MAX_OTHER_VALUE);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof PlistUid) return `<uid ${value.index}>`;
  if (Array.isArray(value)) return `[${value.length} item${value.length === 1 ? "" : "s"}]`;
  const keys = Object.keys(value);
  const named = keys.slice(0, SUMMARY_KEYS).map((k) => k.slice(0, MAX_OTHER_KEY));
  return `{${keys.length} key${keys.length === 1 ? "" : "s"}: ${named.join(", ")}${keys.length > SUMMARY_KEYS ? ", …" : ""}}`.slice(
    0,
    MAX_OTHER_VALUE,
  );
}

/** The keys of an event besides those read into fields, lower-cased and bounded. */
function otherKeys(details: PlistDict, record: ProfileEventRecord): void {
  const other: Record<string, string> = {};
  let kept = 0;
  let dropped = 0;
  for (const [key, value] of Object.entries(details)) {
    if (READ_KEYS.has(key)) continue;
    const name = key.toLowerCase().slice(0, MAX_OTHER_KEY);
    if (Object.hasOwn(other, name)) continue;
    const text = summarise(value);
    if (text === undefined) continue;
    if (kept >= MAX_OTHER_KEYS) {
      dropped += 1;
      continue;
    }
    // Defined, not assigned: a key named __proto__ is evidence like any other.
    Object.defineProperty(other, name, { value: text, enumerable: true, writable: true, configurable: true });
    kept += 1;
  }
  if (kept > 0) record.other = other;
  if (dropped > 0) record.otherDropped = dropped;
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
            otherKeys(details, record);
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
