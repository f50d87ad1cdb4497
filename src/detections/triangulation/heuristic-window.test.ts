import { describe, expect, it } from "vitest";
import type { ArtifactRecord } from "../../artifacts/define.js";
import { dataUsageArtifact } from "../../artifacts/ios/datausage.js";
import { fileListingArtifact } from "../../artifacts/ios/file-listing.js";
import { locationdClientsArtifact } from "../../artifacts/ios/locationd-clients.js";
import { preferenceFilesArtifact } from "../../artifacts/ios/preference-files.js";
import { memorySource } from "../../testing/memory-source.js";
import { collect, contextOf } from "../test-context.js";
import { eventWindowDetection } from "./heuristic-window.js";
import {
  ATTACHMENTS,
  analytics,
  at,
  FACETIME,
  IMAGEIO,
  IONOSPHERE,
  listing,
  location,
  pref,
  STATUSBAR,
  usage,
  WRM,
} from "./test-fixtures.js";

function run(records: ArtifactRecord[]) {
  return eventWindowDetection.run(contextOf(records));
}

/** Many unrelated events long before, so that "the last 10 events" are not the only ones. */
function padding(count: number): ArtifactRecord[] {
  return Array.from({ length: count }, (_, i) => usage("nehelper", { first: -100_000 - i * 1000 }));
}

describe("triangulation/event-window", () => {
  const cases: { name: string; records: ArtifactRecord[]; episodes: number }[] = [
    {
      name: "file change + WebContent traffic within 2 minutes",
      records: [pref(STATUSBAR, { m: 0 }), usage("com.apple.WebKit.WebContent", { first: 120 })],
      episodes: 1,
    },
    {
      name: "location bundle stop + powerd traffic",
      records: [location(IONOSPHERE, 0), usage("powerd/com.apple.datausage.diagnostics", { last: 200 })],
      episodes: 1,
    },
    {
      name: "emptied attachment folder (M and C) + lockdownd traffic",
      records: [
        listing(`${ATTACHMENTS}/65`, "directory", { m: 0, c: 0 }),
        listing(`${ATTACHMENTS}/65/05`, "directory", { m: 10, c: 10 }),
        usage("lockdownd/com.apple.datausage.security", { live: [60] }),
      ],
      episodes: 1,
    },
    {
      name: "BackupAgent of the analytics baseline counts as traffic",
      records: [analytics("BackupAgent", 0), pref(FACETIME, { c: 30 })],
      episodes: 1,
    },
    {
      name: "events 6 minutes apart",
      records: [pref(STATUSBAR, { m: 0 }), usage("com.apple.WebKit.WebContent", { first: 360 })],
      episodes: 0,
    },
    {
      name: "an isolated preference change",
      records: [pref(IMAGEIO, { m: 0, c: 0, b: 0 })],
      episodes: 0,
    },
    {
      name: "one class only (three preference files and a location stop of another client)",
      records: [
        pref(IMAGEIO, { m: 0 }),
        pref(STATUSBAR, { m: 5 }),
        pref(FACETIME, { m: 9 }),
        location("com.apple.locationd.bundle-/System/Library/LocationBundles/Routine.bundle", 10),
      ],
      episodes: 0,
    },
    {
      name: "a client key that only ends in a watched bundle's name does not count",
      records: [
        location("com.example.app/Library/LocationBundles/IonosphereHarvest.bundle", 0),
        usage("nehelper", { first: 10 }),
      ],
      episodes: 0,
    },
    {
      name: "traffic by BackupAgent2 or other processes does not count",
      records: [
        pref(STATUSBAR, { m: 0 }),
        usage("BackupAgent2", { first: 10 }),
        usage("nehelperd", { first: 10 }),
      ],
      episodes: 0,
    },
    {
      name: "a window with an attachment file: the folder change does not count",
      records: [
        listing(`${ATTACHMENTS}/65/05`, "directory", { m: 0, c: 0 }),
        listing(`${ATTACHMENTS}/65/05/ABC/IMG_0001.HEIC`, "file", { m: 5, c: 5, b: 5 }),
        usage("nehelper", { first: 30 }),
      ],
      episodes: 0,
    },
    {
      name: "an attachment folder only modified (not status-changed) does not count",
      records: [listing(`${ATTACHMENTS}/65/05`, "directory", { m: 0 }), usage("nehelper", { first: 30 })],
      episodes: 0,
    },
    {
      name: "an attachment file cancels the SMS class only, not the others",
      records: [
        listing(`${ATTACHMENTS}/65/05`, "directory", { m: 0, c: 0 }),
        listing(`${ATTACHMENTS}/65/05/ABC/IMG_0001.HEIC`, "file", { m: 5 }),
        usage("nehelper", { first: 30 }),
        location(WRM, 40),
      ],
      episodes: 1,
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const { findings } = run(c.records);
      expect(findings).toHaveLength(c.episodes);
      for (const f of findings)
        expect(f).toMatchObject({
          rule: "triangulation/event-window",
          level: "high",
          certainty: "heuristic",
        });
    });

  describe("an ordinary received attachment next to helper traffic", () => {
    // WebContent traffic at T, then at T+30 s the attachment lands: Attachments/ab and ab/cd change,
    // the GUID folder and the file are created. The folder changes are the attachment's, not a deletion.
    const attachment = [
      listing(`${ATTACHMENTS}/ab`, "directory", { m: 30, c: 30, b: -86_400 }),
      listing(`${ATTACHMENTS}/ab/cd`, "directory", { m: 30, c: 30, b: -86_400 }),
      listing(`${ATTACHMENTS}/ab/cd/GUID`, "directory", { m: 30, c: 30, b: 30 }),
      listing(`${ATTACHMENTS}/ab/cd/GUID/IMG_0001.JPG`, "file", { m: 30, c: 30, b: 30 }),
    ];
    const net = usage("com.apple.WebKit.WebContent", { first: 0 });

    /** Every order of the rows (the Manifest's row order decides the order of events at one second). */
    function orders<T>(items: readonly T[]): T[][] {
      if (items.length <= 1) return [[...items]];
      return items.flatMap((item, i) =>
        orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
      );
    }

    it("gives no finding, whatever the row order", () => {
      const all = orders([net, ...attachment]);
      expect(all).toHaveLength(120);
      for (const records of all)
        expect(
          run(records).findings,
          records.map((r) => (r.data as { path?: string }).path ?? "net").join(", "),
        ).toEqual([]);
    });

    it("gives no finding when only the file entry is listed below the folders", () => {
      for (const records of orders([net, attachment[0]!, attachment[1]!, attachment[3]!]))
        expect(run(records).findings).toEqual([]);
    });

    it("an attachment left out by the 10-event cap still cancels the folder change", () => {
      // Ten events: the traffic, 7 live-usage samples and the folder's M and C; the file is the 11th.
      const records = [
        usage("com.apple.WebKit.WebContent", { first: 0, live: [1, 2, 3, 4, 5, 6, 7] }),
        listing(`${ATTACHMENTS}/ab/cd`, "directory", { m: 30, c: 30 }),
        listing(`${ATTACHMENTS}/ab/cd/GUID/IMG_0001.JPG`, "file", { m: 200 }),
      ];
      expect(run(records).findings).toEqual([]);
      // 6 minutes later it is outside the span: the emptied folder counts again.
      const later = [
        ...records.slice(0, 2),
        listing(`${ATTACHMENTS}/ab/cd/GUID/IMG_0001.JPG`, "file", { m: 400 }),
      ];
      expect(run(later).findings.map((f) => f.heuristic?.parameters?.qualifyingClasses)).toEqual([
        ["net", "sms"],
      ]);
    });

    it("an emptied folder with no attachment in the span still fires, as do the other classes", () => {
      const emptied = [net, attachment[0]!, attachment[1]!];
      for (const records of orders(emptied)) {
        const { findings } = run(records);
        expect(findings).toHaveLength(1);
        expect(findings[0]!.heuristic?.parameters?.qualifyingClasses).toEqual(["net", "sms"]);
      }
      const withPlist = run([pref(STATUSBAR, { m: -10 }), net, ...attachment]);
      expect(withPlist.findings).toHaveLength(1);
      expect(withPlist.findings[0]!.heuristic?.parameters?.qualifyingClasses).toEqual(["file", "net"]);
      expect(withPlist.findings[0]!.notes?.at(-1)).toMatch(
        /ab\/cd\/GUID(\/IMG_0001\.JPG)?, 2022-09-13 10:00:30 UTC\) was written/,
      );
    });
  });

  it("finds a cluster among the last 10 events and when there are 10 events or fewer", () => {
    const records = [
      ...padding(20),
      pref(STATUSBAR, { m: 0 }),
      usage("com.apple.WebKit.WebContent", { first: 60 }),
    ];
    expect(run(records).findings).toHaveLength(1);
    expect(run(records.slice(20)).findings).toHaveLength(1);
  });

  it("merges overlapping windows into one episode listing its events and window", () => {
    const { findings } = run([
      pref(STATUSBAR, { m: 0, c: 0 }),
      usage("com.apple.WebKit.WebContent", { first: 60, last: 90 }),
      location(IONOSPHERE, 120),
      pref(FACETIME, { m: 150 }),
    ]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.time).toBe(at(0));
    expect(f.heuristic?.window).toEqual({ start: at(0), end: at(150), seconds: 150 });
    expect(f.heuristic?.events.map((e) => e.class)).toEqual([
      "file",
      "file",
      "net",
      "net",
      "location",
      "file",
    ]);
    expect(f.heuristic?.parameters?.qualifyingClasses).toEqual(
      expect.arrayContaining(["file", "net", "location"]),
    );
    expect(f.evidence).toHaveLength(4);
    expect(f.heuristic?.parameters?.windows).toBe(5);
    expect(f.summary).toMatch(
      /^5 overlapping windows of at most 5 minutes and 10 events, 6 events in all between 2022-09-13 10:00:00 and 10:02:30 UTC, each combined /,
    );
  });

  it("says a single window is one, and a long chain is many windows, not one long window", () => {
    const single = run([pref(STATUSBAR, { m: 0 }), usage("com.apple.WebKit.WebContent", { first: 120 })]);
    expect(single.findings[0]!.summary).toMatch(/^Within 2 minutes, several traces/);
    // A location stop every 4 minutes next to helper traffic: windows chain over 44 minutes.
    const chain = run(
      Array.from({ length: 12 }, (_, i) => [
        location(i % 2 === 0 ? IONOSPHERE : WRM, i * 240),
        usage("nehelper", { first: i * 240 + 10 }),
      ]).flat(),
    );
    expect(chain.findings).toHaveLength(1);
    const summary = chain.findings[0]!.summary;
    expect(summary).toMatch(/^\d+ overlapping windows of at most 5 minutes and 10 events, 24 events in all/);
    expect(summary).toContain("between 2022-09-13 10:00:00 and 10:44:10 UTC");
    expect(summary).not.toMatch(/^Within/);
  });

  it("caps a window at 10 events: an 11th event of another class is not combined", () => {
    // Ten events at the same second (9 plist times and a folder only modified), then traffic 1 s later:
    // the window starting at the first event holds one class; the one starting at the second reaches the traffic.
    const watched = [
      pref(IMAGEIO, { m: 0, c: 0, b: 0 }),
      pref(STATUSBAR, { m: 0, c: 0, b: 0 }),
      pref(FACETIME, { m: 0, c: 0, b: 0 }),
    ];
    const { findings } = run([
      ...watched,
      listing(`${ATTACHMENTS}/aa`, "directory", { m: 0 }),
      usage("nehelper", { first: 1 }),
    ]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.heuristic!.events).toHaveLength(10);
    expect(findings[0]!.heuristic!.events.at(-1)).toMatchObject({ class: "net", at: at(1) });
  });

  it("two clusters far apart are two episodes", () => {
    const { findings } = run([
      pref(STATUSBAR, { m: 0 }),
      usage("nehelper", { first: 10, last: 5000 }),
      location(WRM, 5100),
    ]);
    expect(findings.map((f) => f.time)).toEqual([at(0), at(5000)]);
  });

  it("the plist times come from the file listing when preference-files is absent", () => {
    const { findings } = run([listing(STATUSBAR, "file", { m: 0 }), usage("nehelper", { first: 10 })]);
    expect(findings).toHaveLength(1);
    expect(findings[0]!.heuristic!.events[0]).toMatchObject({
      class: "file",
      path: STATUSBAR,
      artifact: "ios/file-listing",
    });
  });

  it("notes missing sources without failing", () => {
    const result = eventWindowDetection.run(contextOf([]));
    expect(result.findings).toEqual([]);
    expect(result.limitations.map((l) => l.important)).toEqual([false, false, false]);
  });

  it("works on records made by the real parsers (device paths, Cocoa times)", async () => {
    // 2022-09-13 10:04:54 UTC = Cocoa 684756294.
    const sql = `CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZPROCNAME VARCHAR);
      CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, ZHASPROCESS INTEGER, ZTIMESTAMP TIMESTAMP);
      INSERT INTO ZPROCESS VALUES (1, 684756330, 684756340, 'com.apple.WebKit.WebContent');`;
    const times = { modifiedAt: "2022-09-13T10:04:54.000Z", changedAt: "2022-09-13T10:04:54.000Z" };
    const source = memorySource({
      "/private/var/wireless/Library/Databases/DataUsage.sqlite": { sql },
      "/private/var/root/Library/Caches/locationd/clients.plist": {
        plist: { [IONOSPHERE]: { LocationTimeStopped: 684756400 } },
      },
      [`${ATTACHMENTS}/65`]: [{ dir: true }, times],
      [`${ATTACHMENTS}/65/05`]: [{ dir: true }, times],
      [IMAGEIO]: [Buffer.from("x"), { modifiedAt: "2022-09-13T10:06:00.000Z" }],
    });
    const { records } = await collect(source, [
      dataUsageArtifact,
      locationdClientsArtifact,
      preferenceFilesArtifact,
      fileListingArtifact,
    ]);
    const { findings } = eventWindowDetection.run(contextOf(records));
    expect(findings).toHaveLength(1);
    expect(findings[0]!.heuristic!.parameters!.qualifyingClasses).toEqual(
      expect.arrayContaining(["sms", "net", "location", "file"]),
    );
    expect(findings[0]!.heuristic!.window).toEqual({
      start: "2022-09-13T10:04:54.000Z",
      end: "2022-09-13T10:06:40.000Z",
      seconds: 106,
    });
  });
});
