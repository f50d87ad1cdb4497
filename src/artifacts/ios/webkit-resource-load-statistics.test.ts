import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import {
  type WebkitResourceLoadStatisticsRecord,
  webkitResourceLoadStatisticsArtifact,
} from "./webkit-resource-load-statistics.js";

const MODERN = `
CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain TEXT NOT NULL UNIQUE ON CONFLICT FAIL,
  lastSeen REAL NOT NULL, hadUserInteraction INTEGER NOT NULL, mostRecentUserInteractionTime REAL NOT NULL,
  grandfathered INTEGER NOT NULL, isPrevalent INTEGER NOT NULL, isVeryPrevalent INTEGER NOT NULL,
  dataRecordsRemoved INTEGER NOT NULL, timesAccessedAsFirstPartyDueToUserInteraction INTEGER NOT NULL,
  timesAccessedAsFirstPartyDueToStorageAccessAPI INTEGER NOT NULL, isScheduledForAllButCookieDataRemoval INTEGER NOT NULL,
  mostRecentWebPushInteractionTime REAL NOT NULL);
CREATE TABLE TopFrameUniqueRedirectsTo (sourceDomainID INTEGER NOT NULL, toDomainID INTEGER NOT NULL);
CREATE TABLE TopFrameUniqueRedirectsFrom (targetDomainID INTEGER NOT NULL, fromDomainID INTEGER NOT NULL);
CREATE TABLE SubframeUnderTopFrameDomains (subFrameDomainID INTEGER NOT NULL, lastUpdated REAL NOT NULL, topFrameDomainID INTEGER NOT NULL);
CREATE TABLE SubresourceUnderTopFrameDomains (subresourceDomainID INTEGER NOT NULL, lastUpdated REAL NOT NULL, topFrameDomainID INTEGER NOT NULL);
INSERT INTO ObservedDomains VALUES (1, 'news.example', 1680000000, 1, 1680000100.5, 0, 0, 0, 0, 0, 0, 0, 0);
INSERT INTO ObservedDomains VALUES (2, 'evil.test', 1680000005, 0, 0, 0, 1, 0, 2, 0, 0, 0, 0);
INSERT INTO ObservedDomains VALUES (3, 'tracker.test', 1680000006, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
INSERT INTO TopFrameUniqueRedirectsTo VALUES (1, 2);
INSERT INTO TopFrameUniqueRedirectsFrom VALUES (2, 1);
INSERT INTO SubframeUnderTopFrameDomains VALUES (3, 0, 2);
INSERT INTO SubresourceUnderTopFrameDomains VALUES (3, 0, 1), (3, 0, 2), (3, 0, 99);
`;

const OLD = `
CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain TEXT NOT NULL UNIQUE, lastSeen REAL NOT NULL,
  hadUserInteraction INTEGER NOT NULL);
INSERT INTO ObservedDomains VALUES (7, 'old.test', 1600000000, 1);
`;

const APP = "/private/var/mobile/Containers/Data/Application/com.example.app";

async function run(files: Record<string, { sql: string }>) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(memorySource(files), webkitResourceLoadStatisticsArtifact, (r) =>
    records.push(r),
  );
  return { status, data: records.map((r) => r.data as WebkitResourceLoadStatisticsRecord) };
}

describe("ios/webkit-resource-load-statistics", () => {
  it("reads observed domains with their redirects and frames (current schema)", async () => {
    const { status, data } = await run({
      [`${APP}/Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db`]: { sql: MODERN },
    });
    expect(status).toMatchObject({ status: "found", records: 3, warnings: [] });
    expect(data).toEqual([
      {
        rowId: 1,
        registrableDomain: "news.example",
        lastSeenAt: "2023-03-28T10:40:00.000Z",
        hadUserInteraction: true,
        mostRecentUserInteractionAt: "2023-03-28T10:41:40.500Z",
        isPrevalent: false,
        isVeryPrevalent: false,
        grandfathered: false,
        dataRecordsRemoved: 0,
        redirectsTo: ["evil.test"],
        container: "com.example.app",
      },
      {
        rowId: 2,
        registrableDomain: "evil.test",
        lastSeenAt: "2023-03-28T10:40:05.000Z",
        hadUserInteraction: false,
        isPrevalent: true,
        isVeryPrevalent: false,
        grandfathered: false,
        dataRecordsRemoved: 2,
        redirectsFrom: ["news.example"],
        container: "com.example.app",
      },
      {
        rowId: 3,
        registrableDomain: "tracker.test",
        lastSeenAt: "2023-03-28T10:40:06.000Z",
        hadUserInteraction: false,
        isPrevalent: false,
        isVeryPrevalent: false,
        grandfathered: false,
        dataRecordsRemoved: 0,
        subframeUnder: ["evil.test"],
        subresourceUnder: ["news.example", "evil.test"],
        container: "com.example.app",
      },
    ]);
    expect(webkitResourceLoadStatisticsArtifact.observables(data[1]!)).toEqual([
      { kind: "domain", value: "evil.test", field: "registrableDomain" },
    ]);
    expect(webkitResourceLoadStatisticsArtifact.events(data[0]!)).toEqual([
      {
        at: "2023-03-28T10:40:00.000Z",
        event: "webkit_domain_seen",
        description: "WebKit loaded resources from news.example in com.example.app",
      },
      {
        at: "2023-03-28T10:41:40.500Z",
        event: "webkit_domain_interaction",
        description: "User interacted with news.example in com.example.app",
      },
    ]);
  });

  it("reads the early schema without relation tables, in Safari and SafariViewService stores", async () => {
    const { status, data } = await run({
      "/private/var/mobile/Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db": { sql: OLD },
      [`${APP}/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/observations.db`]: {
        sql: OLD,
      },
    });
    expect(status).toMatchObject({ status: "found", records: 2, warnings: [] });
    expect(data).toEqual([
      {
        rowId: 7,
        registrableDomain: "old.test",
        lastSeenAt: "2020-09-13T12:26:40.000Z",
        hadUserInteraction: true,
      },
      {
        rowId: 7,
        registrableDomain: "old.test",
        lastSeenAt: "2020-09-13T12:26:40.000Z",
        hadUserInteraction: true,
        container: "com.example.app",
        safariViewService: true,
      },
    ]);
  });

  it("skips rows without a domain and tolerates wrong types", async () => {
    const { status, data } = await run({
      "/private/var/mobile/Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db": {
        sql: `CREATE TABLE ObservedDomains (domainID INTEGER PRIMARY KEY, registrableDomain, lastSeen, hadUserInteraction);
          INSERT INTO ObservedDomains VALUES (1, NULL, 1, 1), (2, '', 1, 1), (3, x'61622e74657374', 'soon', 'no'),
            (4, '${"d".repeat(70_000)}', 1e20, 1);`,
      },
    });
    expect(status.warnings).toEqual([]);
    expect(data).toEqual([
      { rowId: 3, registrableDomain: "ab.test" },
      {
        rowId: 4,
        registrableDomain: "d".repeat(65_536),
        hadUserInteraction: true,
        truncated: ["registrableDomain"],
      },
    ]);
  });
});
