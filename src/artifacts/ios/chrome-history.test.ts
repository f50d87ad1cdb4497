import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import { type ChromeHistoryRecord, chromeHistoryArtifact } from "./chrome-history.js";

const PATH =
  "/private/var/mobile/Containers/Data/Application/com.google.chrome.ios/Library/Application Support/Google/Chrome/Default/History";

// 13300000000000000 µs since 1601 = 2022-06-18T04:26:40Z.
const MODERN = `
CREATE TABLE urls (id INTEGER PRIMARY KEY AUTOINCREMENT, url LONGVARCHAR, title LONGVARCHAR, visit_count INTEGER DEFAULT 0 NOT NULL,
  typed_count INTEGER DEFAULT 0 NOT NULL, last_visit_time INTEGER NOT NULL, hidden INTEGER DEFAULT 0 NOT NULL);
CREATE TABLE visits (id INTEGER PRIMARY KEY, url INTEGER NOT NULL, visit_time INTEGER NOT NULL, from_visit INTEGER,
  transition INTEGER DEFAULT 0 NOT NULL, segment_id INTEGER, visit_duration INTEGER DEFAULT 0 NOT NULL);
INSERT INTO urls VALUES (1, 'http://short.test/x', '', 1, 0, 0, 0), (2, 'https://evil.test/land', 'Land', 1, 0, 0, 0);
INSERT INTO visits VALUES (10, 1, 13300000000000000, 0, 805306369, 0, 0);
INSERT INTO visits VALUES (11, 2, 13300000000500000, 10, ${0x80000000 + 0x20000000}, 0, 2500000);
`;

async function run(sql: string) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(memorySource({ [PATH]: { sql } }), chromeHistoryArtifact, (r) =>
    records.push(r),
  );
  return { status, data: records.map((r) => r.data as ChromeHistoryRecord) };
}

describe("ios/chrome-history", () => {
  it("joins visits to urls, decodes transitions and resolves from_visit", async () => {
    const { status, data } = await run(MODERN);
    expect(status).toMatchObject({ status: "found", records: 2, warnings: [] });
    expect(data).toEqual([
      {
        rowId: 10,
        urlId: 1,
        url: "http://short.test/x",
        title: "",
        visitedAt: "2022-06-18T04:26:40.000Z",
        transition: 805306369,
        transitionType: "typed",
        profile: "Default",
        container: "com.google.chrome.ios",
      },
      {
        rowId: 11,
        urlId: 2,
        url: "https://evil.test/land",
        title: "Land",
        visitedAt: "2022-06-18T04:26:40.500Z",
        transition: 0xa0000000,
        transitionType: "link",
        redirect: "server",
        fromVisitId: 10,
        fromVisit: { url: "http://short.test/x", visitedAt: "2022-06-18T04:26:40.000Z" },
        visitDurationMs: 2500,
        profile: "Default",
        container: "com.google.chrome.ios",
      },
    ]);
    expect(chromeHistoryArtifact.observables(data[1]!)).toEqual([
      { kind: "url", value: "https://evil.test/land", field: "url" },
    ]);
    expect(chromeHistoryArtifact.events(data[1]!)).toEqual([
      {
        at: "2022-06-18T04:26:40.500Z",
        event: "chrome_visit",
        description: "Chrome visited https://evil.test/land (from http://short.test/x)",
      },
    ]);
  });

  it("reads a minimal schema without title, from_visit, transition or duration", async () => {
    const { data } = await run(`
      CREATE TABLE urls (id INTEGER PRIMARY KEY, url LONGVARCHAR);
      CREATE TABLE visits (id INTEGER PRIMARY KEY, url INTEGER NOT NULL, visit_time INTEGER NOT NULL);
      INSERT INTO urls VALUES (1, 'https://a.test/');
      INSERT INTO visits VALUES (1, 1, 13300000000000000);
    `);
    expect(data).toEqual([
      {
        rowId: 1,
        urlId: 1,
        url: "https://a.test/",
        visitedAt: "2022-06-18T04:26:40.000Z",
        profile: "Default",
        container: "com.google.chrome.ios",
      },
    ]);
  });

  it("survives hostile values: dangling ids, garbage times and transitions, huge URLs", async () => {
    const { status, data } = await run(`${MODERN}
      INSERT INTO urls VALUES (3, '${"h".repeat(70_000)}', x'ff', 1, 0, 0, 0), (4, NULL, NULL, 0, 0, 0, 0);
      INSERT INTO visits VALUES (12, 3, 'soon', 999, -2147483647, 0, -5);
      INSERT INTO visits VALUES (13, 4, 1, 0, 0, 0, 0);
      INSERT INTO visits VALUES (14, 77, 1, 0, 0, 0, 0);
    `);
    expect(status.warnings).toEqual([]);
    expect(data.map((r) => r.rowId)).toEqual([10, 11, 12]);
    const hostile = data[2]!;
    expect(hostile.url).toHaveLength(65_536);
    expect(hostile.truncated).toEqual(["url"]);
    expect(hostile.visitedAt).toBeUndefined();
    expect(hostile.fromVisit).toEqual({});
    expect(hostile.redirect).toBe("server");
    expect(hostile.transitionType).toBe("typed");
    expect(hostile.visitDurationMs).toBeUndefined();
  });
});
