/**
 * Parity with Kaspersky's triangle_check: a small restatement of its algorithm, written here from
 * ../shared/reference/kaspersky.md §1.4–1.7 (bugs included: the last 10 events never start a window,
 * duplicated events per live-usage row, a whole window discarded by one attachment file or one
 * half-changed folder, crashes on missing sources), run on the same records as our detections.
 * Every line it would print must be covered by one of our findings, except the windows whose SMS
 * class we cancel on purpose (an attachment in the window's span that its window leaves out); the
 * cases it misses, and those, are named. Last, the same on the project's generated infected backup and
 * its clean twin, read through the normal scan path.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArtifactRecord } from "../../artifacts/define.js";
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import type { FileListingRecord } from "../../artifacts/ios/file-listing.js";
import type { LocationdClientRecord } from "../../artifacts/ios/locationd-clients.js";
import type { OsAnalyticsAdDailyRecord } from "../../artifacts/ios/osanalytics-addaily.js";
import { writeSampleBackup } from "../../generate/sample-device.js";
import type { Finding } from "../../model/finding.js";
import { openEvidence } from "../../readers/open-evidence.js";
import { type DeviceScan, scanSource } from "../../scan/scan.js";
import { contextOf, record } from "../test-context.js";
import { backupAgentDetection } from "./backupagent.js";
import { watchfaceAttachmentDetection } from "./exploit-attachment.js";
import { eventWindowDetection } from "./heuristic-window.js";
import {
  ADDAILY,
  ATTACHMENTS,
  analytics,
  at,
  FACETIME,
  IONOSPHERE,
  listing,
  location,
  STATUSBAR,
  usage,
  WRM,
} from "./test-fixtures.js";

// ---- The restatement (kaspersky.md §1.4–1.6) ----

const EXACT = ["BackupAgent"];
const IMPLICIT = [
  "nehelper",
  "com.apple.WebKit.WebContent",
  "powerd/com.apple.datausage.diagnostics",
  "lockdownd/com.apple.datausage.security",
];
const LOCATION_IOCS = [IONOSPHERE, WRM];
const MANIFEST_FILES = [
  ["RootDomain", "Library/Preferences/com.apple.ImageIO.plist"],
  ["HomeDomain", "Library/Preferences/com.apple.locationd.StatusBarIconManager.plist"],
  ["HomeDomain", "Library/Preferences/com.apple.imservice.ids.FaceTime.plist"],
];

interface TcEvent {
  ts: number;
  type: string;
  name: string;
}

/** What triangle_check would print, as data: DETECTED (source, process) and SUSPICION (the window). */
interface TcLine {
  ts: number;
  kind: "DETECTED" | "SUSPICION";
  source?: string;
  process?: string;
  window?: TcEvent[];
}

class TriangleCheckCrash extends Error {}

function ms(iso: string | undefined): number | undefined {
  return iso === undefined ? undefined : Date.parse(iso);
}

function triangleCheck(records: readonly ArtifactRecord[]): TcLine[] {
  const of = <R>(id: string) => records.filter((r) => r.artifact === id) as ArtifactRecord<R>[];
  const detection = new Map<number, TcLine[]>();
  const timeline = new Map<number, TcEvent[]>();
  const detect = (line: TcLine): void => {
    detection.set(line.ts, [...(detection.get(line.ts) ?? []), line]);
  };
  const add = (ts: number | undefined, type: string, name: string): void => {
    // Real rows always carry these times (a NULL would crash it); the fixtures leave some out.
    if (ts === undefined) return;
    timeline.set(ts, [...(timeline.get(ts) ?? []), { ts, type, name }]);
  };

  const addaily = of<OsAnalyticsAdDailyRecord>("ios/osanalytics-addaily");
  if (addaily.length === 0)
    throw new TriangleCheckCrash("TypeError: cannot unpack non-iterable NoneType (#12)");
  if (addaily.some((r) => r.data.baselineMissing))
    throw new TriangleCheckCrash("KeyError: 'netUsageBaseline' (#11)");
  for (const { data } of addaily) {
    const proc = data.processName ?? "";
    const t = ms(data.at);
    if (EXACT.includes(proc)) detect({ ts: t!, kind: "DETECTED", source: "NetUsage", process: proc });
    if (EXACT.includes(proc) || IMPLICIT.includes(proc)) add(t, "NetUsage", proc);
  }

  const processes = of<ProcessUsageRecord>("ios/datausage");
  if (processes.length === 0) throw new TriangleCheckCrash("TypeError: DataUsage.sqlite not in the Manifest");
  // Query 1 yields one row per live-usage row (process times repeated), query 2 the processes without one.
  const rows = processes.flatMap(({ data }) =>
    data.liveUsage.length === 0
      ? [{ data, live: undefined }]
      : data.liveUsage.map((l) => ({ data, live: l.at })),
  );
  for (const { data, live } of rows) {
    const proc = data.processName;
    if (EXACT.includes(proc)) {
      const first = ms(data.firstAt);
      const last = ms(data.lastAt);
      if (first !== undefined) detect({ ts: first, kind: "DETECTED", source: "NetFirst", process: proc });
      if (last !== undefined) detect({ ts: last, kind: "DETECTED", source: "NetTimestamp", process: proc });
      if (live !== undefined)
        detect({ ts: ms(live)!, kind: "DETECTED", source: "NetTimestamp2", process: proc });
    } else if (IMPLICIT.includes(proc)) {
      add(ms(data.firstAt), "NetFirst", proc);
      add(ms(data.lastAt), "NetTimestamp", proc);
      if (live !== undefined) add(ms(live), "NetTimestamp2", proc);
    }
  }

  for (const { data } of of<LocationdClientRecord>("ios/locationd-clients")) {
    const stopped = data.times.LocationTimeStopped;
    if (LOCATION_IOCS.includes(data.client) && stopped !== undefined)
      add(ms(stopped), "LocationTimeStopped", data.client);
  }

  for (const { data } of of<FileListingRecord>("ios/file-listing")) {
    const rel = data.relativePath ?? "";
    const wanted =
      (data.domain === "MediaDomain" && rel.startsWith("Library/SMS/Attachments/")) ||
      MANIFEST_FILES.some(([d, p]) => d === data.domain && p === rel);
    if (!wanted) continue;
    add(ms(data.modifiedAt), "M", rel);
    add(ms(data.changedAt), "C", rel);
    add(ms(data.birthAt), "B", rel);
  }

  const events = [...timeline.keys()].sort((a, b) => a - b).flatMap((ts) => timeline.get(ts)!);
  for (let i = 0; i < events.length - 10; i++) {
    let win = events.slice(i, i + 10);
    const cut = win.findIndex((e) => e.ts - win[0]!.ts > 300_000);
    if (cut >= 0) win = win.slice(0, cut);
    if (heuristics(win)) detect({ ts: win[0]!.ts, kind: "SUSPICION", window: win });
  }
  return [...detection.keys()].sort((a, b) => a - b).flatMap((ts) => detection.get(ts)!);
}

function heuristics(win: readonly TcEvent[]): boolean {
  const classes = new Set<string>();
  const smsDirs = new Map<string, Set<string>>();
  for (const e of win) {
    if (e.type === "M" || e.type === "C" || e.type === "B") {
      if (e.name.startsWith("Library/SMS/Attachments/")) {
        const slashes = e.name.split("/").length - 1;
        if (slashes !== 3 && slashes !== 4) return false;
        smsDirs.set(e.name, (smsDirs.get(e.name) ?? new Set()).add(e.type));
      } else classes.add("file");
    } else if (e.type.startsWith("Net")) classes.add("net");
    else if (e.type === "LocationTimeStopped") classes.add("location");
  }
  for (const types of smsDirs.values()) if (!(types.has("M") && types.has("C"))) return false;
  if (smsDirs.size > 0) classes.add("sms");
  return classes.size >= 2;
}

function printed(lines: readonly TcLine[]): string[] {
  return lines.map((l) =>
    l.kind === "DETECTED"
      ? `${new Date(l.ts).toISOString()} DETECTED Exact match by ${l.source} : ${l.process}`
      : `${new Date(l.ts).toISOString()} SUSPICION Suspicious combination of events`,
  );
}

// ---- Our side ----

function ours(records: readonly ArtifactRecord[]): Finding[] {
  const context = contextOf(records);
  return [backupAgentDetection, eventWindowDetection, watchfaceAttachmentDetection].flatMap(
    (d) => d.run(context).findings,
  );
}

/** True when one of our findings covers a line triangle_check prints. */
function covered(line: TcLine, findings: readonly Finding[]): boolean {
  const at = new Date(line.ts).toISOString();
  if (line.kind === "DETECTED") {
    return findings.some(
      (f) =>
        f.rule === "triangulation/backupagent" &&
        (line.source === "NetUsage"
          ? f.evidence[0]?.artifact === "ios/osanalytics-addaily" && f.time === at
          : f.heuristic?.events.some((e) => e.event === line.source && e.at === at) === true),
    );
  }
  // Every event of its window is an event of one of our episodes.
  return findings.some(
    (f) =>
      f.rule === "triangulation/event-window" &&
      line.window!.every((e) =>
        f.heuristic!.events.some(
          (o) =>
            o.at === new Date(e.ts).toISOString() &&
            o.event === e.type &&
            (o.path.endsWith(e.name) ||
              o.description.endsWith(e.name) ||
              o.description.includes(` ${e.name} (`)),
        ),
      ),
  );
}

function assertCovers(records: readonly ArtifactRecord[]): { lines: TcLine[]; findings: Finding[] } {
  const lines = triangleCheck(records);
  const findings = ours(records);
  const missed = lines.filter((l) => !covered(l, findings));
  expect(printed(missed)).toEqual([]);
  return { lines, findings };
}

/** Single-class traffic long before: keeps the interesting events away from the start of the list. */
function earlier(count: number): ArtifactRecord[] {
  return Array.from({ length: count }, (_, i) => usage("nehelper", { first: -50_000 - i * 1000 }));
}

/** Single-class traffic long after: keeps the interesting events out of the last 10. */
function later(count: number): ArtifactRecord[] {
  return Array.from({ length: count }, (_, i) => usage("nehelper", { first: 50_000 + i * 1000 }));
}

const baseline = analytics("nehelper", -90_000);
const infection = [
  usage("BackupAgent", { first: 314, last: 320, live: [314, 318] }),
  analytics("BackupAgent", 330),
  listing(`${ATTACHMENTS}/65`, "directory", { m: 300, c: 300 }),
  listing(`${ATTACHMENTS}/65/05`, "directory", { m: 303, c: 303 }),
  usage("com.apple.WebKit.WebContent", { first: 340, last: 350 }),
  listing(STATUSBAR, "file", { m: 420, c: 420 }),
];

describe("triangle_check parity", () => {
  it("covers every DETECTED and SUSPICION line on a Kaspersky-like infection", () => {
    const { lines, findings } = assertCovers([baseline, ...earlier(15), ...infection, ...later(15)]);
    const out = printed(lines);
    expect(out).toContain(`${at(314)} DETECTED Exact match by NetFirst : BackupAgent`);
    expect(out).toContain(`${at(318)} DETECTED Exact match by NetTimestamp2 : BackupAgent`);
    expect(out).toContain(`${at(330)} DETECTED Exact match by NetUsage : BackupAgent`);
    // Duplicated per live-usage row and per overlapping start index.
    expect(out.filter((l) => l.endsWith("NetFirst : BackupAgent"))).toHaveLength(2);
    const suspicions = lines.filter((l) => l.kind === "SUSPICION");
    expect(suspicions.length).toBeGreaterThan(1);
    // Ours: one finding per BackupAgent row or baseline entry, one episode for the cluster.
    expect(findings.filter((f) => f.rule === "triangulation/backupagent")).toHaveLength(2);
    expect(findings.filter((f) => f.rule === "triangulation/event-window")).toHaveLength(1);
  });

  it("covers a cluster with location stops and several plists", () => {
    assertCovers([
      baseline,
      ...earlier(12),
      location(IONOSPHERE, 0),
      location(WRM, 20),
      listing(FACETIME, "file", { m: 30, c: 31, b: 32 }),
      usage("powerd/com.apple.datausage.diagnostics", { first: 100, last: 200, live: [150] }),
      ...later(12),
    ]);
  });

  describe("cases triangle_check misses and we catch", () => {
    const cluster = [
      listing(STATUSBAR, "file", { m: 0 }),
      usage("com.apple.WebKit.WebContent", { first: 60 }),
    ];

    it("a cluster among the last 10 events (its loop never starts a window there)", () => {
      const records = [baseline, ...earlier(15), ...cluster];
      expect(triangleCheck(records)).toEqual([]);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/event-window"]);
    });

    it("10 events or fewer in total (nothing is checked at all)", () => {
      const records = [baseline, ...cluster];
      expect(triangleCheck(records)).toEqual([]);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/event-window"]);
    });

    it("BackupAgent only in the analytics baseline, DataUsage absent (it crashes)", () => {
      const records = [analytics("BackupAgent", 0)];
      expect(() => triangleCheck(records)).toThrow(TriangleCheckCrash);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/backupagent"]);
    });

    it("BackupAgent in DataUsage while analytics sharing is off (KeyError on netUsageBaseline)", () => {
      const records = [
        record("ios/osanalytics-addaily", ADDAILY, { baselineMissing: true }),
        usage("BackupAgent", { first: 0, last: 0 }),
      ];
      expect(() => triangleCheck(records)).toThrow(/netUsageBaseline/);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/backupagent"]);
    });

    it("the watchface exploit attachment (it does not read sms.db)", () => {
      const transferName = `ABCDEFGH\u2013${"x".repeat(30)}`;
      const records = [
        baseline,
        usage("x", {}),
        record("ios/sms-attachments", "/private/var/mobile/Library/SMS/sms.db", {
          rowId: 1,
          isOutgoing: false,
          uti: "com.apple.watchface",
          transferName,
        }),
      ];
      expect(triangleCheck(records)).toEqual([]);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/watchface-attachment"]);
    });

    it("an attachment file in the window (it discards the whole window; we drop only the SMS class)", () => {
      const records = [
        baseline,
        ...earlier(12),
        ...cluster,
        listing(`${ATTACHMENTS}/65/05/GUID/IMG_1.HEIC`, "file", { m: 30, c: 30, b: 30 }),
        ...later(12),
      ];
      expect(triangleCheck(records)).toEqual([]);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/event-window"]);
    });

    it("an attachment folder only modified in the window (it discards the whole window)", () => {
      const records = [
        baseline,
        ...earlier(12),
        listing(`${ATTACHMENTS}/aa`, "directory", { m: 1 }),
        ...cluster,
        ...later(12),
      ];
      expect(triangleCheck(records)).toEqual([]);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/event-window"]);
    });

    it("BackupAgent in netusage.sqlite of a file-system dump (it reads backups only)", () => {
      const records = [
        baseline,
        usage("x", {}),
        usage("BackupAgent", { first: 0 }, { artifact: "ios/netusage" }),
      ];
      expect(triangleCheck(records)).toEqual([]);
      expect(ours(records).map((f) => f.rule)).toEqual(["triangulation/backupagent"]);
    });
  });

  describe("cases it prints and we leave out on purpose (an attachment in the window's span)", () => {
    // Its verdict there depends on the Manifest's row order or on the 10-event cap; ours does not.
    const lines = (records: ArtifactRecord[]) => triangleCheck(records).filter((l) => l.kind === "SUSPICION");
    const windows = (records: ArtifactRecord[]) =>
      ours(records).filter((f) => f.rule === "triangulation/event-window");

    it("an attachment listed before the window's first event at the same second", () => {
      const attachment = listing(`${ATTACHMENTS}/ab/cd/GUID/IMG_0001.JPG`, "file", { m: 0, c: 0, b: 0 });
      const folder = listing(`${ATTACHMENTS}/ab/cd`, "directory", { m: 0, c: 0 });
      const net = usage("com.apple.WebKit.WebContent", { first: 10 });
      const first = [baseline, ...earlier(12), attachment, folder, net, ...later(12)];
      const second = [baseline, ...earlier(12), folder, attachment, net, ...later(12)];
      expect(lines(first).length).toBeGreaterThan(0);
      expect(lines(second)).toEqual([]);
      expect(windows(first)).toEqual([]);
      expect(windows(second)).toEqual([]);
    });

    it("an attachment within 5 minutes that the 10-event cap leaves out", () => {
      const records = [
        baseline,
        ...earlier(12),
        usage("com.apple.WebKit.WebContent", { first: 0, live: [1, 2, 3, 4, 5, 6, 7] }),
        listing(`${ATTACHMENTS}/ab/cd`, "directory", { m: 30, c: 30 }),
        listing(`${ATTACHMENTS}/ab/cd/GUID/IMG_0001.JPG`, "file", { m: 200 }),
        ...later(12),
      ];
      expect(lines(records).length).toBeGreaterThan(0);
      expect(windows(records)).toEqual([]);
    });
  });

  it("look-alikes stay quiet on both sides", () => {
    const records = [
      baseline,
      usage("BackupAgent2", { first: 0, last: 10, live: [5] }),
      analytics("BackupAgent2", 20),
      ...earlier(12),
      listing(STATUSBAR, "file", { m: 0 }),
      usage("com.apple.WebKit.WebContent", { first: 360 }),
      ...later(12),
    ];
    expect(triangleCheck(records)).toEqual([]);
    expect(ours(records)).toEqual([]);
  });
});

describe("triangle_check parity on random timelines", () => {
  /** A small deterministic generator (LCG), so failures reproduce. */
  function random(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }

  function timeline(seed: number): ArtifactRecord[] {
    const next = random(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
    const when = (): number => Math.floor(next() * 2400);
    const records: ArtifactRecord[] = [baseline, usage("CumulativeUsageTracker", { first: -99_000 })];
    const count = 5 + Math.floor(next() * 25);
    for (let i = 0; i < count; i++) {
      const kind = pick(["net", "net", "file", "location", "dir", "dir", "attachment", "noise"] as const);
      if (kind === "net") {
        const live = next() < 0.5 ? [when(), when()] : [];
        records.push(usage(pick(IMPLICIT), { first: when(), last: when(), live }));
      } else if (kind === "file") {
        const t = when();
        records.push(
          listing(pick([STATUSBAR, FACETIME]), "file", { m: t, c: t + Math.floor(next() * 3), b: when() }),
        );
      } else if (kind === "location") records.push(location(pick([IONOSPHERE, WRM]), when()));
      else if (kind === "dir") {
        const t = when();
        const dir = `${ATTACHMENTS}/${pick(["0a", "1b", "2c"])}${next() < 0.5 ? "/0d" : ""}`;
        records.push(listing(dir, "directory", { m: t, c: next() < 0.7 ? t : when(), b: when() }));
      } else if (kind === "attachment") {
        const t = when();
        records.push(listing(`${ATTACHMENTS}/0a/0d/G${i}/IMG.HEIC`, "file", { m: t, c: t, b: t }));
      } else records.push(usage(pick(["BackupAgent2", "nehelperd", "locationd"]), { first: when() }));
    }
    return records;
  }

  it("every line it prints on 300 random timelines is covered by our findings", () => {
    let suspicions = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const records = timeline(seed);
      const lines = triangleCheck(records);
      suspicions += lines.filter((l) => l.kind === "SUSPICION").length;
      const findings = ours(records);
      const missed = lines.filter((l) => !covered(l, findings));
      expect(printed(missed), `seed ${seed}`).toEqual([]);
    }
    // The generator must actually exercise the heuristic.
    expect(suspicions).toBeGreaterThan(50);
  });
});

describe("triangle_check parity on the generated infected backup and its clean twin", () => {
  // The project's sample generator (small size), written as backups and read by the normal scan path.
  let root: string;
  const scans = new Map<string, Promise<{ records: ArtifactRecord[]; scan: DeviceScan }>>();
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "spyglass-tc-parity-"));
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function scanned(
    profile: "triangulation" | "clean",
  ): Promise<{ records: ArtifactRecord[]; scan: DeviceScan }> {
    const cached = scans.get(profile);
    if (cached !== undefined) return cached;
    const started = (async () => {
      const dir = join(root, profile);
      await writeSampleBackup(dir, { profile, seed: "tc-parity", size: "small" });
      const source = await openEvidence(dir);
      try {
        const scan = await scanSource(source, { id: profile, indicators: undefined });
        const records = [...scan.records.values()].flatMap((list) => [...list]);
        return { records, scan };
      } finally {
        await source.close();
      }
    })();
    scans.set(profile, started);
    return started;
  }

  /** Our Triangulation findings that no line of triangle_check answers, by rule and time. */
  function caughtOnlyByUs(findings: readonly Finding[], lines: readonly TcLine[]): string[] {
    return findings
      .filter((f) => f.rule.startsWith("triangulation/"))
      .filter((f) => !lines.some((l) => covered(l, [f])))
      .map((f) => `${f.rule} ${f.level} ${f.time ?? ""}`);
  }

  it("every line it prints on the infected backup is reported by us; it misses the rest", async () => {
    const { records, scan } = await scanned("triangulation");
    const lines = triangleCheck(records);
    const out = printed(lines);
    // What it prints: BackupAgent's exact matches and the early episode's windows.
    expect(out.filter((l) => l.includes(" DETECTED Exact match by ")).length).toBeGreaterThanOrEqual(4);
    expect(out.some((l) => l.includes(" SUSPICION "))).toBe(true);
    expect(printed(lines.filter((l) => !covered(l, scan.findings)))).toEqual([]);

    // What it misses and we catch, named.
    const ours = caughtOnlyByUs(scan.findings, lines);
    const late = scan.findings
      .filter((f) => f.rule === "triangulation/event-window")
      .map((f) => f.time ?? "")
      .sort()
      .at(-1);
    expect(ours.map((o) => o.replace(/ \S+$/, ""))).toEqual([
      // The late episode lies in the last 10 events of its timeline: its loop never starts a window there.
      "triangulation/event-window high",
      // It does not read sms.db.
      "triangulation/watchface-attachment critical",
      // It has no sequence rule and does not look at this plist.
      "triangulation/imtransfer-then-backupagent critical",
      "triangulation/softwareupdate-plist medium",
    ]);
    expect(ours).toContain(`triangulation/event-window high ${late}`);
    expect(scan.verdict.verdict).toBe("detected");
  });

  it("prints nothing on the clean twin, and we report nothing above low", async () => {
    const { records, scan } = await scanned("clean");
    expect(printed(triangleCheck(records))).toEqual([]);
    const levels = ["info", "low"];
    expect(
      scan.findings.filter((f) => !levels.includes(f.level)).map((f) => `${f.rule}: ${f.summary}`),
    ).toEqual([]);
    expect(scan.verdict.verdict).toBe("no_known_traces");
  });
});
