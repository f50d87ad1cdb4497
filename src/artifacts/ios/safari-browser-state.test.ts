import { describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import type { PlistValue } from "../../formats/plist-value.js";
import { parseSqliteInput } from "../../testing/artifact-harness.js";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import {
  decodeSessionData,
  type SafariBrowserStateRecord,
  safariBrowserStateArtifact,
} from "./safari-browser-state.js";

const PATH = "/private/var/mobile/Library/Safari/BrowserState.db";

function sessionBlob(root: PlistValue): string {
  const bytes = Buffer.concat([Buffer.from([0, 0, 0, 2]), writeBinaryPlist(root)]);
  return `x'${bytes.toString("hex")}'`;
}

const SESSION = sessionBlob({
  SessionHistory: {
    SessionHistoryCurrentIndex: 1,
    SessionHistoryEntries: [
      {
        SessionHistoryEntryURL: "https://news.example/",
        SessionHistoryEntryOriginalURL: "https://news.example/",
        SessionHistoryEntryTitle: "News",
        SessionHistoryEntryData: new Uint8Array(12),
      },
      {
        SessionHistoryEntryURL: "https://landing.evil.test/a",
        SessionHistoryEntryOriginalURL: "http://short.test/x",
        SessionHistoryEntryTitle: "Landing",
      },
      "not a dictionary",
    ],
  },
});

const MODERN = `
CREATE TABLE tabs (id INTEGER PRIMARY KEY AUTOINCREMENT, uuid TEXT UNIQUE NOT NULL, title TEXT, url TEXT,
  user_visible_url TEXT, last_viewed_time REAL, private_browsing BOOLEAN);
CREATE TABLE tab_sessions (id INTEGER PRIMARY KEY AUTOINCREMENT, tab_uuid TEXT UNIQUE NOT NULL, session_data BLOB);
INSERT INTO tabs VALUES (1, 'T-1', 'Landing', 'https://landing.evil.test/a', 'https://landing.evil.test/a', 700000000, 0);
INSERT INTO tabs VALUES (2, 'T-2', '', '', NULL, NULL, 1);
INSERT INTO tab_sessions VALUES (1, 'T-1', ${SESSION});
`;

function parse(sql: string) {
  return parseSqliteInput(safariBrowserStateArtifact, sql, PATH);
}

describe("ios/safari-browser-state", () => {
  it("joins tabs to tab_sessions and decodes the back/forward list (iOS 12+)", () => {
    const { records, warnings } = parse(MODERN);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 1,
        uuid: "T-1",
        title: "Landing",
        url: "https://landing.evil.test/a",
        lastViewedAt: "2023-03-08T20:26:40.000Z",
        privateBrowsing: false,
        sessionEntries: [
          {
            url: "https://news.example/",
            originalUrl: "https://news.example/",
            title: "News",
            dataLength: 12,
          },
          { url: "https://landing.evil.test/a", originalUrl: "http://short.test/x", title: "Landing" },
          {},
        ],
        sessionCurrentIndex: 1,
      },
      { rowId: 2, uuid: "T-2", title: "", url: "", privateBrowsing: true, sessionEntries: [] },
    ]);
    expect(safariBrowserStateArtifact.observables(records[0]!)).toEqual([
      { kind: "url", value: "https://landing.evil.test/a", field: "url" },
      { kind: "url", value: "https://news.example/", field: "sessionEntries[0].url" },
      { kind: "url", value: "https://landing.evil.test/a", field: "sessionEntries[1].url" },
      { kind: "url", value: "http://short.test/x", field: "sessionEntries[1].originalUrl" },
    ]);
    expect(safariBrowserStateArtifact.observables(records[1]!)).toEqual([]);
    expect(safariBrowserStateArtifact.events(records[0]!)).toEqual([
      {
        at: "2023-03-08T20:26:40.000Z",
        event: "safari_tab_viewed",
        description: "Safari tab last viewed: Landing https://landing.evil.test/a",
      },
    ]);
  });

  it("reads the old schema with session_data in tabs (before iOS 12)", () => {
    const { records, warnings } = parse(`
      CREATE TABLE tabs (id INTEGER PRIMARY KEY, title TEXT, url TEXT, user_visible_url TEXT,
        last_viewed_time REAL, session_data BLOB);
      INSERT INTO tabs VALUES (4, 'Old', 'http://a.test/', 'http://b.test/', 400000000, ${SESSION});
    `);
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      rowId: 4,
      title: "Old",
      url: "http://a.test/",
      visibleUrl: "http://b.test/",
      lastViewedAt: "2013-09-04T15:06:40.000Z",
      sessionCurrentIndex: 1,
    });
    expect(records[0]!.sessionEntries).toHaveLength(3);
  });

  it("warns about garbage session blobs and keeps the tab", () => {
    const { records, warnings } = parse(`${MODERN}
      UPDATE tab_sessions SET session_data = x'0000000262706c6973743030ffff' WHERE tab_uuid = 'T-1';
      INSERT INTO tabs VALUES (3, 'T-3', NULL, NULL, NULL, 'x', 'maybe');
      INSERT INTO tab_sessions VALUES (3, 'T-3', x'deadbeef');
      INSERT INTO tabs VALUES (5, 'T-5', NULL, NULL, NULL, NULL, NULL);
      INSERT INTO tab_sessions VALUES (5, 'T-5', ${sessionBlob(["not", "a", "session"])});
    `);
    expect(records.map((r) => r.rowId)).toEqual([1, 2, 3, 5]);
    expect(records.every((r) => r.sessionEntries.length === 0)).toBe(true);
    expect(records[2]).toEqual({ rowId: 3, uuid: "T-3", sessionEntries: [] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ code: "CORRUPT", count: 2 });
  });

  it("caps huge session fields and counts entries beyond the budget", () => {
    const many = Array.from({ length: 1005 }, (_, i) => ({ SessionHistoryEntryURL: `https://e.test/${i}` }));
    many[0] = { SessionHistoryEntryURL: `https://e.test/${"x".repeat(70_000)}` };
    const { records } = parse(`${MODERN}
      UPDATE tab_sessions SET session_data = ${sessionBlob({ SessionHistory: { SessionHistoryEntries: many } })};
    `);
    const tab = records[0]!;
    expect(tab.sessionEntries).toHaveLength(1000);
    expect(tab.sessionEntriesOmitted).toBe(5);
    expect(tab.sessionEntries[0]!.url).toHaveLength(65_536);
    expect(tab.truncated).toEqual(["sessionEntries[0].url"]);
  });

  it("runs over backups and names the profile", async () => {
    const records: ArtifactRecord[] = [];
    const source = memorySource(
      { "/private/var/mobile/Library/Safari/Profiles/P-1/BrowserState.db": { sql: MODERN } },
      { kind: "ios-backup" },
    );
    const status = await runArtifact(source, safariBrowserStateArtifact, (r) => records.push(r));
    expect(status).toMatchObject({ status: "found", records: 2, warnings: [] });
    expect((records[0]!.data as SafariBrowserStateRecord).profile).toBe("P-1");
  });

  it("never hangs or throws anything but an Error on mutated session blobs (fuzz)", () => {
    const valid = Buffer.from(SESSION.slice(2, -1), "hex");
    let seed = 0x5eed;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    let decoded = 0;
    for (let round = 0; round < 2000; round++) {
      const blob = Buffer.from(valid);
      for (let flips = 1 + random(8); flips > 0; flips--) blob[random(blob.length)] = random(256);
      const input = round % 10 === 0 ? blob.subarray(0, random(blob.length)) : blob;
      try {
        const result = decodeSessionData(input, []);
        expect(Array.isArray(result.entries)).toBe(true);
        decoded += 1;
      } catch (error) {
        expect(error).toBeInstanceOf(Error);
      }
    }
    expect(decoded).toBeGreaterThan(0);
  });
});
