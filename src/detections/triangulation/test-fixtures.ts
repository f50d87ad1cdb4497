/** Record builders for the Triangulation tests: times are seconds after 2022-09-13 10:00:00 UTC. */
import type { ArtifactRecord } from "../../artifacts/define.js";
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import type { FileListingRecord } from "../../artifacts/ios/file-listing.js";
import type { LocationdClientRecord } from "../../artifacts/ios/locationd-clients.js";
import type { OsAnalyticsAdDailyRecord } from "../../artifacts/ios/osanalytics-addaily.js";
import type { PreferenceFileRecord } from "../../artifacts/ios/preference-files.js";
import { record } from "../test-context.js";

const T0 = Date.UTC(2022, 8, 13, 10, 0, 0);
export const DATAUSAGE = "/private/var/wireless/Library/Databases/DataUsage.sqlite";
export const NETUSAGE = "/private/var/networkd/netusage.sqlite";
export const ADDAILY = "/private/var/mobile/Library/Preferences/com.apple.osanalytics.addaily.plist";
export const CLIENTS = "/private/var/root/Library/Caches/locationd/clients.plist";
export const IMAGEIO = "/private/var/root/Library/Preferences/com.apple.ImageIO.plist";
export const STATUSBAR =
  "/private/var/mobile/Library/Preferences/com.apple.locationd.StatusBarIconManager.plist";
export const FACETIME = "/private/var/mobile/Library/Preferences/com.apple.imservice.ids.FaceTime.plist";
export const ATTACHMENTS = "/private/var/mobile/Library/SMS/Attachments";
export const IONOSPHERE =
  "com.apple.locationd.bundle-/System/Library/LocationBundles/IonosphereHarvest.bundle";
export const WRM = "com.apple.locationd.bundle-/System/Library/LocationBundles/WRMLinkSelection.bundle";

/** ISO time `seconds` after the base time. */
export function at(seconds: number): string {
  return new Date(T0 + seconds * 1000).toISOString();
}

let nextRow = 1;

/** A DataUsage (or netusage) process row: first/last/live times in seconds. */
export function usage(
  processName: string,
  times: { first?: number; last?: number; live?: number[] },
  options: { artifact?: "ios/datausage" | "ios/netusage"; bundleId?: string; rowId?: number } = {},
): ArtifactRecord<ProcessUsageRecord> {
  const rowId = options.rowId ?? nextRow++;
  const data: ProcessUsageRecord = {
    rowId,
    processName,
    liveUsage: (times.live ?? []).map((s, i) => ({ rowId: rowId * 100 + i, at: at(s), wwanIn: 1000 })),
  };
  if (options.bundleId !== undefined) data.bundleId = options.bundleId;
  if (times.first !== undefined) data.firstAt = at(times.first);
  if (times.last !== undefined) data.lastAt = at(times.last);
  const artifact = options.artifact ?? "ios/datausage";
  return record(artifact, artifact === "ios/netusage" ? NETUSAGE : DATAUSAGE, data);
}

/** An entry of the analytics network baseline. */
export function analytics(processName: string, seconds: number): ArtifactRecord<OsAnalyticsAdDailyRecord> {
  return record("ios/osanalytics-addaily", ADDAILY, { processName, at: at(seconds), wwanIn: 10 });
}

/** A locationd client with LocationTimeStopped. */
export function location(client: string, stopped: number): ArtifactRecord<LocationdClientRecord> {
  return record("ios/locationd-clients", CLIENTS, { client, times: { LocationTimeStopped: at(stopped) } });
}

interface Times {
  m?: number;
  c?: number;
  b?: number;
}

function applyTimes<T extends { modifiedAt?: string; changedAt?: string; birthAt?: string }>(
  target: T,
  times: Times,
): T {
  if (times.m !== undefined) target.modifiedAt = at(times.m);
  if (times.c !== undefined) target.changedAt = at(times.c);
  if (times.b !== undefined) target.birthAt = at(times.b);
  return target;
}

/** A watched preference file record. */
export function pref(path: string, times: Times): ArtifactRecord<PreferenceFileRecord> {
  const data: PreferenceFileRecord = { path, size: 42, present: true };
  return record("ios/preference-files", path, applyTimes(data, times));
}

/** Backup coordinates of a device path (for the triangle_check restatement, which reads relativePath). */
function coordinates(path: string): { domain: string; relativePath: string } {
  if (path.startsWith("/private/var/mobile/Library/SMS/"))
    return { domain: "MediaDomain", relativePath: path.slice("/private/var/mobile/".length) };
  if (path.startsWith("/private/var/root/")) return { domain: "RootDomain", relativePath: path.slice(18) };
  return { domain: "HomeDomain", relativePath: path.slice("/private/var/mobile/".length) };
}

/** A file-listing entry with backup coordinates. */
export function listing(
  path: string,
  kind: "file" | "directory",
  times: Times,
): ArtifactRecord<FileListingRecord> {
  const data: FileListingRecord = { path, kind, size: kind === "file" ? 1234 : 0, ...coordinates(path) };
  return record("ios/file-listing", "backup", applyTimes(data, times));
}
