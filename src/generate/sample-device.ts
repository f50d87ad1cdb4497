/**
 * Realistic sample iPhones for the demo, the detection checks and the benchmarks: a clean device, or the
 * same device (same seed, same noise) with the traces of one spyware family planted on top.
 * Noise and traces: ./sample/noise.ts and ./sample/traces.ts; facts: ../shared/reference/kaspersky.md 1.4–2.6,
 * mvt.md 2, and the schemas of ../shared/corpus/backups/dev-ios16-spec.
 */
import { SpyglassError } from "../errors.js";
import { writeBinaryPlist } from "../formats/bplist-writer.js";
import type { PlistDict } from "../formats/plist-value.js";
import {
  type BackupEncryptionSpec,
  type BackupEntrySpec,
  type BackupSpec,
  type BackupWritten,
  writeBackup,
} from "./backup-writer.js";
import { MINUTE_MS, type SampleClock, sampleClock } from "./sample/clock.js";
import {
  buildAddressBookDb,
  buildCalendarDb,
  buildDataUsage,
  buildHistoryDb,
  buildSmsDb,
  buildTccDb,
} from "./sample/databases.js";
import type { SampleModel } from "./sample/model.js";
import { buildNoise, type NoiseSize } from "./sample/noise.js";
import { planPadding } from "./sample/padding.js";
import {
  ADDRESS_BOOK,
  CALENDAR,
  DATA_USAGE,
  GLOBAL_PREFERENCES,
  IDSTATUSCACHE,
  LOCATIOND_CLIENTS,
  OSANALYTICS_ADDAILY,
  PROFILES_DIR,
  PROFILES_DOMAIN,
  pathKey,
  SAFARI_HISTORY,
  SMS_ATTACHMENTS,
  SMS_DB,
  TCC,
  WATCHED_FILES,
} from "./sample/paths.js";
import {
  idStatusCachePlist,
  locationdClientsPlist,
  osAnalyticsPlist,
  profileEventsPlist,
  WATCHED_FILE_CONTENT,
} from "./sample/plists.js";
import { SampleRandom } from "./sample/random.js";
import { type PlantedTrace, plantTraces, SAMPLE_PROFILES, type SampleProfile } from "./sample/traces.js";

export type { PlantedTrace, SampleProfile } from "./sample/traces.js";
export { SAMPLE_PROFILES };

/** Explicit sizes; anything left out takes the "small" value (processes scale with nothing else). */
export interface SampleSizeSpec {
  messages?: number;
  safariVisits?: number;
  /** ZPROCESS rows of DataUsage.sqlite. */
  processes?: number;
  /** Manifest.db rows to reach at least (padding files are added for the difference). */
  manifestRows?: number;
  /** Bytes of padding payloads (many small files, and a few large ones from 16 MiB on). */
  paddingBytes?: number;
}

/** What to build. */
export interface SampleDeviceOptions {
  profile: SampleProfile;
  /** The same seed gives the same device; a clean twin and an infected device share their noise. */
  seed: string;
  /** "small" (default: a few seconds, a few MB) for tests and the demo; "realistic" for benchmarks. */
  size?: "small" | "realistic" | SampleSizeSpec;
  /** Encrypt the backup (keys are derived from the seed, so a sample's encryption is not secret). */
  encryption?: BackupEncryptionSpec;
}

/** A sample device: the backup spec and what was planted in it. */
export interface SampleDevice {
  spec: BackupSpec;
  traces: PlantedTrace[];
  clock: SampleClock;
}

/** What `writeSampleBackup` produced. */
export interface SampleBackupWritten extends BackupWritten {
  profile: SampleProfile;
  seed: string;
  traces: PlantedTrace[];
}

interface ResolvedSize extends NoiseSize {
  manifestRows: number;
  paddingBytes: number;
}

const SMALL: ResolvedSize = {
  messages: 600,
  safariVisits: 2_000,
  processes: 220,
  attachments: 36,
  calendarEvents: 20,
  manifestRows: 0,
  paddingBytes: 0,
};

const REALISTIC: ResolvedSize = {
  messages: 100_000,
  safariVisits: 50_000,
  processes: 2_000,
  attachments: 3_000,
  calendarEvents: 400,
  manifestRows: 25_000,
  paddingBytes: 1024 * 1024 * 1024,
};

function resolveSize(size: SampleDeviceOptions["size"]): ResolvedSize {
  if (size === undefined || size === "small") return SMALL;
  if (size === "realistic") return REALISTIC;
  const messages = size.messages ?? SMALL.messages;
  return {
    messages,
    safariVisits: size.safariVisits ?? SMALL.safariVisits,
    processes: size.processes ?? SMALL.processes,
    attachments: Math.min(3_000, Math.max(4, Math.round(messages * 0.06))),
    calendarEvents: Math.min(600, Math.max(10, Math.round(messages / 250))),
    manifestRows: size.manifestRows ?? 0,
    paddingBytes: size.paddingBytes ?? 0,
  };
}

/** Builds the model of a sample device (noise, then the profile's traces). */
export function sampleDeviceModel(options: SampleDeviceOptions): {
  model: SampleModel;
  traces: PlantedTrace[];
  clock: SampleClock;
  size: ResolvedSize;
} {
  if (!SAMPLE_PROFILES.includes(options.profile)) {
    throw new SpyglassError("USAGE", `Unknown sample profile: ${String(options.profile)}`, {
      hint: `Use one of ${SAMPLE_PROFILES.join(", ")}`,
    });
  }
  const size = resolveSize(options.size);
  const clock = sampleClock(options.seed);
  const model = buildNoise(options.seed, clock, size);
  const traces = plantTraces(model, options.profile, options.seed, clock);
  return { model, traces, clock, size };
}

/** The device as a backup spec plus the list of planted traces. */
export function sampleDevice(options: SampleDeviceOptions): SampleDevice {
  const { model, traces, clock, size } = sampleDeviceModel(options);
  const entries = deviceEntries(model, clock, options.seed);
  const rowsEstimate = entries.length + 200;
  const padding = planPadding(options.seed, clock, {
    bytes: size.paddingBytes,
    minFiles: Math.max(0, size.manifestRows - rowsEstimate),
  });
  // A loop, not push(...padding): hundreds of thousands of arguments overflow the call stack.
  for (const entry of padding) entries.push(entry);
  // The model counts milliseconds; the writer reads a number as Unix seconds, so hand it Dates.
  const files = entries.map(withDates);
  const spec: BackupSpec = {
    device: {
      name: "Spyglass Sample iPhone",
      productType: "iPhone14,5",
      productName: "iPhone 13",
      productVersion: "16.3.1",
      buildVersion: "20D67",
      phoneNumber: OWN_NUMBER_DISPLAY,
    },
    date: new Date(clock.backupAt),
    fileTime: new Date(clock.setupAt),
    files,
    applications: model.applications,
    seed: `spyglass-sample-${options.seed}`,
    ...(options.encryption === undefined ? {} : { encryption: options.encryption }),
  };
  return { spec, traces, clock };
}

/** The backup spec of a sample device (see `sampleDevice` for the planted traces). */
export function sampleDeviceSpec(options: SampleDeviceOptions): BackupSpec {
  return sampleDevice(options).spec;
}

/** Writes a sample device as a backup folder (which must not already hold a backup). */
export async function writeSampleBackup(
  dir: string,
  options: SampleDeviceOptions,
): Promise<SampleBackupWritten> {
  const device = sampleDevice(options);
  const written = await writeBackup(dir, device.spec);
  return { ...written, profile: options.profile, seed: options.seed, traces: device.traces };
}

function withDates(entry: BackupEntrySpec): BackupEntrySpec {
  const out = { ...entry };
  if (typeof out.birth === "number") out.birth = new Date(out.birth);
  if (typeof out.modified === "number") out.modified = new Date(out.modified);
  if (typeof out.changed === "number") out.changed = new Date(out.changed);
  return out;
}

const OWN_NUMBER = "+447700900654";
const OWN_NUMBER_DISPLAY = "+44 7700 900654";

/** A small JPEG-looking payload (JFIF header, pseudo-random body, end marker). */
function jpeg(seed: string, guid: string, size: number): () => Uint8Array {
  return () => {
    const head = Buffer.from("ffd8ffe000104a46494600010101004800480000", "hex");
    const body = new SampleRandom(seed, `jpeg-${guid}`).bytes(Math.max(0, size - head.length - 2));
    return Buffer.concat([head, body, Buffer.from("ffd9", "hex")]);
  };
}

function plist(value: PlistDict): () => Uint8Array {
  return () => writeBinaryPlist(value);
}

/** Every entry of the device apart from padding. */
function deviceEntries(model: SampleModel, clock: SampleClock, seed: string): BackupEntrySpec[] {
  const last = (times: number[], fallback: number): number =>
    times.reduce((a, b) => Math.max(a, b), fallback);
  const files: BackupEntrySpec[] = [
    {
      ...DATA_USAGE,
      data: () => buildDataUsage(model),
      birth: clock.setupAt,
      modified: clock.backupAt - 3 * MINUTE_MS,
      protectionClass: 4,
    },
    {
      ...SMS_DB,
      data: () => buildSmsDb(model, OWN_NUMBER),
      birth: clock.setupAt,
      modified: last(
        model.messages.map((m) => m.at),
        clock.setupAt,
      ),
      protectionClass: 4,
    },
    {
      ...SAFARI_HISTORY,
      data: () => buildHistoryDb(model),
      birth: clock.setupAt,
      modified: last(
        model.historyVisits.map((v) => v.at),
        clock.setupAt,
      ),
      protectionClass: 4,
    },
    {
      ...CALENDAR,
      data: () => buildCalendarDb(model),
      birth: clock.setupAt,
      modified: last(
        model.calendar.map((e) => e.modifiedAt),
        clock.setupAt,
      ),
      protectionClass: 3,
    },
    {
      ...ADDRESS_BOOK,
      data: () => buildAddressBookDb(model),
      birth: clock.setupAt,
      modified: last(
        model.contacts.map((c) => c.modifiedAt),
        clock.setupAt,
      ),
      protectionClass: 3,
    },
    {
      ...TCC,
      data: () => buildTccDb(model),
      birth: clock.setupAt,
      modified: clock.usageEnd,
      protectionClass: 4,
    },
    {
      ...OSANALYTICS_ADDAILY,
      data: plist(osAnalyticsPlist(model)),
      birth: clock.setupAt,
      modified: clock.usageEnd,
      protectionClass: 4,
    },
    {
      ...LOCATIOND_CLIENTS,
      data: plist(locationdClientsPlist(model)),
      birth: clock.setupAt,
      modified: clock.backupAt - 10 * MINUTE_MS,
      protectionClass: 4,
    },
    {
      ...IDSTATUSCACHE,
      data: plist(idStatusCachePlist(model)),
      birth: clock.setupAt,
      modified: last(
        model.idLookups.map((l) => l.at),
        clock.setupAt,
      ),
      protectionClass: 4,
    },
    {
      ...GLOBAL_PREFERENCES,
      data: plist(model.globalPreferences),
      birth: clock.setupAt,
      modified: clock.setupAt,
      mode: 0o100600,
      protectionClass: 4,
    },
  ];
  for (const path of WATCHED_FILES) {
    const times = model.watchedFiles.get(pathKey(path));
    if (times === undefined) continue;
    const name = path.relativePath.split("/").at(-1) ?? "";
    files.push({
      ...path,
      data: plist(WATCHED_FILE_CONTENT[name] ?? {}),
      birth: times.birth,
      modified: times.modified,
      changed: times.changed,
      protectionClass: 4,
    });
  }
  files.push({
    ...SMS_ATTACHMENTS,
    kind: "directory",
    birth: clock.setupAt,
    modified: clock.setupAt,
    changed: clock.setupAt,
  });
  for (const [dir, times] of model.attachmentDirs) {
    files.push({
      domain: SMS_ATTACHMENTS.domain,
      relativePath: `${SMS_ATTACHMENTS.relativePath}/${dir}`,
      kind: "directory",
      birth: times.birth,
      modified: times.modified,
      changed: times.changed,
    });
  }
  for (const attachment of model.attachments) {
    const file = attachment.file;
    if (file === undefined) continue;
    const at = attachment.createdAt;
    const guidDir = file.path.split("/").slice(0, 3).join("/");
    files.push(
      {
        domain: SMS_ATTACHMENTS.domain,
        relativePath: `${SMS_ATTACHMENTS.relativePath}/${guidDir}`,
        kind: "directory",
        birth: at,
        modified: at,
        changed: at,
      },
      {
        domain: SMS_ATTACHMENTS.domain,
        relativePath: `${SMS_ATTACHMENTS.relativePath}/${file.path}`,
        data: jpeg(seed, attachment.guid, file.size),
        birth: at,
        modified: at,
        changed: at,
        protectionClass: 3,
      },
    );
  }
  if (model.profileEvents.length > 0) {
    const newest = Math.max(...model.profileEvents.map((e) => e.at));
    files.push({
      domain: PROFILES_DOMAIN,
      relativePath: `${PROFILES_DIR}/MCProfileEvents.plist`,
      data: plist(profileEventsPlist(model)),
      birth: Math.min(...model.profileEvents.map((e) => e.at)),
      modified: newest,
      protectionClass: 4,
    });
  }
  for (const entry of model.extraEntries) files.push(entry);
  return files;
}
