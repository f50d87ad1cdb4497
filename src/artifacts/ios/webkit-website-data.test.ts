import { describe, expect, it } from "vitest";
import { memorySource } from "../../testing/memory-source.js";
import type { ArtifactRecord } from "../define.js";
import { runArtifact } from "../run.js";
import { originFromWebsiteDataName } from "./_shared/web.js";
import { type WebkitWebsiteDataRecord, webkitWebsiteDataArtifact } from "./webkit-website-data.js";

const APP = "/private/var/mobile/Containers/Data/Application/8E1C-UUID";
const DATA = `${APP}/Library/WebKit/WebsiteData`;
const SVS = `${APP}/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData`;
const T1 = { modifiedAt: "2023-01-02T03:04:05.000Z", birthAt: "2023-01-01T00:00:00.000Z" };

describe("ios/webkit-website-data", () => {
  it("rebuilds origins from IndexedDB, LocalStorage and SafariViewService entry names", async () => {
    const records: ArtifactRecord[] = [];
    const source = memorySource({
      [`${DATA}/IndexedDB/https_evil.test_0`]: [{ dir: true }, T1],
      [`${DATA}/IndexedDB/v1/https_top.test_0/https_frame.test_8443`]: [{ dir: true }, T1],
      [`${DATA}/LocalStorage/http_news.example_0.localstorage`]: [Buffer.alloc(1), T1],
      [`${DATA}/LocalStorage/http_news.example_0.localstorage-wal`]: Buffer.alloc(1),
      [`${DATA}/LocalStorage/StorageTracker.db`]: Buffer.alloc(1),
      [`${SVS}/https_svs.test_0`]: [{ dir: true }, T1],
      [`${SVS}/LocalStorage/file__0.localstorage`]: Buffer.alloc(1),
    });
    const status = await runArtifact(source, webkitWebsiteDataArtifact, (r) => records.push(r));
    expect(status).toMatchObject({ status: "found", warnings: [] });
    const data = records.map((r) => r.data as WebkitWebsiteDataRecord);
    expect(data).toEqual([
      {
        path: `${DATA}/IndexedDB/https_evil.test_0`,
        kind: "indexeddb",
        name: "https_evil.test_0",
        url: "https://evil.test",
        ...T1,
        container: "8E1C-UUID",
      },
      {
        path: `${DATA}/IndexedDB/v1/https_top.test_0`,
        kind: "indexeddb",
        name: "https_top.test_0",
        url: "https://top.test",
        container: "8E1C-UUID",
      },
      {
        path: `${DATA}/IndexedDB/v1/https_top.test_0/https_frame.test_8443`,
        kind: "indexeddb",
        name: "https_frame.test_8443",
        url: "https://frame.test:8443",
        topOrigin: "https://top.test",
        ...T1,
        container: "8E1C-UUID",
      },
      {
        path: `${DATA}/LocalStorage/http_news.example_0.localstorage`,
        kind: "localstorage",
        name: "http_news.example_0.localstorage",
        url: "http://news.example",
        ...T1,
        container: "8E1C-UUID",
      },
      {
        path: `${SVS}/https_svs.test_0`,
        kind: "safariviewservice",
        name: "https_svs.test_0",
        url: "https://svs.test",
        ...T1,
        container: "8E1C-UUID",
      },
      {
        path: `${SVS}/LocalStorage/file__0.localstorage`,
        kind: "safariviewservice",
        name: "file__0.localstorage",
        url: "file://",
        store: "LocalStorage",
        container: "8E1C-UUID",
      },
    ]);
    expect(webkitWebsiteDataArtifact.observables(data[2]!)).toEqual([
      { kind: "url", value: "https://frame.test:8443", field: "url" },
      { kind: "url", value: "https://top.test", field: "topOrigin" },
    ]);
    expect(webkitWebsiteDataArtifact.observables(data[5]!)).toEqual([]);
    expect(webkitWebsiteDataArtifact.events(data[0]!)).toEqual([
      {
        at: "2023-01-02T03:04:05.000Z",
        event: "webkit_indexeddb_modified",
        description: "WebKit indexeddb data of https://evil.test last modified in 8E1C-UUID",
      },
    ]);
    expect(webkitWebsiteDataArtifact.events(data[1]!)).toEqual([]);
  });

  it("reports not_present when no WebsiteData folder exists", async () => {
    const status = await runArtifact(
      memorySource({ "/private/var/mobile/x": Buffer.alloc(0) }),
      webkitWebsiteDataArtifact,
      () => {},
    );
    expect(status.status).toBe("not_present");
  });

  it("rejects names that do not encode an origin", () => {
    expect(originFromWebsiteDataName("https_example.com_0")).toBe("https://example.com");
    expect(originFromWebsiteDataName("http_localhost_8080")).toBe("http://localhost:8080");
    expect(originFromWebsiteDataName("https_a_b.test_0")).toBe("https://a_b.test");
    for (const bad of [
      "v1",
      "https__0",
      "https_x",
      "ftp_x_0",
      "https_a/b_0",
      "https_user@x_0",
      "https_x_0.localstorage-wal",
    ])
      expect(originFromWebsiteDataName(bad)).toBeUndefined();
  });
});
