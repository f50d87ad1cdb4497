/** The property lists of a sample device, as plist values (written as binary plists, like iOS does). */
import type { PlistDict } from "../../formats/plist-value.js";
import { cocoaSeconds } from "./clock.js";
import type { SampleModel } from "./model.js";

/** com.apple.osanalytics.addaily.plist: `netUsageBaseline` {process: [NSDate, wifiIn, wifiOut, wwanIn, wwanOut]}. */
export function osAnalyticsPlist(model: SampleModel): PlistDict {
  const baseline: PlistDict = {};
  for (const [name, entry] of model.baseline) {
    baseline[name] = [new Date(entry.at), entry.wifiIn, entry.wifiOut, entry.wwanIn, entry.wwanOut];
  }
  return { netUsageBaseline: baseline, baselineVersion: 2 };
}

/** locationd clients.plist: one dictionary per client, times as Cocoa-seconds floats. */
export function locationdClientsPlist(model: SampleModel): PlistDict {
  const out: PlistDict = {};
  for (const [key, client] of model.locationClients) {
    const entry: PlistDict = {};
    if (client.bundleId !== undefined) entry.BundleId = client.bundleId;
    if (client.bundlePath !== undefined) entry.BundlePath = client.bundlePath;
    if (client.executable !== undefined) entry.Executable = client.executable;
    if (client.authorization !== undefined) entry.Authorization = client.authorization;
    entry.Whitelisted = false;
    for (const [field, at] of Object.entries(client.times)) entry[field] = cocoaSeconds(at);
    out[key] = entry;
  }
  return out;
}

/** com.apple.identityservices.idstatuscache.plist: {service: {user: {LookupDate, IDStatus}}}. */
export function idStatusCachePlist(model: SampleModel): PlistDict {
  const out: PlistDict = {};
  for (const lookup of model.idLookups) {
    const service = (out[lookup.service] as PlistDict | undefined) ?? {};
    out[lookup.service] = service;
    service[lookup.user] = { LookupDate: cocoaSeconds(lookup.at), IDStatus: lookup.status };
  }
  return out;
}

/** Small plausible contents of the watched preference files (only their times matter to the checks). */
export const WATCHED_FILE_CONTENT: Record<string, PlistDict> = {
  "com.apple.ImageIO.plist": { IIOEnableJPEGHardwareDecode: true },
  "com.apple.locationd.StatusBarIconManager.plist": {
    LastStatusBarIconState: 0,
    ShowSystemServicesIcon: false,
  },
  "com.apple.imservice.ids.FaceTime.plist": { IDSLastRegistrationCheck: 0, SetupCompleted: true },
  "com.apple.softwareupdateservicesd.plist": { SUAutomaticUpdateV2Enabled: true, SUCurrentUpdateScanDate: 0 },
};

/** MCProfileEvents.plist: {ProfileEvents: [{profileId: {timestamp, operation, process}}]}. */
export function profileEventsPlist(model: SampleModel): PlistDict {
  return {
    ProfileEvents: model.profileEvents.map((e) => ({
      [e.profileId]: { timestamp: new Date(e.at), operation: e.operation, process: e.process },
    })),
  };
}
