import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArtifactRecord, ArtifactStatus } from "../artifacts/define.js";
import type { ApplicationRecord } from "../artifacts/ios/applications.js";
import type { CalendarRecord } from "../artifacts/ios/calendar.js";
import type { ConfigurationProfileRecord } from "../artifacts/ios/configuration-profiles.js";
import type { ContactRecord } from "../artifacts/ios/contacts.js";
import type { DataUsageRecord } from "../artifacts/ios/datausage.js";
import type { FileListingRecord } from "../artifacts/ios/file-listing.js";
import type { GlobalPreferenceRecord } from "../artifacts/ios/global-preferences.js";
import type { IdStatusCacheRecord } from "../artifacts/ios/idstatuscache.js";
import type { LocationdClientRecord } from "../artifacts/ios/locationd-clients.js";
import type { OsAnalyticsAdDailyRecord } from "../artifacts/ios/osanalytics-addaily.js";
import type { PreferenceFileRecord } from "../artifacts/ios/preference-files.js";
import type { ProfileEventRecord } from "../artifacts/ios/profile-events.js";
import type { SafariHistoryRecord } from "../artifacts/ios/safari-history.js";
import type { SmsRecord } from "../artifacts/ios/sms.js";
import type { SmsAttachmentRecord } from "../artifacts/ios/sms-attachments.js";
import type { TccRecord } from "../artifacts/ios/tcc.js";
import { ARTIFACTS } from "../artifacts/registry.js";
import { runArtifacts } from "../artifacts/run.js";
import type { DetectionContext } from "../detections/define.js";
import { DETECTIONS } from "../detections/registry.js";
import { type LoadedIndicators, loadIndicators } from "../indicators/load.js";
import { FINDING_LEVELS, type Finding } from "../model/finding.js";
import { openFsDump } from "../readers/fs-dump/index.js";
import { openIosBackup } from "../readers/ios-backup/backup.js";
import { corpusPath } from "../testing/corpus.js";
import { attachmentDirTimes, HEURISTIC_PROCESSES } from "./sample/noise.js";
import { LOOKALIKE_LINKS, ORDINARY_PAGES } from "./sample/vocab.js";
import {
  type SampleBackupWritten,
  type SampleDeviceOptions,
  sampleDevice,
  sampleDeviceModel,
  writeSampleBackup,
} from "./sample-device.js";
import { writeSampleDump } from "./sample-device-dump.js";

const SEED = "unit-twin";
const PASSWORD = "sample-pass";

interface Scan {
  statuses: ArtifactStatus[];
  records: Map<string, ArtifactRecord[]>;
  written: SampleBackupWritten;
}

let root: string;
const scans = new Map<string, Promise<Scan>>();

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "spyglass-sample-device-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** Writes a sample backup, opens it with the reader and runs every registered artifact (cached per key). */
function scan(key: string, options: SampleDeviceOptions): Promise<Scan> {
  const cached = scans.get(key);
  if (cached !== undefined) return cached;
  const started = writeAndScan(key, options);
  scans.set(key, started);
  return started;
}

async function writeAndScan(key: string, options: SampleDeviceOptions): Promise<Scan> {
  const dir = join(root, key);
  const written = await writeSampleBackup(dir, options);
  const source = await openIosBackup(
    dir,
    options.encryption === undefined ? {} : { password: () => PASSWORD },
  );
  const records = new Map<string, ArtifactRecord[]>();
  try {
    const statuses = await runArtifacts(source, ARTIFACTS, (record) => {
      const list = records.get(record.artifact) ?? [];
      list.push(record);
      records.set(record.artifact, list);
    });
    return { statuses, records, written };
  } finally {
    await source.close();
  }
}

function recordsOf<T>(result: Scan, artifact: string): T[] {
  return (result.records.get(artifact) ?? []).map((r) => r.data as T);
}

const clean = (): Promise<Scan> => scan("clean", { profile: "clean", seed: SEED });
const infected = (): Promise<Scan> => scan("triangulation", { profile: "triangulation", seed: SEED });

const KEY_ARTIFACTS = [
  "ios/datausage",
  "ios/osanalytics-addaily",
  "ios/locationd-clients",
  "ios/preference-files",
  "ios/sms",
  "ios/sms-attachments",
  "ios/safari-history",
  "ios/idstatuscache",
  "ios/calendar",
  "ios/tcc",
  "ios/file-listing",
  "ios/contacts",
  "ios/applications",
  "ios/global-preferences",
];

function expectParsedCleanly(result: Scan): void {
  const problems = result.statuses.flatMap((s) =>
    s.warnings.map((w) => `${s.id}: ${w.code} ${w.message} (${w.file ?? ""})`),
  );
  expect(problems).toEqual([]);
  const found = new Map(result.statuses.map((s) => [s.id, s]));
  for (const id of KEY_ARTIFACTS) {
    expect(found.get(id)?.status, id).toBe("found");
    expect(found.get(id)?.records ?? 0, id).toBeGreaterThan(0);
  }
}

describe("sample devices: clean twin and Triangulation", () => {
  it("parse with every registered artifact, without warnings", async () => {
    expectParsedCleanly(await clean());
    expectParsedCleanly(await infected());
  });

  it("has hundreds of benign processes, BackupAgent2 in both, BackupAgent only when infected", async () => {
    const cleanRows = recordsOf<DataUsageRecord>(await clean(), "ios/datausage");
    const infectedRows = recordsOf<DataUsageRecord>(await infected(), "ios/datausage");
    expect(cleanRows.length).toBeGreaterThanOrEqual(200);
    const names = (rows: DataUsageRecord[]) => new Set(rows.map((r) => r.processName));
    for (const daemon of [
      "mDNSResponder/com.apple.datausage.dns",
      "BackupAgent2",
      "CommCenter",
      "nsurlsessiond",
    ]) {
      expect(names(cleanRows).has(daemon), daemon).toBe(true);
      expect(names(infectedRows).has(daemon), daemon).toBe(true);
    }
    expect(names(cleanRows).has("BackupAgent")).toBe(false);
    const agent = infectedRows.find((r) => r.processName === "BackupAgent");
    expect(agent?.firstAt).toBeDefined();
    expect(agent?.lastAt).toBeDefined();
    expect(agent?.bundleId).toBeUndefined();
    expect(agent?.liveUsage).toEqual([expect.objectContaining({ wwanIn: 734_459, wwanOut: 287_912 })]);
    // IMTransferAgent fetched the attachment a minute before BackupAgent.
    const transfer = infectedRows.find((r) => r.processName.startsWith("IMTransferAgent/"));
    const agentAt = Date.parse(agent?.firstAt ?? "");
    const before = transfer?.liveUsage.filter((u) => {
      const at = Date.parse(u.at ?? "");
      return at < agentAt && agentAt - at <= 90_000;
    });
    expect(before?.length).toBe(1);
    // In the clean twin IMTransferAgent is never followed by BackupAgent (there is none), but it is active.
    expect(
      cleanRows.find((r) => r.processName.startsWith("IMTransferAgent/"))?.liveUsage.length,
    ).toBeGreaterThan(1);

    const baseline = (rows: OsAnalyticsAdDailyRecord[]) => rows.map((r) => r.processName);
    const cleanBaseline = recordsOf<OsAnalyticsAdDailyRecord>(await clean(), "ios/osanalytics-addaily");
    const infectedBaseline = recordsOf<OsAnalyticsAdDailyRecord>(await infected(), "ios/osanalytics-addaily");
    expect(cleanBaseline.length).toBeGreaterThan(10);
    expect(baseline(cleanBaseline)).not.toContain("BackupAgent");
    expect(infectedBaseline.find((r) => r.processName === "BackupAgent")?.at).toBe(agent?.firstAt);
  });

  it("shares the noise: every clean record is in the infected twin", async () => {
    const c = await clean();
    const i = await infected();
    const key = (r: DataUsageRecord) => `${r.rowId} ${r.processName} ${r.firstAt}`;
    const infectedProcesses = new Set(recordsOf<DataUsageRecord>(i, "ios/datausage").map(key));
    for (const r of recordsOf<DataUsageRecord>(c, "ios/datausage"))
      expect(infectedProcesses.has(key(r)), key(r)).toBe(true);
    const messages = (s: Scan) =>
      new Set(
        recordsOf<SmsRecord>(s, "ios/sms").map((m) =>
          JSON.stringify([m.rowId, m.guid, m.text, m.receivedAt ?? m.sentAt]),
        ),
      );
    const infectedMessages = messages(i);
    const cleanMessages = messages(c);
    expect(cleanMessages.size).toBe(600);
    for (const m of cleanMessages) expect(infectedMessages.has(m)).toBe(true);
    const visits = (s: Scan) =>
      recordsOf<SafariHistoryRecord>(s, "ios/safari-history").map((v) => `${v.url} ${v.visitedAt}`);
    const infectedVisits = new Set(visits(i));
    expect(visits(c).length).toBe(2_000);
    for (const v of visits(c)) expect(infectedVisits.has(v)).toBe(true);
  });

  it("carries attachments with real files, look-alike links and ordinary sites", async () => {
    const c = await clean();
    const attachments = recordsOf<SmsAttachmentRecord>(c, "ios/sms-attachments");
    expect(attachments.length).toBe(36);
    const listing = new Map(recordsOf<FileListingRecord>(c, "ios/file-listing").map((f) => [f.path, f]));
    for (const a of attachments) {
      const path = `/private/var/mobile/${a.filename?.slice(2)}`;
      const entry = listing.get(path);
      expect(entry?.kind, path).toBe("file");
      expect(entry?.size).toBe(a.totalBytes);
      expect(entry?.domain).toBe("MediaDomain");
      const dir = path.split("/").slice(0, -1).join("/");
      expect(listing.get(dir)?.kind).toBe("directory");
    }
    const links = recordsOf<SmsRecord>(c, "ios/sms").flatMap((m) => m.links);
    expect(links.some((l) => (LOOKALIKE_LINKS as readonly string[]).includes(l))).toBe(true);
    expect(links.some((l) => ORDINARY_PAGES.some(([url]) => url === l))).toBe(true);
    const visits = recordsOf<SafariHistoryRecord>(c, "ios/safari-history");
    const redirected = visits.filter((v) => v.redirectSource !== undefined);
    expect(redirected.length).toBeGreaterThan(0);
    for (const v of redirected) expect(new URL(v.redirectSource?.url ?? "").host).toBe(new URL(v.url).host);
    expect(recordsOf<TccRecord>(c, "ios/tcc").every((r) => r.schemaVersion === 3)).toBe(true);
    expect(recordsOf<CalendarRecord>(c, "ios/calendar").some((e) => e.summary === "Meeting")).toBe(false);
    const apps = recordsOf<ApplicationRecord>(c, "ios/applications");
    expect(apps.length).toBeGreaterThanOrEqual(10);
    for (const app of apps) expect(app.sourceApp, app.bundleId).toBe("com.apple.AppStore");
    const handles = new Set(recordsOf<SmsRecord>(c, "ios/sms").map((m) => m.handle));
    const contacts = recordsOf<ContactRecord>(c, "ios/contacts");
    expect(contacts.length).toBeGreaterThan(5);
    for (const contact of contacts) {
      for (const v of contact.values) expect(handles.has(v.value), v.value).toBe(true);
    }
    const lockdown = recordsOf<GlobalPreferenceRecord>(c, "ios/global-preferences");
    expect(lockdown.find((r) => r.key === "LDMGlobalEnabled")?.enabled).toBe(false);
  });

  it("plants the Triangulation iMessage, watchface attachment, C2 visit and emptied folders", async () => {
    const i = await infected();
    const c = await clean();
    const fromAttacker = recordsOf<SmsRecord>(i, "ios/sms").filter(
      (m) => m.handle === "shannonkelly404@gmail.com",
    );
    expect(fromAttacker.length).toBe(2);
    expect(recordsOf<SmsRecord>(c, "ios/sms").some((m) => m.handle === "shannonkelly404@gmail.com")).toBe(
      false,
    );
    const watchface = recordsOf<SmsAttachmentRecord>(i, "ios/sms-attachments").filter(
      (a) => a.uti === "com.apple.watchface",
    );
    expect(watchface.length).toBe(1);
    const name = watchface[0]?.transferName ?? "";
    expect(name.length).toBeGreaterThan(32);
    expect(name.indexOf("\u2013")).toBe(8);
    expect(watchface[0]?.handle).toBe("shannonkelly404@gmail.com");
    const c2 = recordsOf<SafariHistoryRecord>(i, "ios/safari-history").filter(
      (v) => new URL(v.url).host === "backuprabbit.com",
    );
    expect(c2.length).toBe(2);

    const listing = recordsOf<FileListingRecord>(i, "ios/file-listing");
    const attachmentsRoot = "/private/var/mobile/Library/SMS/Attachments/";
    const emptied = listing.filter(
      (f) =>
        f.kind === "directory" &&
        f.path.startsWith(attachmentsRoot) &&
        f.path.slice(attachmentsRoot.length).split("/").length === 2 &&
        !listing.some((g) => g.path.startsWith(`${f.path}/`)),
    );
    expect(emptied.length).toBe(2);
    const cleanPaths = new Set(recordsOf<FileListingRecord>(c, "ios/file-listing").map((f) => f.path));
    for (const dir of emptied) {
      expect(cleanPaths.has(dir.path)).toBe(false);
      expect(dir.modifiedAt).toBe(dir.changedAt);
    }

    const prefs = (s: Scan) =>
      new Map(recordsOf<PreferenceFileRecord>(s, "ios/preference-files").map((p) => [p.path, p]));
    const updates = "/private/var/mobile/Library/Preferences/com.apple.softwareupdateservicesd.plist";
    expect(prefs(i).get(updates)?.modifiedAt).not.toBe(prefs(c).get(updates)?.modifiedAt);
    expect(prefs(c).size).toBe(5);
  });

  it("keeps the clean twin's heuristic events apart and puts an infected episode in the last 10 events", async () => {
    const cleanEvents = triangleTimeline(await clean());
    expect(cleanEvents.length).toBeGreaterThan(40);
    expect(suspiciousWindows(cleanEvents, 0)).toEqual([]);

    const events = triangleTimeline(await infected());
    const windows = suspiciousWindows(events, 0);
    // Two episodes, each with at least three kinds of events within 5 minutes.
    expect(clusters(windows.map((w) => w.at))).toBe(2);
    const early = windows.filter((w) => w.at < (windows.at(-1)?.at ?? 0) - 600_000);
    const late = windows.filter((w) => !early.includes(w));
    for (const group of [early, late]) {
      expect(Math.max(...group.map((w) => w.classes.size))).toBeGreaterThanOrEqual(3);
    }
    const lastStart = events.length - 10;
    expect(windows.some((w) => w.index >= lastStart)).toBe(true);
    // triangle_check starts windows only at indices < len - 10: it sees the earlier episode only.
    const seenByTriangleCheck = windows.filter((w) => w.index < lastStart);
    expect(clusters(seenByTriangleCheck.map((w) => w.at))).toBe(1);
    const lateStart = Math.min(...late.map((w) => w.at));
    expect(events.filter((e) => e.at >= lateStart).length).toBeLessThanOrEqual(10);
  });

  it("opens encrypted (dpic 1000) with the same records as the plain backup", async () => {
    const encrypted = await scan("triangulation-encrypted", {
      profile: "triangulation",
      seed: SEED,
      encryption: { password: PASSWORD, dpic: 1000 },
    });
    expect(encrypted.written.derivedKeyHex).toMatch(/^[0-9a-f]{64}$/);
    expectParsedCleanly(encrypted);
    const plain = await infected();
    for (const id of KEY_ARTIFACTS) {
      expect(JSON.stringify(recordsOf(encrypted, id)), id).toBe(JSON.stringify(recordsOf(plain, id)));
    }
    const cleanEncrypted = await scan("clean-encrypted", {
      profile: "clean",
      seed: SEED,
      encryption: { password: PASSWORD, dpic: 1000 },
    });
    expectParsedCleanly(cleanEncrypted);
    expect(
      recordsOf<DataUsageRecord>(cleanEncrypted, "ios/datausage").some(
        (r) => r.processName === "BackupAgent",
      ),
    ).toBe(false);
  });
});

describe("sample devices: other profiles", () => {
  it("pegasus: processes, /var/tmp attachment, NUL-byte lookup, exploit link", async () => {
    const s = await scan("pegasus", { profile: "pegasus", seed: SEED });
    expectParsedCleanly(s);
    const names = recordsOf<DataUsageRecord>(s, "ios/datausage").map((r) => r.processName);
    for (const name of ["bh", "roleaccountd", "stagingd"]) expect(names).toContain(name);
    const tmp = recordsOf<SmsAttachmentRecord>(s, "ios/sms-attachments").filter((a) =>
      a.filename?.startsWith("/var/tmp/"),
    );
    expect(tmp.length).toBe(1);
    expect(tmp[0]?.filename?.endsWith("-1")).toBe(true);
    expect(tmp[0]?.isOutgoing).toBe(false);
    const lookups = recordsOf<IdStatusCacheRecord>(s, "ios/idstatuscache");
    expect(lookups.filter((l) => l.hasNulBytes === true).length).toBe(1);
    const links = recordsOf<SmsRecord>(s, "ios/sms").flatMap((m) => m.links);
    expect(links.some((l) => new URL(l).host === "free247downloads.com")).toBe(true);
  });

  it("predator: Predator profile id and domain; /private/var/tmp traces are listed as dump-only", async () => {
    const s = await scan("predator", { profile: "predator", seed: SEED });
    expectParsedCleanly(s);
    const profiles = recordsOf<ConfigurationProfileRecord>(s, "ios/configuration-profiles");
    expect(profiles.map((p) => p.payloadUuid)).toEqual(["76DAB334-7E17-475D-A5D6-0794EB5818A5"]);
    expect(
      recordsOf<SafariHistoryRecord>(s, "ios/safari-history").some(
        (v) => new URL(v.url).host === "breaknews.live",
      ),
    ).toBe(true);
    const dumpOnly = s.written.traces.filter((t) => !t.inBackup);
    expect(dumpOnly.length).toBeGreaterThan(0);
    const paths = new Set(recordsOf<FileListingRecord>(s, "ios/file-listing").map((f) => f.path));
    for (const t of dumpOnly) expect(paths.has(t.value ?? "")).toBe(false);
  });

  it("quadream: KingSpawn process, staging file in DatabaseDomain, Meeting/Notes invitation", async () => {
    const s = await scan("quadream", { profile: "quadream", seed: SEED });
    expectParsedCleanly(s);
    expect(recordsOf<DataUsageRecord>(s, "ios/datausage").map((r) => r.processName)).toContain(
      "com.apple.avcapture",
    );
    const file = recordsOf<FileListingRecord>(s, "ios/file-listing").find(
      (f) => f.path === "/private/var/db/com.apple.xpc.roleaccountd.staging/subridged",
    );
    expect(file?.domain).toBe("DatabaseDomain");
    expect(file?.kind).toBe("file");
    const invite = recordsOf<CalendarRecord>(s, "ios/calendar").filter(
      (e) => e.summary === "Meeting" && e.description === "Notes",
    );
    expect(invite.length).toBe(1);
    expect(invite[0]?.participants[0]?.role).toBe("organizer");
  });

  it("mvt-heuristics: threat notification, http redirect, sideloaded app, notification profile, Lockdown Mode", async () => {
    const s = await scan("mvt", { profile: "mvt-heuristics", seed: SEED });
    expectParsedCleanly(s);
    expect(recordsOf<SmsRecord>(s, "ios/sms").filter((m) => m.threatNotification === true).length).toBe(1);
    const redirected = recordsOf<SafariHistoryRecord>(s, "ios/safari-history").filter(
      (v) => v.url.startsWith("http://") && v.redirectDestination?.url !== undefined,
    );
    const injected = redirected.filter((v) => {
      const to = v.redirectDestination;
      return (
        new URL(to?.url ?? "").host !== new URL(v.url).host &&
        Date.parse(to?.visitedAt ?? "") - Date.parse(v.visitedAt ?? "") < 1000
      );
    });
    expect(injected.length).toBe(1);
    const profiles = recordsOf<ConfigurationProfileRecord>(s, "ios/configuration-profiles");
    expect(profiles[0]?.payloadTypes[0]).toBe("com.apple.notificationsettings");
    const installs = recordsOf<ProfileEventRecord>(s, "ios/profile-events");
    expect(installs.map((e) => [e.profileId, e.operation])).toEqual([
      ["com.example.quiet-notifications", "install"],
    ]);

    const apps = recordsOf<ApplicationRecord>(s, "ios/applications");
    const sideloaded = apps.filter((a) => a.installedFrom !== "app-store");
    expect(sideloaded.map((a) => [a.bundleId, a.sourceApp])).toEqual([
      ["com.example.fieldnotes", "com.example.enterprise-installer"],
    ]);
    const lockdown = recordsOf<GlobalPreferenceRecord>(s, "ios/global-preferences").find(
      (r) => r.key === "LDMGlobalEnabled",
    );
    expect(lockdown?.enabled).toBe(true);
  });
});

describe("sample devices: sizes and determinism", () => {
  it("dates attachment folders by their first and newest entries", () => {
    const dirs = attachmentDirTimes([
      { path: "0a/10/G1/IMG_1.JPG", at: 5_000 },
      { path: "0a/10/G2/IMG_2.JPG", at: 1_000 },
      { path: "0a/11/G3/IMG_3.JPG", at: 3_000 },
      { path: "0b/01/G4/IMG_4.JPG", at: 7_000 },
    ]);
    expect(dirs.get("0a/10")).toEqual({ birth: 1_000, modified: 5_000, changed: 5_000 });
    // xx changes when a new yy appears in it, not when a file lands in an existing yy.
    expect(dirs.get("0a")).toEqual({ birth: 1_000, modified: 3_000, changed: 3_000 });
    expect(dirs.get("0b")).toEqual({ birth: 7_000, modified: 7_000, changed: 7_000 });
  });

  it("is reproducible from the seed and differs between seeds", () => {
    const a = sampleDeviceModel({ profile: "triangulation", seed: "s1" });
    const b = sampleDeviceModel({ profile: "triangulation", seed: "s1" });
    const other = sampleDeviceModel({ profile: "triangulation", seed: "s2" });
    expect(JSON.stringify(a.model.messages)).toBe(JSON.stringify(b.model.messages));
    expect(a.clock).toEqual(b.clock);
    expect(JSON.stringify(a.model.messages)).not.toBe(JSON.stringify(other.model.messages));
    for (const at of [a.clock.earlyEpisodeAt, a.clock.backupAt, other.clock.backupAt]) {
      expect(new Date(at).getUTCFullYear()).toBe(2023);
    }
  });

  it("sizes the realistic device for the benchmarks", () => {
    const { model, size } = sampleDeviceModel({ profile: "clean", seed: SEED, size: "realistic" });
    expect(model.messages.length).toBe(100_000);
    expect(model.historyVisits.length).toBe(50_000);
    expect(model.processes.length).toBeGreaterThanOrEqual(2_000);
    expect(size.paddingBytes).toBe(1024 * 1024 * 1024);
  });

  it("pads to a byte total and a row count with streamed files", async () => {
    const options: SampleDeviceOptions = {
      profile: "clean",
      seed: SEED,
      size: {
        messages: 50,
        safariVisits: 40,
        processes: 60,
        paddingBytes: 17 * 1024 * 1024,
        manifestRows: 1500,
      },
    };
    const device = sampleDevice(options);
    const written = await writeSampleBackup(join(root, "padded"), options);
    expect(written.rowCount).toBeGreaterThanOrEqual(1500);
    const movies = written.files.filter((f) => f.relativePath.endsWith(".MOV"));
    expect(movies.length).toBe(1);
    const padding = written.files.filter(
      (f) => f.domain === "CameraRollDomain" || f.domain.startsWith("AppDomain-"),
    );
    expect(padding.reduce((sum, f) => sum + f.size, 0)).toBeGreaterThanOrEqual(17 * 1024 * 1024);
    expect(device.spec.files.filter((f) => f.kind === undefined || f.kind === "file").length).toBe(
      written.files.length,
    );
  });
});

const iocsRoot = corpusPath("iocs");

describe.skipIf(iocsRoot === undefined)("sample devices: noise never matches the public indicators", () => {
  const lists = (name: string): Set<string> => {
    const dirs = [
      "mvt-indicators/2023-06_01_operation_triangulation",
      "mvt-indicators/2023-04-11_quadream",
      "mvt-indicators/intellexa_predator",
      "amnesty-investigations/2021-07-18_nso",
      "amnesty-investigations/2021-12-16_cytrox",
    ];
    const out = new Set<string>();
    for (const dir of dirs) {
      // Not every campaign publishes every list: a missing one is simply not read.
      const path = join(iocsRoot!, dir, name);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, "utf8").split("\n"))
        if (line.trim() !== "") out.add(line.trim().toLowerCase());
    }
    return out;
  };

  it("has no indicator process, domain or e-mail in the clean twin", async () => {
    const processes = lists("processes.txt");
    const domains = lists("domains.txt");
    const emails = lists("emails.txt");
    expect(processes.size).toBeGreaterThan(0);
    expect(domains.size).toBeGreaterThan(0);
    const { model } = sampleDeviceModel({ profile: "clean", seed: SEED, size: "realistic" });
    for (const p of model.processes) {
      for (const part of [p.name, ...p.name.split("/")])
        expect(processes.has(part.toLowerCase()), part).toBe(false);
    }
    const hostParents = (host: string): string[] =>
      host.split(".").map((_, i, parts) => parts.slice(i).join("."));
    const urls = [
      ...model.historyItems.map((i) => i.url),
      ...model.messages.flatMap((m) => m.text.match(/https?:\/\/\S+/g) ?? []),
    ];
    for (const url of urls) {
      for (const host of hostParents(new URL(url).hostname))
        expect(domains.has(host), `${url} (${host})`).toBe(false);
    }
    for (const h of model.handles) expect(emails.has(h.id.toLowerCase())).toBe(false);
    for (const name of HEURISTIC_PROCESSES) {
      expect(model.processes.some((p) => p.name === name)).toBe(name === "nehelper");
    }
  });
});

describe("sample devices: detections end to end", () => {
  const STIX = [
    ["mvt-indicators", "2023-06_01_operation_triangulation", "operation_triangulation.stix2"],
    ["amnesty-investigations", "2021-07-18_nso", "pegasus.stix2"],
    ["mvt-indicators", "intellexa_predator", "predator.stix2"],
    ["mvt-indicators", "2023-04-11_quadream", "kingspawn.stix2"],
  ];
  let indicators: LoadedIndicators | undefined;
  const indicatorsLoaded = async (): Promise<LoadedIndicators | undefined> => {
    const paths = STIX.map((parts) => corpusPath("iocs", ...parts)).filter((p) => p !== undefined);
    if (paths.length < STIX.length) return undefined;
    indicators ??= await loadIndicators({ paths, bundled: false });
    return indicators;
  };

  function detect(result: Scan, loaded: LoadedIndicators | undefined): Finding[] {
    const statuses = new Map(result.statuses.map((s) => [s.id, s]));
    const context: DetectionContext = {
      records: <R>(id: string) => (result.records.get(id) ?? []) as ArtifactRecord<R>[],
      status: (id) => statuses.get(id),
      evidenceKind: "ios-backup",
      device: {},
      indicators: loaded?.index,
    };
    return DETECTIONS.flatMap((d) => d.run(context).findings);
  }
  const above = (level: Finding["level"]) => (f: Finding) =>
    FINDING_LEVELS.indexOf(f.level) < FINDING_LEVELS.indexOf(level);

  it("finds nothing above low on the clean twin, with and without indicators", async () => {
    const c = await clean();
    expect(
      detect(c, undefined)
        .filter(above("low"))
        .map((f) => `${f.rule}: ${f.summary}`),
    ).toEqual([]);
    const loaded = await indicatorsLoaded();
    if (loaded === undefined) return;
    expect(loaded.warnings).toEqual([]);
    expect(
      detect(c, loaded)
        .filter(above("low"))
        .map((f) => `${f.rule}: ${f.summary}`),
    ).toEqual([]);
  });

  it("finds every Triangulation rule on the infected twin", async () => {
    const rules = new Set(
      detect(await infected(), undefined)
        .filter(above("low"))
        .map((f) => f.rule),
    );
    for (const rule of [
      "triangulation/backupagent",
      "triangulation/event-window",
      "triangulation/watchface-attachment",
      "triangulation/imtransfer-then-backupagent",
      "triangulation/softwareupdate-plist",
    ]) {
      expect(rules.has(rule), rule).toBe(true);
    }
    const windows = detect(await infected(), undefined).filter(
      (f) => f.rule === "triangulation/event-window",
    );
    expect(windows.length).toBe(2);
  });

  it("holds for other seeds: clean twins stay quiet, infected twins show both episodes", async () => {
    for (const seed of ["seed-a", "seed-b", "seed-c"]) {
      const c = await scan(`clean-${seed}`, { profile: "clean", seed });
      expect(
        detect(c, undefined)
          .filter(above("low"))
          .map((f) => `${seed} ${f.rule}: ${f.summary}`),
      ).toEqual([]);
      const i = await scan(`triangulation-${seed}`, { profile: "triangulation", seed });
      const windows = detect(i, undefined).filter((f) => f.rule === "triangulation/event-window");
      expect(windows.length, seed).toBe(2);
      const events = triangleTimeline(i);
      const lateStart = Math.max(...windows.map((w) => Date.parse(w.time ?? "")));
      expect(events.filter((e) => e.at >= lateStart).length, seed).toBeLessThanOrEqual(10);
    }
  });

  it("fires the named heuristics of each profile, and only where planted", async () => {
    const expected: Array<[SampleDeviceOptions["profile"], string[]]> = [
      ["pegasus", ["mvt/idstatuscache-nul-bytes", "mvt/tmp-attachment"]],
      ["quadream", ["mvt/quadream-calendar"]],
      [
        "mvt-heuristics",
        [
          "mvt/threat-notification",
          "mvt/safari-http-redirect",
          "mvt/app-not-from-store",
          "mvt/notification-profile",
          "mvt/lockdown-mode",
        ],
      ],
    ];
    const cleanRules = new Set(detect(await clean(), undefined).map((f) => f.rule));
    for (const [profile, rules] of expected) {
      const key = profile === "mvt-heuristics" ? "mvt" : profile;
      const found = new Set(detect(await scan(key, { profile, seed: SEED }), undefined).map((f) => f.rule));
      for (const rule of rules) {
        expect(found.has(rule), `${profile}: ${rule}`).toBe(true);
        if (rule !== "mvt/lockdown-mode") expect(cleanRules.has(rule), `clean: ${rule}`).toBe(false);
      }
    }
  });

  it("refuses an unknown profile", () => {
    expect(() => sampleDevice({ profile: "nso" as SampleDeviceOptions["profile"], seed: SEED })).toThrow(
      /Unknown sample profile/,
    );
  });

  it("matches the planted indicators of every profile", async () => {
    const loaded = await indicatorsLoaded();
    if (loaded === undefined) return;
    const expectations: Array<[SampleDeviceOptions["profile"], string[]]> = [
      ["triangulation", ["backuprabbit.com", "shannonkelly404@gmail.com", "BackupAgent"]],
      ["pegasus", ["free247downloads.com", "bh", "roleaccountd", "stagingd", "ameliehaggart@gmail.com"]],
      ["predator", ["76DAB334-7E17-475D-A5D6-0794EB5818A5", "breaknews.live"]],
      [
        "quadream",
        [
          "com.apple.avcapture",
          "/private/var/db/com.apple.xpc.roleaccountd.staging/subridged",
          "adeptary.com",
        ],
      ],
    ];
    for (const [profile, values] of expectations) {
      const result = await scan(profile === "triangulation" ? "triangulation" : profile, {
        profile,
        seed: SEED,
      });
      const hits = detect(result, loaded).filter((f) => f.indicator !== undefined);
      const matched = new Set(hits.map((f) => f.indicator?.value.toLowerCase()));
      for (const value of values) expect(matched.has(value.toLowerCase()), `${profile}: ${value}`).toBe(true);
    }
  });
});

/** One event of Triangulation's timeline heuristic (kaspersky.md 1.4–1.6), rebuilt from artifact records. */
interface TimelineEvent {
  at: number;
  kind: "sms" | "sms-file" | "file" | "net" | "location";
  what: string;
}

const IMPLICIT = new Set<string>(HEURISTIC_PROCESSES);
const LOCATION_IOCS = new Set([
  "com.apple.locationd.bundle-/System/Library/LocationBundles/IonosphereHarvest.bundle",
  "com.apple.locationd.bundle-/System/Library/LocationBundles/WRMLinkSelection.bundle",
]);
const WATCHED = new Set([
  "/private/var/root/Library/Preferences/com.apple.ImageIO.plist",
  "/private/var/mobile/Library/Preferences/com.apple.locationd.StatusBarIconManager.plist",
  "/private/var/mobile/Library/Preferences/com.apple.imservice.ids.FaceTime.plist",
]);

function triangleTimeline(result: Scan): TimelineEvent[] {
  const events: TimelineEvent[] = [];
  const push = (at: string | undefined, kind: TimelineEvent["kind"], what: string) => {
    if (at !== undefined) events.push({ at: Date.parse(at), kind, what });
  };
  for (const r of recordsOf<OsAnalyticsAdDailyRecord>(result, "ios/osanalytics-addaily")) {
    if (r.processName === "BackupAgent" || IMPLICIT.has(r.processName ?? ""))
      push(r.at, "net", r.processName ?? "");
  }
  for (const r of recordsOf<DataUsageRecord>(result, "ios/datausage")) {
    if (!IMPLICIT.has(r.processName)) continue;
    push(r.firstAt, "net", r.processName);
    push(r.lastAt, "net", r.processName);
    for (const u of r.liveUsage) push(u.at, "net", r.processName);
  }
  for (const r of recordsOf<LocationdClientRecord>(result, "ios/locationd-clients")) {
    if (LOCATION_IOCS.has(r.client)) push(r.times.LocationTimeStopped, "location", r.client);
  }
  const sms = "/private/var/mobile/Library/SMS/Attachments";
  for (const f of recordsOf<FileListingRecord>(result, "ios/file-listing")) {
    const smsPath = f.domain === "MediaDomain" && f.path.startsWith(sms);
    if (!smsPath && !WATCHED.has(f.path)) continue;
    const depth = f.path.slice(sms.length).split("/").length - 1;
    const kind = !smsPath ? "file" : depth === 1 || depth === 2 ? "sms" : "sms-file";
    const what = `${f.path}`;
    push(f.modifiedAt, kind, `M ${what}`);
    push(f.changedAt, kind, `C ${what}`);
    push(f.birthAt, kind, `B ${what}`);
  }
  return events.sort((a, b) => a.at - b.at);
}

/** Groups of times more than 10 minutes apart. */
function clusters(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted.filter((at, i) => i === 0 || at - (sorted[i - 1] ?? at) > 600_000).length;
}

/** Windows of up to 10 events within 5 minutes that combine two kinds (every start index, bug fixed). */
function suspiciousWindows(
  events: TimelineEvent[],
  from: number,
): Array<{ index: number; at: number; classes: Set<string> }> {
  const out: Array<{ index: number; at: number; classes: Set<string> }> = [];
  for (let i = from; i < events.length; i += 1) {
    const first = events[i];
    if (first === undefined) continue;
    const window = events.slice(i, i + 10).filter((e) => e.at - first.at <= 300_000);
    if (window.some((e) => e.kind === "sms-file")) continue;
    const dirs = new Map<string, Set<string>>();
    for (const e of window.filter((e) => e.kind === "sms")) {
      const [type, path] = e.what.split(" ");
      const set = dirs.get(path ?? "") ?? new Set<string>();
      set.add(type ?? "");
      dirs.set(path ?? "", set);
    }
    if ([...dirs.values()].some((types) => !types.has("M") || !types.has("C"))) continue;
    const classes = new Set(window.map((e) => e.kind));
    if (classes.size >= 2) out.push({ index: i, at: first.at, classes });
  }
  return out;
}

describe("sample devices: file-system dump", () => {
  it("writes the same device as a dump folder, with the traces only a file system holds", async () => {
    const dir = join(root, "dump-predator");
    const written = await writeSampleDump(dir, { profile: "predator", seed: SEED });
    expect(written.files).toBeGreaterThan(50);
    const source = await openFsDump(dir);
    const records = new Map<string, unknown[]>();
    let statuses: ArtifactStatus[];
    try {
      statuses = await runArtifacts(source, ARTIFACTS, (r) => {
        const list = records.get(r.artifact) ?? [];
        list.push(r.data);
        records.set(r.artifact, list);
      });
    } finally {
      await source.close();
    }
    const problems = statuses.flatMap((s) => s.warnings.map((w) => `${s.id}: ${w.code} ${w.message}`));
    expect(problems).toEqual([]);
    const of = <T>(id: string) => (records.get(id) ?? []) as T[];
    for (const id of [
      "ios/datausage",
      "ios/sms",
      "ios/safari-history",
      "ios/locationd-clients",
      "ios/applications",
    ]) {
      expect(of(id).length, id).toBeGreaterThan(0);
    }
    const paths = new Map(of<FileListingRecord>("ios/file-listing").map((f) => [f.path, f]));
    for (const trace of written.traces.filter((t) => !t.inBackup)) {
      expect(paths.has((trace.value ?? "").replace(/\/$/, "")), trace.value).toBe(true);
    }
    // Modification times survive (birth and status-change times cannot be set on the host).
    const imageIo = paths.get("/private/var/root/Library/Preferences/com.apple.ImageIO.plist");
    const backup =
      (await scan("predator", { profile: "predator", seed: SEED })).records.get("ios/file-listing") ?? [];
    const inBackup = backup.find((r) => (r.data as FileListingRecord).path === imageIo?.path)?.data as
      | FileListingRecord
      | undefined;
    const seconds = (at: string | undefined) => Math.floor(Date.parse(at ?? "") / 1000);
    expect(seconds(imageIo?.modifiedAt)).toBe(seconds(inBackup?.modifiedAt));
    expect(of<ApplicationRecord>("ios/applications").every((a) => a.sourceApp === "com.apple.AppStore")).toBe(
      true,
    );
  });
});
