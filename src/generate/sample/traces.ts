/**
 * The traces each sample profile plants on top of the shared noise. Indicator values come from the public
 * indicator sets in ../shared/corpus/iocs (file named beside each constant); the Triangulation sequence
 * follows Kaspersky's published example (kaspersky.md 2.2, 2.4) and triangle_check's heuristic (1.4–1.6).
 */
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import type { SampleClock } from "./clock.js";
import type { AttachmentRow, FileTimes, MessageRow, SampleModel } from "./model.js";
import { IONOSPHERE_CLIENT, WRM_CLIENT } from "./noise.js";
import {
  IMAGEIO_PLIST,
  PROFILES_DIR,
  PROFILES_DOMAIN,
  pathKey,
  SOFTWAREUPDATE_PLIST,
  STATUSBAR_PLIST,
} from "./paths.js";
import { SampleRandom } from "./random.js";

/** The kinds of device a sample can be. */
export type SampleProfile =
  | "clean"
  | "triangulation"
  | "pegasus"
  | "predator"
  | "quadream"
  | "mvt-heuristics";

export const SAMPLE_PROFILES: readonly SampleProfile[] = [
  "clean",
  "triangulation",
  "pegasus",
  "predator",
  "quadream",
  "mvt-heuristics",
];

/** One planted trace, for tests and demos that check what a scan should find. */
export interface PlantedTrace {
  /** Short stable name, e.g. "datausage-backupagent". */
  id: string;
  /** The artifact expected to carry it (e.g. "ios/datausage"), or "none" when a backup cannot hold it. */
  artifact: string;
  description: string;
  /** When it happened (UTC ISO), if it has one time. */
  at?: string;
  /** The indicator value or path involved. */
  value?: string;
  /** False for traces a backup cannot carry (paths with no backup domain): they exist on a file-system dump only. */
  inBackup: boolean;
}

/** Attacker Apple ID (mvt-indicators 2023-06_01_operation_triangulation/emails.txt). */
export const TRIANGULATION_EMAIL = "shannonkelly404@gmail.com";
/** JavaScript-validator C2 domain (same folder, domains.txt; kaspersky.md 2.5). */
export const TRIANGULATION_DOMAIN = "backuprabbit.com";
/** Process names in amnesty-investigations 2021-07-18_nso/processes.txt. */
export const PEGASUS_PROCESSES = ["bh", "roleaccountd", "stagingd"] as const;
/** A domain of amnesty-investigations 2021-07-18_nso/domains.txt. */
export const PEGASUS_DOMAIN = "free247downloads.com";
/** Addresses of amnesty-investigations 2021-07-18_nso/emails.txt. */
export const PEGASUS_EMAILS = ["bekkerfredi@gmail.com", "ameliehaggart@gmail.com"] as const;
/** Configuration profile id of mvt-indicators intellexa_predator/config_profiles.txt. */
export const PREDATOR_PROFILE_UUID = "76DAB334-7E17-475D-A5D6-0794EB5818A5";
/** A domain of mvt-indicators intellexa_predator/domains.txt. */
export const PREDATOR_DOMAIN = "breaknews.live";
/** iOS paths of intellexa_predator/file_paths.txt: /private/var/tmp and /private/var/logs have no backup domain. */
export const PREDATOR_PATHS = [
  "/private/var/tmp/UserEventAgent",
  "/private/var/tmp/com.apple.WebKit.Networking",
  "/private/var/tmp/helper.sock",
] as const;
/** KingSpawn (mvt-indicators 2023-04-11_quadream): process, staging path (DatabaseDomain), a domain. */
export const QUADREAM_PROCESS = "com.apple.avcapture";
export const QUADREAM_PATH = "/private/var/db/com.apple.xpc.roleaccountd.staging/subridged";
export const QUADREAM_DOMAIN = "adeptary.com";
/** How Apple's threat notifications begin (mvt.md 2, SMS). */
export const THREAT_NOTIFICATION_TEXT =
  "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone. You are being targeted by a mercenary spyware attack that is trying to remotely compromise the iPhone associated with your Apple ID.";

const iso = (ms: number): string => new Date(ms).toISOString();

/** Adds the traces of `profile` to a noise model and says what was planted. */
export function plantTraces(
  model: SampleModel,
  profile: SampleProfile,
  seed: string,
  clock: SampleClock,
): PlantedTrace[] {
  const random = new SampleRandom(seed, `traces-${profile}`);
  switch (profile) {
    case "clean":
      return [];
    case "triangulation":
      return plantTriangulation(model, random, clock);
    case "pegasus":
      return plantPegasus(model, random, clock);
    case "predator":
      return plantPredator(model, random, clock);
    case "quadream":
      return plantQuadream(model, random, clock);
    case "mvt-heuristics":
      return plantMvtHeuristics(model, random, clock);
  }
}

function addHandle(model: SampleModel, id: string, service: "iMessage" | "SMS"): number {
  const known = model.handles.findIndex((h) => h.id === id && h.service === service);
  if (known >= 0) return known + 1;
  model.handles.push({ id, service, country: "gb" });
  return model.handles.length;
}

function addMessage(model: SampleModel, message: MessageRow): void {
  model.messages.push(message);
}

function addVisit(model: SampleModel, url: string, title: string, at: number): number {
  model.historyItems.push({ url, title });
  model.historyVisits.push({ item: model.historyItems.length - 1, at, title });
  return model.historyVisits.length - 1;
}

function setFileTimes(model: SampleModel, key: string, at: number): void {
  const times = model.watchedFiles.get(key);
  if (times === undefined) throw new Error(`no watched file ${key}`);
  times.modified = at;
  times.changed = at;
}

/**
 * An `xx/yy` folder pair for an emptied attachment folder: `xx` already used by noise (so it is not
 * created, which would add a birth event), `yy` new inside it.
 */
function emptiedFolder(
  model: SampleModel,
  random: SampleRandom,
  avoid: Set<string>,
): { xx: string; yy: string } {
  const outer = [...model.attachmentDirs.keys()].filter((k) => !k.includes("/") && !avoid.has(k)).sort();
  const candidates = outer.length > 0 ? outer : [random.hex(2)];
  const start = random.int(candidates.length);
  for (let i = 0; i < candidates.length; i += 1) {
    const xx = candidates[(start + i) % candidates.length] ?? "5e";
    const first = random.int(256);
    for (let j = 0; j < 256; j += 1) {
      const yy = ((first + j) % 256).toString(16).padStart(2, "0");
      if (!model.attachmentDirs.has(`${xx}/${yy}`)) return { xx, yy };
    }
  }
  throw new Error("every SMS attachment folder is taken");
}

/** Marks `xx/yy` as created at `createdAt` and emptied at `emptiedAt` (M and C of both folders move). */
function emptyAttachmentFolder(
  model: SampleModel,
  xx: string,
  yy: string,
  createdAt: number,
  emptiedAt: number,
): void {
  const outer: FileTimes = model.attachmentDirs.get(xx) ?? {
    birth: createdAt,
    modified: createdAt,
    changed: createdAt,
  };
  outer.modified = Math.max(outer.modified, createdAt);
  outer.changed = Math.max(outer.changed, createdAt);
  model.attachmentDirs.set(xx, outer);
  model.attachmentDirs.set(`${xx}/${yy}`, { birth: createdAt, modified: emptiedAt, changed: emptiedAt });
}

function plantTriangulation(model: SampleModel, random: SampleRandom, clock: SampleClock): PlantedTrace[] {
  const early = clock.earlyEpisodeAt;
  const late = clock.lateEpisodeAt;
  const traces: PlantedTrace[] = [];
  const attacker = addHandle(model, TRIANGULATION_EMAIL, "iMessage");

  // Both episodes begin with an iMessage from an attacker account whose attachment IMTransferAgent fetches.
  const transfer = model.processes.find((p) => p.name.startsWith("IMTransferAgent/"));
  const used = new Set<string>();
  for (const [n, start] of [early, late].entries()) {
    const folder = emptiedFolder(model, random, used);
    used.add(folder.xx);
    const guid = random.uuid();
    const transferName = `${random.hex(8).toUpperCase()}\u2013${random.hex(4).toUpperCase()}-${random.hex(4).toUpperCase()}-${random.hex(12).toUpperCase()}.watchface`;
    const attachment: AttachmentRow = {
      guid: `at_0_${guid}`,
      createdAt: start - 5_000,
      filename: `~/Library/SMS/Attachments/${folder.xx}/${folder.yy}/${guid}/${transferName}`,
      uti: "com.apple.watchface",
      mimeType: "application/octet-stream",
      transferName,
      totalBytes: 242_000 + random.int(4000),
      outgoing: false,
      hidden: true,
    };
    // The cleanup deletes the attachment row; keep it for the first episode only (the cleanup failed there).
    const attachments: number[] = [];
    if (n === 0) {
      model.attachments.push(attachment);
      attachments.push(model.attachments.length - 1);
      traces.push({
        id: "sms-watchface-attachment",
        artifact: "ios/sms-attachments",
        description: "invisible .watchface attachment whose transfer name has an en dash at position 9",
        at: iso(attachment.createdAt),
        value: transferName,
        inBackup: true,
      });
    }
    addMessage(model, {
      guid: random.uuid(),
      handle: attacker,
      service: "iMessage",
      text: "\ufffc",
      at: start - 5_000,
      fromMe: false,
      attachments,
    });
    traces.push({
      id: `sms-attacker-imessage-${n + 1}`,
      artifact: "ios/sms",
      description: "iMessage from an Apple ID of the Triangulation indicator set",
      at: iso(start - 5_000),
      value: TRIANGULATION_EMAIL,
      inBackup: true,
    });
    if (transfer !== undefined) {
      transfer.live.push({
        at: start,
        wifiIn: 0,
        wifiOut: 0,
        wwanIn: attachment.totalBytes + 9_000,
        wwanOut: 6_000,
      });
      transfer.lastAt = Math.max(transfer.lastAt, start);
    }
    emptyAttachmentFolder(model, folder.xx, folder.yy, start + 2_000, start + 43_000);
    traces.push({
      id: `sms-emptied-attachment-folder-${n + 1}`,
      artifact: "ios/file-listing",
      description:
        "SMS attachment folders Attachments/xx and xx/yy modified and status-changed, with no file left",
      at: iso(start + 43_000),
      value: `Library/SMS/Attachments/${folder.xx}/${folder.yy}`,
      inBackup: true,
    });
    const validator = `https://${TRIANGULATION_DOMAIN}/${random.hex(16)}/${random.hex(24)}`;
    addVisit(model, validator, "", start + 75_000);
    traces.push({
      id: `safari-c2-visit-${n + 1}`,
      artifact: "ios/safari-history",
      description: "invisible Safari visit to the JavaScript validator",
      at: iso(start + 75_000),
      value: validator,
      inBackup: true,
    });
  }

  // Early episode: BackupAgent a minute after IMTransferAgent, WebContent first seen, WRMLinkSelection, status-bar plist.
  const agentAt = early + 63_000;
  model.processes.push({
    name: "BackupAgent",
    firstAt: agentAt,
    lastAt: agentAt + 1_000,
    live: [{ at: agentAt + 1_000, wifiIn: 0, wifiOut: 0, wwanIn: 734_459, wwanOut: 287_912 }],
  });
  model.baseline.set("BackupAgent", {
    at: agentAt,
    wifiIn: 0,
    wifiOut: 0,
    wwanIn: 734_459,
    wwanOut: 287_912,
  });
  traces.push(
    {
      id: "datausage-backupagent",
      artifact: "ios/datausage",
      description:
        "network use by BackupAgent (exact Triangulation process indicator; BackupAgent2 is legitimate)",
      at: iso(agentAt),
      value: "BackupAgent",
      inBackup: true,
    },
    {
      id: "osanalytics-backupagent",
      artifact: "ios/osanalytics-addaily",
      description: "BackupAgent in the daily analytics network baseline",
      at: iso(agentAt),
      value: "BackupAgent",
      inBackup: true,
    },
  );
  const wrm = model.locationClients.get(WRM_CLIENT);
  if (wrm !== undefined) wrm.times.LocationTimeStopped = early + 130_000 + 0.25;
  setFileTimes(model, pathKey(STATUSBAR_PLIST), early + 170_000);
  setFileTimes(model, pathKey(SOFTWAREUPDATE_PLIST), early + 200_000);
  traces.push(
    {
      id: "episode-early",
      artifact: "ios/preference-files",
      description:
        "within 4 minutes: emptied attachment folder, BackupAgent, WRMLinkSelection location stop, StatusBarIconManager.plist and softwareupdateservicesd.plist changed",
      at: iso(early),
      inBackup: true,
    },
    {
      id: "softwareupdate-plist-changed",
      artifact: "ios/preference-files",
      description: "com.apple.softwareupdateservicesd.plist changed (updates blocked)",
      at: iso(early + 200_000),
      value: "/private/var/mobile/Library/Preferences/com.apple.softwareupdateservicesd.plist",
      inBackup: true,
    },
  );

  // Late episode, the newest events of the heuristic's timeline: WebContent traffic, IonosphereHarvest, ImageIO.
  model.processes.push({
    name: "com.apple.WebKit.WebContent",
    firstAt: early + 100_000,
    lastAt: late + 60_000,
    live: [{ at: late + 60_000, wifiIn: 0, wifiOut: 0, wwanIn: 1_310_002, wwanOut: 91_447 }],
  });
  const ionosphere = model.locationClients.get(IONOSPHERE_CLIENT);
  if (ionosphere !== undefined) ionosphere.times.LocationTimeStopped = late + 90_000 + 0.5;
  setFileTimes(model, pathKey(IMAGEIO_PLIST), late + 150_000);
  traces.push({
    id: "episode-late",
    artifact: "ios/preference-files",
    description:
      "within 3 minutes, the last 10 events of the heuristic's timeline: emptied attachment folder, WebContent traffic, IonosphereHarvest location stop, com.apple.ImageIO.plist changed",
    at: iso(late),
    inBackup: true,
  });
  return traces;
}

function plantPegasus(model: SampleModel, random: SampleRandom, clock: SampleClock): PlantedTrace[] {
  const at = clock.earlyEpisodeAt;
  const traces: PlantedTrace[] = [];
  for (const [i, name] of PEGASUS_PROCESSES.entries()) {
    const first = at + 40_000 + i * 7_000;
    model.processes.push({
      name,
      firstAt: first,
      lastAt: first + 3_600_000,
      live: [{ at: first + 3_600_000, wifiIn: 81_920 + i, wifiOut: 1_204_224 + i, wwanIn: 0, wwanOut: 0 }],
    });
    traces.push({
      id: `datausage-${name}`,
      artifact: "ios/datausage",
      description: `network use by the Pegasus process ${name}`,
      at: iso(first),
      value: name,
      inBackup: true,
    });
  }
  const sender = addHandle(model, PEGASUS_EMAILS[1], "iMessage");
  const filename = `/var/tmp/com.apple.messages/${random.uuid()}.gif-1`;
  model.attachments.push({
    guid: `at_0_${random.uuid()}`,
    createdAt: at,
    filename,
    uti: "com.compuserve.gif",
    mimeType: "image/gif",
    transferName: `${random.hex(8)}.gif`,
    totalBytes: 748,
    outgoing: false,
  });
  addMessage(model, {
    guid: random.uuid(),
    handle: sender,
    service: "iMessage",
    text: "\ufffc",
    at,
    fromMe: false,
    attachments: [model.attachments.length - 1],
  });
  model.idLookups.push(
    { service: "com.apple.madrid", user: `mailto:${PEGASUS_EMAILS[1]}`, at: at - 30_000, status: 1 },
    {
      service: "com.apple.madrid",
      user: `mailto:\u0000\u0000${PEGASUS_EMAILS[0]}`,
      at: at - 20_000,
      status: 2,
    },
  );
  const link = `https://${PEGASUS_DOMAIN}/${random.hex(6)}/${random.hex(10)}`;
  const smsSender = addHandle(model, "+447700900999", "SMS");
  addMessage(model, {
    guid: random.uuid(),
    handle: smsSender,
    service: "SMS",
    text: `Your parcel could not be delivered. Reschedule here: ${link}`,
    at: at - 86_400_000,
    fromMe: false,
    attachments: [],
  });
  traces.push(
    {
      id: "sms-var-tmp-attachment",
      artifact: "ios/sms-attachments",
      description: "received attachment stored under /var/tmp with a name ending in -1",
      at: iso(at),
      value: filename,
      inBackup: true,
    },
    {
      id: "idstatuscache-nul-bytes",
      artifact: "ios/idstatuscache",
      description: "identity-services lookup of an address holding NUL bytes",
      at: iso(at - 20_000),
      value: PEGASUS_EMAILS[0],
      inBackup: true,
    },
    {
      id: "idstatuscache-pegasus-email",
      artifact: "ios/idstatuscache",
      description: "identity-services lookup of an iCloud account of the Pegasus indicator set",
      at: iso(at - 30_000),
      value: PEGASUS_EMAILS[1],
      inBackup: true,
    },
    {
      id: "sms-pegasus-link",
      artifact: "ios/sms",
      description: "SMS with a link to a Pegasus exploit domain",
      at: iso(at - 86_400_000),
      value: link,
      inBackup: true,
    },
  );
  return traces;
}

function profileStub(uuid: string, identifier: string, name: string, types: string[], installedAt: number) {
  return {
    PayloadUUID: uuid,
    PayloadIdentifier: identifier,
    PayloadDisplayName: name,
    PayloadType: "Configuration",
    PayloadVersion: 1,
    PayloadContent: types.map((type, i) => ({
      PayloadType: type,
      PayloadIdentifier: `${identifier}.${i}`,
      PayloadVersion: 1,
    })),
    InstallDate: new Date(installedAt),
  };
}

function plantPredator(model: SampleModel, random: SampleRandom, clock: SampleClock): PlantedTrace[] {
  const at = clock.earlyEpisodeAt;
  const stub = `${PROFILES_DIR}/profile-${random.hex(64)}.stub`;
  model.extraEntries.push({
    domain: PROFILES_DOMAIN,
    relativePath: stub,
    data: writeBinaryPlist(
      profileStub(
        PREDATOR_PROFILE_UUID,
        "com.apple.config.update",
        "Update",
        ["com.apple.security.root"],
        at,
      ),
    ),
    birth: at,
    modified: at,
  });
  model.profileEvents.push({
    profileId: "com.apple.config.update",
    at,
    operation: "install",
    process: "profiled",
  });
  const url = `https://${PREDATOR_DOMAIN}/${random.hex(8)}`;
  addVisit(model, url, "", at - 40_000);
  const traces: PlantedTrace[] = [
    {
      id: "configuration-profile-predator",
      artifact: "ios/configuration-profiles",
      description: "configuration profile with a Predator profile id",
      at: iso(at),
      value: PREDATOR_PROFILE_UUID,
      inBackup: true,
    },
    {
      id: "safari-predator-domain",
      artifact: "ios/safari-history",
      description: "visit to a Predator infrastructure domain",
      at: iso(at - 40_000),
      value: url,
      inBackup: true,
    },
  ];
  for (const path of PREDATOR_PATHS) {
    traces.push({
      id: `fs-only-${path.split("/").at(-1)}`,
      artifact: "none",
      description:
        "Predator file under /private/var/tmp: no backup domain maps there, so only a file-system dump shows it",
      value: path,
      inBackup: false,
    });
  }
  return traces;
}

function plantQuadream(model: SampleModel, random: SampleRandom, clock: SampleClock): PlantedTrace[] {
  const at = clock.earlyEpisodeAt;
  model.processes.push({
    name: QUADREAM_PROCESS,
    firstAt: at + 30_000,
    lastAt: at + 7_200_000,
    live: [{ at: at + 7_200_000, wifiIn: 35_210, wifiOut: 2_480_113, wwanIn: 0, wwanOut: 0 }],
  });
  const header = Buffer.from("cffaedfe0c000001", "hex");
  model.extraEntries.push({
    domain: "DatabaseDomain",
    relativePath: QUADREAM_PATH.replace("/private/var/db/", ""),
    data: Buffer.concat([header, random.bytes(4088)]),
    birth: at + 20_000,
    modified: at + 20_000,
    mode: 0o100755,
  });
  model.calendar.push({
    uuid: random.uuid(),
    summary: "Meeting",
    description: "Notes",
    startAt: at - 9 * 86_400_000,
    endAt: at - 9 * 86_400_000 + 3_600_000,
    createdAt: at,
    modifiedAt: at,
    organizer: "d.keller.meetings@example.com",
    attendees: ["me@example.net"],
    hidden: true,
  });
  const url = `https://${QUADREAM_DOMAIN}/${random.hex(10)}`;
  addVisit(model, url, "", at + 50_000);
  return [
    {
      id: "datausage-avcapture",
      artifact: "ios/datausage",
      description: "network use by KingSpawn's com.apple.avcapture",
      at: iso(at + 30_000),
      value: QUADREAM_PROCESS,
      inBackup: true,
    },
    {
      id: "file-roleaccountd-staging",
      artifact: "ios/file-listing",
      description: "KingSpawn file in the roleaccountd staging folder (DatabaseDomain)",
      at: iso(at + 20_000),
      value: QUADREAM_PATH,
      inBackup: true,
    },
    {
      id: "calendar-meeting-notes",
      artifact: "ios/calendar",
      description: 'invisible past calendar invitation "Meeting" / "Notes"',
      at: iso(at),
      value: "Meeting",
      inBackup: true,
    },
    {
      id: "safari-quadream-domain",
      artifact: "ios/safari-history",
      description: "visit to a QuaDream infrastructure domain",
      at: iso(at + 50_000),
      value: url,
      inBackup: true,
    },
  ];
}

function plantMvtHeuristics(model: SampleModel, random: SampleRandom, clock: SampleClock): PlantedTrace[] {
  const at = clock.earlyEpisodeAt;
  const apple = addHandle(model, "threat-notifications@example.org", "iMessage");
  addMessage(model, {
    guid: random.uuid(),
    handle: apple,
    service: "iMessage",
    text: THREAT_NOTIFICATION_TEXT,
    at: at + 20 * 86_400_000,
    fromMe: false,
    attachments: [],
  });
  const source = addVisit(model, "http://www.weather-today.example/forecast", "", at);
  const destination = addVisit(model, `https://cdn-sync.example.net/${random.hex(12)}`, "", at + 420);
  const sourceVisit = model.historyVisits[source];
  const destinationVisit = model.historyVisits[destination];
  if (sourceVisit !== undefined) sourceVisit.redirectDestination = destination;
  if (destinationVisit !== undefined) destinationVisit.redirectSource = source;
  model.applications["com.example.fieldnotes"] = {
    bundleVersion: "14",
    iTunesMetadata: {
      itemId: 0,
      itemName: "Field Notes",
      artistName: "Example Enterprise",
      softwareVersionBundleId: "com.example.fieldnotes",
      bundleShortVersionString: "1.4",
      sourceApp: "com.example.enterprise-installer",
      purchaseDate: new Date(at - 2 * 86_400_000),
      kind: "software",
    },
  };
  const uuid = random.uuid();
  model.extraEntries.push({
    domain: PROFILES_DOMAIN,
    relativePath: `${PROFILES_DIR}/profile-${random.hex(64)}.stub`,
    data: writeBinaryPlist(
      profileStub(
        uuid,
        "com.example.quiet-notifications",
        "Notifications",
        ["com.apple.notificationsettings"],
        at - 86_400_000,
      ),
    ),
    birth: at - 86_400_000,
    modified: at - 86_400_000,
  });
  model.profileEvents.push({
    profileId: "com.example.quiet-notifications",
    at: at - 86_400_000,
    operation: "install",
    process: "profiled",
  });
  model.globalPreferences.LDMGlobalEnabled = true;
  return [
    {
      id: "sms-threat-notification",
      artifact: "ios/sms",
      description: "Apple threat notification received over iMessage",
      at: iso(at + 20 * 86_400_000),
      value: THREAT_NOTIFICATION_TEXT.slice(0, 60),
      inBackup: true,
    },
    {
      id: "safari-http-redirect",
      artifact: "ios/safari-history",
      description: "http:// visit redirected to another domain within 1 s (network injection)",
      at: iso(at),
      value: "http://www.weather-today.example/forecast",
      inBackup: true,
    },
    {
      id: "app-outside-app-store",
      artifact: "ios/applications",
      description: "app whose sourceApp is neither the App Store nor MDM",
      value: "com.example.fieldnotes",
      inBackup: true,
    },
    {
      id: "configuration-profile-notifications",
      artifact: "ios/configuration-profiles",
      description: "configuration profile that hides notifications (com.apple.notificationsettings)",
      at: iso(at - 86_400_000),
      value: uuid,
      inBackup: true,
    },
    {
      id: "lockdown-mode-enabled",
      artifact: "ios/global-preferences",
      description: "Lockdown Mode enabled (LDMGlobalEnabled true)",
      value: "LDMGlobalEnabled",
      inBackup: true,
    },
  ];
}
