/** idstatuscache.plist: Apple ID / phone lookups made by iMessage, FaceTime and other IDS services (MVT IDStatusCache). */
import { isPlistDict } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds, fromDate } from "../../model/time.js";
import { defineArtifact } from "../define.js";
import { asNumber, assignDefined, TextCap } from "./_shared/system.js";

/** One address looked up by one IDS service. */
export interface IdStatusCacheRecord {
  /** The IDS service, e.g. com.apple.madrid (iMessage). */
  service: string;
  /** The address as stored: `mailto:…` or `tel:…`, NUL bytes kept (they appear as \u0000 in JSON). */
  user: string;
  /** True when `user` holds NUL bytes: the malformed lookups of Pegasus-era iMessage exploitation. */
  hasNulBytes?: true;
  lookupAt?: string;
  /** 1 = reachable on the service, 2 = not, 0 = unknown. */
  idStatus?: number;
  /** Seconds the answer stays valid. */
  validExpiry?: number;
  truncated?: string[];
}

/** The e-mail address of a `mailto:` user, without quotes (and without NUL bytes, which no indicator holds). */
function emailOf(user: string): string | undefined {
  if (!user.toLowerCase().startsWith("mailto:")) return undefined;
  const address = user
    .slice(7)
    .replaceAll("\0", "")
    .replace(/^'+|'+$/g, "")
    .trim();
  return address === "" ? undefined : address;
}

/** Identity-services lookups of addresses (who the device checked for iMessage/FaceTime). */
export const idStatusCacheArtifact = defineArtifact<IdStatusCacheRecord>({
  id: "ios/idstatuscache",
  title: "Identity services lookups",
  description:
    "Phone numbers and Apple IDs looked up by iMessage, FaceTime and other Apple services; the iCloud accounts used to deliver zero-click exploits (Pegasus) show up here.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    "/private/var/mobile/Library/Preferences/com.apple.identityservices.idstatuscache.plist",
    "/private/var/mobile/Library/IdentityServices/idstatuscache.plist",
  ],
  iosVersions: "iOS 12–18",
  input: {
    kind: "plist",
    *parse(value, context) {
      if (!isPlistDict(value)) {
        context.warn({ code: "CORRUPT", message: "idstatuscache does not hold a dictionary" });
        return;
      }
      for (const [service, users] of Object.entries(value)) {
        // Scalars beside the services (CacheVersion) are bookkeeping, not lookups.
        if (!isPlistDict(users)) continue;
        for (const [user, entry] of Object.entries(users)) {
          const cap = new TextCap();
          const record: IdStatusCacheRecord = {
            service: cap.cap(service, "service"),
            user: cap.cap(user, "user"),
          };
          if (user.includes("\0")) record.hasNulBytes = true;
          if (isPlistDict(entry)) {
            const at = entry.LookupDate;
            assignDefined(record, {
              lookupAt: at instanceof Date ? fromDate(at) : fromCocoaSeconds(asNumber(at)),
              idStatus: asNumber(entry.IDStatus),
              validExpiry: asNumber(entry.ValidExpiry),
            });
          } else {
            context.warn({ code: "CORRUPT", message: `lookup of ${service} is not a dictionary` });
          }
          cap.finish(record);
          yield record;
        }
      }
    },
  },
  observables(record) {
    const out: Observable[] = [];
    const email = emailOf(record.user);
    if (email !== undefined) out.push({ kind: "email", value: email, field: "user" });
    return out;
  },
  events(record) {
    if (record.lookupAt === undefined) return [];
    const status = record.idStatus === undefined ? "" : ` (status ${record.idStatus})`;
    return [
      {
        at: record.lookupAt,
        event: "id_status_lookup",
        description: `${record.service} looked up ${JSON.stringify(record.user).slice(1, -1)}${status}`,
      },
    ];
  },
});
