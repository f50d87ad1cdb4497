/** locationd's clients.plist: every client that asked for location, with when each kind of use stopped (MVT LocationdClients, triangle_check). */
import { isPlistDict, type PlistValue } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds, fromDate } from "../../model/time.js";
import { defineArtifact } from "../define.js";
import { asNumber, assignDefined, TextCap } from "./_shared/system.js";

/** One client of locationd (an app bundle id, a location bundle or a daemon path). */
export interface LocationdClientRecord {
  /** The client key, e.g. `com.apple.locationd.bundle-/System/Library/LocationBundles/IonosphereHarvest.bundle`. */
  client: string;
  bundleId?: string;
  bundlePath?: string;
  executable?: string;
  registered?: string;
  /** The Authorization value (2 = when in use, 3 = always, as stored). */
  authorization?: number;
  /** Every `…TimeStopped`, `…TimeStarted` and ConsumptionPeriodBegin field, keyed by its plist name (Cocoa seconds → ISO). */
  times: Record<string, string>;
  truncated?: string[];
}

function isTimeKey(key: string): boolean {
  return key.endsWith("TimeStopped") || key.endsWith("TimeStarted") || key === "ConsumptionPeriodBegin";
}

function timeOf(value: PlistValue): string | undefined {
  return value instanceof Date
    ? fromDate(value)
    : fromCocoaSeconds(typeof value === "string" ? undefined : value);
}

/** "LocationTimeStopped" → "location_time_stopped". */
function snakeCase(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1_$2")
    .toLowerCase();
}

/** The last path component of a client key (the whole key when it has no "/"). */
function clientProcess(client: string): string {
  const parts = client.split("/").filter((p) => p !== "");
  return parts.at(-1) ?? "";
}

/** Location-service clients with their start/stop times. */
export const locationdClientsArtifact = defineArtifact<LocationdClientRecord>({
  id: "ios/locationd-clients",
  title: "Location service clients",
  description:
    "Apps, daemons and location bundles that used location services, with when they stopped; unknown clients and Triangulation's location-bundle activity show up here.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    "/private/var/root/Library/Caches/locationd/clients.plist",
    "/private/var/mobile/Library/Caches/locationd/clients.plist",
  ],
  iosVersions: "iOS 12–18",
  input: {
    kind: "plist",
    *parse(value, context) {
      if (!isPlistDict(value)) {
        context.warn({ code: "CORRUPT", message: "clients.plist does not hold a dictionary" });
        return;
      }
      for (const [key, item] of Object.entries(value)) {
        const cap = new TextCap();
        const record: LocationdClientRecord = {
          client: cap.text(key, "client") ?? "",
          times: {},
        };
        if (!isPlistDict(item)) {
          context.warn({
            code: "CORRUPT",
            message: `client ${record.client.slice(0, 200)} is not a dictionary`,
          });
          yield record;
          continue;
        }
        assignDefined(record, {
          bundleId: cap.text(item.BundleId, "bundleId"),
          bundlePath: cap.text(item.BundlePath, "bundlePath"),
          executable: cap.text(item.Executable, "executable"),
          registered: cap.text(item.Registered, "registered"),
          authorization: asNumber(item.Authorization),
        });
        for (const [field, raw] of Object.entries(item)) {
          if (!isTimeKey(field)) continue;
          const at = timeOf(raw);
          if (at !== undefined) record.times[field] = at;
        }
        cap.finish(record);
        yield record;
      }
    },
  },
  observables(record) {
    const out: Observable[] = [];
    const process = clientProcess(record.client);
    if (process !== "") out.push({ kind: "process", value: process, field: "client" });
    if (record.bundleId !== undefined && record.bundleId !== "")
      out.push({ kind: "process", value: record.bundleId, field: "bundleId" });
    for (const field of ["bundlePath", "executable", "registered"] as const) {
      const value = record[field];
      if (value?.startsWith("/")) out.push({ kind: "path", value, field });
    }
    return out;
  },
  events(record) {
    return Object.entries(record.times).map(([field, at]) => ({
      at,
      event: snakeCase(field),
      description: `locationd client ${record.client}: ${field}`,
    }));
  },
});
