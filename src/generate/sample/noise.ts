/**
 * Benign noise of a sample device: everyday messages, browsing, network use by hundreds of processes,
 * location clients, calendar, permissions and apps. Built only from the seed and the size, never from the
 * profile, so a clean device and its infected twin share all of it.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS, type SampleClock } from "./clock.js";
import type {
  AttachmentRow,
  CalendarEvent,
  FileTimes,
  HistoryItem,
  HistoryVisit,
  LocationClient,
  MessageRow,
  ProcessRow,
  SampleModel,
} from "./model.js";
import { pathKey, WATCHED_FILES } from "./paths.js";
import { SampleRandom } from "./random.js";
import { QuietSchedule } from "./schedule.js";
import {
  ACTING_DAEMONS,
  CALENDAR_TITLES,
  FIRST_NAMES,
  LOOKALIKE_LINKS,
  MESSAGE_TEXTS,
  ORDINARY_PAGES,
  PRODUCTS,
  STORE_APPS,
  SURNAMES,
  SYSTEM_PROCESSES,
  VENDORS,
} from "./vocab.js";

/** How much noise to make. */
export interface NoiseSize {
  messages: number;
  safariVisits: number;
  processes: number;
  attachments: number;
  calendarEvents: number;
}

/** The processes Triangulation's heuristic counts as network events (kaspersky.md 1.4, "implicit"). */
export const HEURISTIC_PROCESSES = [
  "nehelper",
  "com.apple.WebKit.WebContent",
  "powerd/com.apple.datausage.diagnostics",
  "lockdownd/com.apple.datausage.security",
] as const;

/** Location bundles Triangulation's heuristic watches (kaspersky.md 1.4). */
export const IONOSPHERE_CLIENT =
  "com.apple.locationd.bundle-/System/Library/LocationBundles/IonosphereHarvest.bundle";
export const WRM_CLIENT =
  "com.apple.locationd.bundle-/System/Library/LocationBundles/WRMLinkSelection.bundle";

/** Builds the noise of a device. */
export function buildNoise(seed: string, clock: SampleClock, size: NoiseSize): SampleModel {
  const schedule = new QuietSchedule(clock);
  const model: SampleModel = {
    processes: [],
    baseline: new Map(),
    handles: [],
    contacts: [],
    messages: [],
    attachments: [],
    attachmentDirs: new Map(),
    historyItems: [],
    historyVisits: [],
    locationClients: new Map(),
    idLookups: [],
    calendar: [],
    tcc: [],
    globalPreferences: {
      AppleLanguages: ["en-GB"],
      AppleLocale: "en_GB",
      AppleICUForce24HourTime: true,
      LDMGlobalEnabled: false,
    },
    watchedFiles: new Map(),
    applications: {},
    profileEvents: [],
    extraEntries: [],
  };
  // Few events of the rarer kinds first, so the many attachments settle around them.
  addWatchedFiles(model, seed, clock, schedule);
  addLocationClients(model, seed, clock, schedule);
  addProcesses(model, seed, clock, size.processes, schedule);
  addMessages(model, seed, clock, size, schedule);
  addBaseline(model, seed, clock);
  addHistory(model, seed, clock, size.safariVisits);
  addContacts(model, seed, clock);
  addIdLookups(model, seed, clock);
  addCalendar(model, seed, clock, size.calendarEvents);
  addAppsAndPermissions(model, seed, clock);
  return model;
}

function within(random: SampleRandom, from: number, to: number): number {
  return from + Math.floor(random.next() * Math.max(1, to - from));
}

function addWatchedFiles(
  model: SampleModel,
  seed: string,
  clock: SampleClock,
  schedule: QuietSchedule,
): void {
  const random = new SampleRandom(seed, "watched-files");
  WATCHED_FILES.forEach((path, i) => {
    const birth = clock.setupAt + 5 * HOUR_MS + i * 7 * MINUTE_MS + random.int(60_000);
    const modified = schedule.place("file", within(random, clock.usageStart, clock.quietAfter));
    model.watchedFiles.set(pathKey(path), { birth, modified, changed: modified + random.int(2000) });
  });
}

function addLocationClients(
  model: SampleModel,
  seed: string,
  clock: SampleClock,
  schedule: QuietSchedule,
): void {
  const random = new SampleRandom(seed, "locationd");
  const stopped = (): number =>
    schedule.place("location", within(random, clock.usageStart, clock.quietAfter)) + random.int(1000) / 1000;
  const app = (bundleId: string, authorization: number): LocationClient => ({
    bundleId,
    authorization,
    times: { LocationTimeStopped: stopped(), SignificantTimeStopped: stopped() },
  });
  const bundle = (name: string): LocationClient => ({
    bundlePath: `/System/Library/LocationBundles/${name}.bundle`,
    authorization: 2,
    times: { LocationTimeStopped: stopped() },
  });
  const clients: Array<[string, LocationClient]> = [
    ["com.apple.Maps", app("com.apple.Maps", 2)],
    ["com.apple.weather", app("com.apple.weather", 4)],
    ["com.apple.camera", app("com.apple.camera", 2)],
    ["com.strava.stravaride", app("com.strava.stravaride", 4)],
    ["com.ubercab.UberClient", app("com.ubercab.UberClient", 2)],
    ["com.apple.locationd.bundle-/System/Library/LocationBundles/TimeZone.bundle", bundle("TimeZone")],
    [
      "com.apple.locationd.bundle-/System/Library/LocationBundles/MotionCalibration.bundle",
      bundle("MotionCalibration"),
    ],
    [IONOSPHERE_CLIENT, bundle("IonosphereHarvest")],
    [WRM_CLIENT, bundle("WRMLinkSelection")],
    [
      "/usr/libexec/routined",
      { executable: "/usr/libexec/routined", authorization: 2, times: { LocationTimeStopped: stopped() } },
    ],
  ];
  for (const [key, client] of clients) model.locationClients.set(key, client);
}

function counters(
  random: SampleRandom,
  scale: number,
): {
  wifiIn: number;
  wifiOut: number;
  wwanIn: number;
  wwanOut: number;
} {
  const wifi = random.chance(0.85);
  const wwan = random.chance(0.5);
  return {
    wifiIn: wifi ? random.logUniform(200, 40_000_000) * scale : 0,
    wifiOut: wifi ? random.logUniform(100, 4_000_000) * scale : 0,
    wwanIn: wwan ? random.logUniform(100, 9_000_000) * scale : 0,
    wwanOut: wwan ? random.logUniform(50, 900_000) * scale : 0,
  };
}

function addProcesses(
  model: SampleModel,
  seed: string,
  clock: SampleClock,
  count: number,
  schedule: QuietSchedule,
): void {
  const random = new SampleRandom(seed, "datausage");
  const names: Array<readonly [string, string | undefined]> = [...SYSTEM_PROCESSES];
  for (const [proc, bundle] of STORE_APPS) names.push([proc, bundle]);
  for (let i = 0; names.length < count; i += 1) {
    const vendor = VENDORS[i % VENDORS.length] ?? "contoso";
    const product = PRODUCTS[Math.floor(i / VENDORS.length) % PRODUCTS.length] ?? "Notes";
    const round = Math.floor(i / (VENDORS.length * PRODUCTS.length));
    const bundle = `com.${vendor}.${product.toLowerCase()}${round === 0 ? "" : round}`;
    names.push([
      `${vendor[0]?.toUpperCase()}${vendor.slice(1)}${product}${round === 0 ? "" : round}`,
      bundle,
    ]);
    for (const daemon of ACTING_DAEMONS) {
      if (names.length >= count || !random.chance(0.35)) continue;
      names.push([`${daemon}/${bundle}`, bundle]);
    }
  }
  for (const [name, bundle] of names.slice(0, Math.max(count, 1))) {
    const firstAt = within(random, clock.setupAt + HOUR_MS, clock.usageStart + 40 * DAY_MS);
    const lastAt =
      name === "BackupAgent2"
        ? nightly(random, clock.backupAt - DAY_MS)
        : within(random, Math.max(firstAt, clock.usageEnd - 30 * DAY_MS), clock.backupAt - 20 * MINUTE_MS);
    const row: ProcessRow = { name, firstAt, lastAt, live: [] };
    if (bundle !== undefined) row.bundle = bundle;
    const liveCount = random.between(1, 3);
    for (let i = 0; i < liveCount; i += 1) {
      const at = i === liveCount - 1 ? lastAt : within(random, firstAt, lastAt);
      row.live.push({ at, ...counters(random, 1) });
    }
    row.live.sort((a, b) => a.at - b.at);
    model.processes.push(row);
  }
  // nehelper is one of the processes the Triangulation heuristic counts: keep its events apart.
  const first = schedule.place("net", within(random, clock.usageStart, clock.usageStart + 30 * DAY_MS));
  const last = schedule.place("net", within(random, clock.usageEnd - 40 * DAY_MS, clock.quietAfter));
  model.processes.push({
    name: "nehelper",
    firstAt: first,
    lastAt: last,
    live: [{ at: last, ...counters(random, 0.01) }],
  });
}

/** A night-time moment (iCloud backups run while the phone charges) on the day of `day`. */
function nightly(random: SampleRandom, day: number): number {
  const midnight = Math.floor(day / DAY_MS) * DAY_MS;
  return midnight + (1 + random.int(3)) * HOUR_MS + random.int(3_600_000);
}

function addBaseline(model: SampleModel, seed: string, clock: SampleClock): void {
  const random = new SampleRandom(seed, "osanalytics");
  const heuristic = new Set<string>(HEURISTIC_PROCESSES);
  const candidates = model.processes.filter((p) => !heuristic.has(p.name));
  const day = Math.floor((clock.usageEnd - DAY_MS) / DAY_MS) * DAY_MS;
  for (let i = 0; i < Math.min(28, candidates.length); i += 1) {
    const process = candidates[(i * 7) % candidates.length];
    if (process === undefined || model.baseline.has(process.name)) continue;
    model.baseline.set(process.name, { at: day - random.int(6) * DAY_MS, ...counters(random, 4) });
  }
}

function phoneNumber(index: number): string {
  // Ofcom reserves 07700 900000-900999 for drama: never a real subscriber.
  return `+447700900${String(100 + (index % 900)).padStart(3, "0")}`;
}

function addMessages(
  model: SampleModel,
  seed: string,
  clock: SampleClock,
  size: NoiseSize,
  schedule: QuietSchedule,
): void {
  const random = new SampleRandom(seed, "sms");
  const handleCount = Math.max(8, Math.min(400, Math.round(size.messages / 40)));
  for (let i = 0; i < handleCount; i += 1) {
    if (i % 5 === 4) {
      const first = (FIRST_NAMES[i % FIRST_NAMES.length] ?? "sam").toLowerCase();
      const last = (SURNAMES[i % SURNAMES.length] ?? "lee").toLowerCase();
      model.handles.push({ id: `${first}.${last}${i}@example.org`, service: "iMessage", country: "gb" });
    } else {
      model.handles.push({
        id: phoneNumber(i),
        service: random.chance(0.7) ? "iMessage" : "SMS",
        country: "gb",
      });
    }
  }
  const messages: MessageRow[] = [];
  const textual = Math.max(0, size.messages - size.attachments);
  while (messages.length < textual) {
    const handle = 1 + Math.min(handleCount - 1, Math.floor(handleCount * random.next() ** 2));
    const service = model.handles[handle - 1]?.service ?? "SMS";
    let at = within(random, clock.usageStart, clock.usageEnd);
    const burst = Math.min(random.between(1, 8), textual - messages.length);
    for (let i = 0; i < burst; i += 1) {
      at += random.between(5, 600) * 1000;
      const fromMe = random.chance(0.45);
      const row: MessageRow = {
        guid: random.uuid(),
        handle,
        service,
        text: messageText(random),
        at,
        fromMe,
        attachments: [],
      };
      if (!fromMe && random.chance(0.92)) row.readAt = at + random.between(2, 3600) * 1000;
      messages.push(row);
    }
  }
  for (let i = 0; i < size.attachments; i += 1) {
    const handle = 1 + random.int(handleCount);
    const at = schedule.place("sms", within(random, clock.usageStart, clock.quietAfter));
    const fromMe = random.chance(0.3);
    const attachment = photoAttachment(random, at, fromMe);
    model.attachments.push(attachment);
    const row: MessageRow = {
      guid: random.uuid(),
      handle,
      service: "iMessage",
      text: "\ufffc",
      at,
      fromMe,
      attachments: [model.attachments.length - 1],
    };
    if (!fromMe) row.readAt = at + random.between(5, 900) * 1000;
    messages.push(row);
  }
  const files = model.attachments.flatMap((a) =>
    a.file === undefined ? [] : [{ path: a.file.path, at: a.createdAt }],
  );
  for (const [dir, times] of attachmentDirTimes(files)) model.attachmentDirs.set(dir, times);
  messages.sort((a, b) => a.at - b.at);
  for (const message of messages) model.messages.push(message);
  // IMTransferAgent downloads attachments: give it a live row at some of them (never followed by BackupAgent).
  const transfer = model.processes.find((p) => p.name.startsWith("IMTransferAgent/"));
  if (transfer !== undefined) {
    for (const attachment of model.attachments.filter((a) => !a.outgoing).slice(0, 6)) {
      transfer.live.push({
        at: attachment.createdAt - 15_000,
        wifiIn: attachment.totalBytes + 4096,
        wifiOut: 2048,
        wwanIn: 0,
        wwanOut: 0,
      });
      transfer.firstAt = Math.min(transfer.firstAt, attachment.createdAt - 15_000);
    }
    transfer.live.sort((a, b) => a.at - b.at);
  }
}

function messageText(random: SampleRandom): string {
  const template = random.pick(MESSAGE_TEXTS);
  if (template.includes("{code}")) return template.replace("{code}", String(random.between(100000, 999999)));
  if (!template.includes("{link}")) return template;
  const link = random.chance(0.15) ? random.pick(LOOKALIKE_LINKS) : (random.pick(ORDINARY_PAGES)[0] ?? "");
  return template.replace("{link}", link);
}

function photoAttachment(random: SampleRandom, at: number, outgoing: boolean): AttachmentRow {
  const guid = random.uuid();
  const xx = random.hex(2);
  const yy = random.hex(2);
  const name = `IMG_${String(random.between(1000, 9999))}.JPG`;
  const size = random.logUniform(1200, 6000);
  const path = `${xx}/${yy}/${guid}/${name}`;
  return {
    guid,
    createdAt: at,
    filename: `~/Library/SMS/Attachments/${path}`,
    uti: "public.jpeg",
    mimeType: "image/jpeg",
    transferName: name,
    totalBytes: size,
    outgoing,
    file: { path, size },
  };
}

/**
 * Times of the Attachments/xx and xx/yy folders holding `files` (paths `xx/yy/GUID/name`): a folder is born
 * with its first entry and changes each time an entry is added to it, so xx changes when a new yy appears.
 */
export function attachmentDirTimes(
  files: ReadonlyArray<{ path: string; at: number }>,
): Map<string, FileTimes> {
  const inner = new Map<string, FileTimes>();
  for (const { path, at } of files) {
    const [xx, yy] = path.split("/");
    if (xx === undefined || yy === undefined) continue;
    const key = `${xx}/${yy}`;
    const times = inner.get(key);
    if (times === undefined) inner.set(key, { birth: at, modified: at, changed: at });
    else {
      times.birth = Math.min(times.birth, at);
      times.modified = Math.max(times.modified, at);
      times.changed = times.modified;
    }
  }
  const dirs = new Map<string, FileTimes>();
  for (const [key, times] of inner) {
    const xx = key.slice(0, key.indexOf("/"));
    const outer = dirs.get(xx);
    if (outer === undefined)
      dirs.set(xx, { birth: times.birth, modified: times.birth, changed: times.birth });
    else {
      outer.birth = Math.min(outer.birth, times.birth);
      outer.modified = Math.max(outer.modified, times.birth);
      outer.changed = outer.modified;
    }
  }
  for (const [key, times] of inner) dirs.set(key, times);
  return dirs;
}

function addHistory(model: SampleModel, seed: string, clock: SampleClock, count: number): void {
  const random = new SampleRandom(seed, "safari");
  const items: HistoryItem[] = ORDINARY_PAGES.map(([url, title]) => ({ url, title }));
  const indexByUrl = new Map(items.map((item, i) => [item.url, i]));
  const itemFor = (url: string, title: string): number => {
    const known = indexByUrl.get(url);
    if (known !== undefined) return known;
    items.push({ url, title });
    indexByUrl.set(url, items.length - 1);
    return items.length - 1;
  };
  const visits: HistoryVisit[] = [];
  const articleCount = Math.max(20, Math.round(count / 6));
  while (visits.length < count) {
    let at = within(random, clock.usageStart, clock.usageEnd);
    const session = Math.min(random.between(1, 12), count - visits.length);
    for (let i = 0; i < session; i += 1) {
      at += random.between(4, 240) * 1000;
      if (random.chance(0.45)) {
        const [url, title] = random.pick(ORDINARY_PAGES);
        visits.push({ item: itemFor(url, title), at, title });
      } else if (random.chance(0.04) && visits.length + 2 <= count) {
        // http:// typed by hand, redirected to https:// on the same host within a moment.
        const [url, title] = random.pick(ORDINARY_PAGES);
        const plain = url.replace("https://", "http://");
        const source = visits.length;
        visits.push({ item: itemFor(plain, ""), at, title: "", redirectDestination: source + 1 });
        visits.push({
          item: itemFor(url, title),
          at: at + random.between(80, 600),
          title,
          redirectSource: source,
        });
        i += 1;
      } else {
        const n = random.int(articleCount);
        const url = `https://www.bbc.co.uk/news/articles/c${(n * 2654435761).toString(36).slice(0, 10)}o`;
        visits.push({ item: itemFor(url, `Article ${n} - BBC News`), at, title: `Article ${n} - BBC News` });
      }
    }
  }
  // Chronological visit ids, with redirect links re-pointed.
  const order = visits.map((v, i) => [v, i] as const).sort((a, b) => a[0].at - b[0].at);
  const newIndex = new Map(order.map(([, old], i) => [old, i]));
  for (const item of items) model.historyItems.push(item);
  for (const [visit] of order) {
    const moved: HistoryVisit = { item: visit.item, at: visit.at, title: visit.title };
    if (visit.redirectSource !== undefined) moved.redirectSource = newIndex.get(visit.redirectSource) ?? 0;
    if (visit.redirectDestination !== undefined)
      moved.redirectDestination = newIndex.get(visit.redirectDestination) ?? 0;
    model.historyVisits.push(moved);
  }
}

function addContacts(model: SampleModel, seed: string, clock: SampleClock): void {
  const random = new SampleRandom(seed, "contacts");
  model.handles.forEach((handle, i) => {
    // Most people who write are in the address book; a few (deliveries, one-off numbers) are not.
    if (random.chance(0.15)) return;
    const createdAt = within(random, clock.setupAt - 900 * DAY_MS, clock.usageEnd);
    model.contacts.push({
      first: FIRST_NAMES[i % FIRST_NAMES.length] ?? "Sam",
      last: SURNAMES[(i * 7) % SURNAMES.length] ?? "Lee",
      ...(random.chance(0.2) ? { organization: "Example Ltd" } : {}),
      values: [{ property: handle.id.includes("@") ? 4 : 3, value: handle.id }],
      createdAt,
      modifiedAt: createdAt + random.int(30 * DAY_MS),
    });
  });
}

function addIdLookups(model: SampleModel, seed: string, clock: SampleClock): void {
  const random = new SampleRandom(seed, "idstatuscache");
  for (const handle of model.handles) {
    if (handle.service !== "iMessage") continue;
    const user = handle.id.includes("@") ? `mailto:${handle.id}` : `tel:${handle.id}`;
    const at = within(random, clock.usageStart, clock.usageEnd);
    model.idLookups.push({ service: "com.apple.madrid", user, at, status: 1 });
    if (random.chance(0.3))
      model.idLookups.push({ service: "com.apple.ess", user, at: at + random.int(DAY_MS), status: 1 });
  }
}

function addCalendar(model: SampleModel, seed: string, clock: SampleClock, count: number): void {
  const random = new SampleRandom(seed, "calendar");
  for (let i = 0; i < count; i += 1) {
    const createdAt = within(random, clock.setupAt, clock.usageEnd);
    const startAt =
      Math.floor((createdAt + random.between(1, 30) * DAY_MS) / (30 * MINUTE_MS)) * 30 * MINUTE_MS;
    const event: CalendarEvent = {
      uuid: random.uuid(),
      summary: random.pick(CALENDAR_TITLES),
      startAt,
      endAt: startAt + random.between(1, 4) * 30 * MINUTE_MS,
      createdAt,
      modifiedAt: createdAt + random.int(DAY_MS),
      attendees: [],
    };
    if (random.chance(0.3)) {
      event.organizer = `${(random.pick(FIRST_NAMES) ?? "sam").toLowerCase()}@example.org`;
      event.attendees.push("me@example.net");
    }
    if (random.chance(0.2)) event.description = "Bring the documents";
    model.calendar.push(event);
  }
}

function addAppsAndPermissions(model: SampleModel, seed: string, clock: SampleClock): void {
  const random = new SampleRandom(seed, "apps");
  const services = [
    "kTCCServiceCamera",
    "kTCCServiceMicrophone",
    "kTCCServicePhotos",
    "kTCCServiceAddressBook",
  ] as const;
  for (const [, bundleId, itemName, artistName] of STORE_APPS) {
    const purchaseAt = within(random, clock.setupAt - 400 * DAY_MS, clock.usageStart);
    model.applications[bundleId] = {
      bundleVersion: String(random.between(100, 9000)),
      iTunesMetadata: {
        itemId: random.between(280_000_000, 1_600_000_000),
        itemName,
        artistName,
        softwareVersionBundleId: bundleId,
        bundleShortVersionString: `${random.between(1, 40)}.${random.int(10)}.${random.int(10)}`,
        sourceApp: "com.apple.AppStore",
        purchaseDate: new Date(purchaseAt),
        kind: "software",
      },
    };
    for (const service of services) {
      if (!random.chance(0.4)) continue;
      model.tcc.push({
        service,
        client: bundleId,
        clientType: 0,
        authValue: random.chance(0.8) ? 2 : 0,
        authReason: 2,
        at: within(random, clock.setupAt, clock.usageEnd),
      });
    }
  }
}
