import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { hostsInPath } from "./_shared/web.js";
import { type FileListingRecord, fileListingArtifact } from "./file-listing.js";

async function list(source: Parameters<typeof runArtifact>[0]): Promise<FileListingRecord[]> {
  const records: FileListingRecord[] = [];
  const status = await runArtifact(source, fileListingArtifact, (r) =>
    records.push(r.data as FileListingRecord),
  );
  expect(status.warnings).toEqual([]);
  return records;
}

describe("ios/file-listing", () => {
  it("lists every entry of a dump with its times", async () => {
    const source = memorySource({
      "/private/var/db/roleaccountd.plist": [
        Buffer.from("abcd"),
        { mode: 0o100644, birthAt: "2021-07-01T00:00:00.000Z", modifiedAt: "2021-07-02T00:00:00.000Z" },
      ],
      "/private/var/tmp/link": { symlink: "/private/var/db" },
    });
    const records = await list(source);
    expect(records).toEqual([
      { path: "/private", kind: "directory", size: 0 },
      { path: "/private/var", kind: "directory", size: 0 },
      { path: "/private/var/db", kind: "directory", size: 0 },
      {
        path: "/private/var/db/roleaccountd.plist",
        kind: "file",
        size: 4,
        mode: 0o100644,
        birthAt: "2021-07-01T00:00:00.000Z",
        modifiedAt: "2021-07-02T00:00:00.000Z",
      },
      { path: "/private/var/tmp", kind: "directory", size: 0 },
      { path: "/private/var/tmp/link", kind: "symlink", size: 0, linkTarget: "/private/var/db" },
    ]);
    // A scan does not keep these records: it derives them again, in the same order.
    const input = fileListingArtifact.input;
    if (input.kind !== "source" || input.rederive === undefined) throw new Error("no rederive");
    const again = input.rederive(source);
    expect(Array.from({ length: again.length }, (_, i) => again.at(i))).toEqual(records);
    const file = records[3]!;
    expect(fileListingArtifact.observables(file)).toEqual([
      { kind: "path", value: "/private/var/db/roleaccountd.plist", field: "path" },
    ]);
    expect(fileListingArtifact.events(file)).toEqual([
      {
        at: "2021-07-01T00:00:00.000Z",
        event: "file_birth",
        description: "/private/var/db/roleaccountd.plist created",
      },
      {
        at: "2021-07-02T00:00:00.000Z",
        event: "file_modified",
        description: "/private/var/db/roleaccountd.plist modified",
      },
    ]);
  });

  it("lists the development backup's Manifest with backup coordinates", async () => {
    const dir = corpusPath("backups", "dev-ios16-plain");
    if (dir === undefined) return;
    const backup = await openIosBackup(dir);
    try {
      const records = await list(backup);
      expect(records.filter((r) => r.kind === "file")).toHaveLength(15);
      expect(records.filter((r) => r.kind === "symlink")).toHaveLength(1);
      const sms = records.find((r) => r.path === "/private/var/mobile/Library/SMS/sms.db")!;
      expect(sms).toMatchObject({
        kind: "file",
        size: 126_976,
        domain: "HomeDomain",
        relativePath: "Library/SMS/sms.db",
        fileId: "3d0d7e5fb2ce288813306e4d4636395e047a3d28",
      });
      expect(sms.modifiedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(sms.present).toBeUndefined();
      const link = records.find((r) => r.kind === "symlink")!;
      expect(link.linkTarget).toBe("/var/db/timezone/zoneinfo/Europe/Berlin");
      // Records stay small: no nested objects, nothing but strings and numbers.
      for (const record of records)
        for (const value of Object.values(record))
          expect(["string", "number", "boolean"]).toContain(typeof value);
    } finally {
      await backup.close();
    }
  });
});

describe("host names in paths (MVT checks each `_`-separated part of a Manifest path as a URL)", () => {
  it("finds hosts in WebKit and cache folder names, and leaves file names and bundle ids alone", () => {
    const webkit = "/private/var/mobile/Library/WebKit/WebsiteData/CacheStorage/https_backuprabbit.com_0";
    expect(hostsInPath(webkit)).toEqual(["backuprabbit.com"]);
    expect(
      hostsInPath(
        "/private/var/mobile/Library/WebKit/WebsiteData/LocalStorage/https_Evil.Example_0.localstorage",
      ),
    ).toEqual(["evil.example"]);
    expect(hostsInPath("/private/var/mobile/Library/Caches/com.apple.Safari/cdn.evil-host.net/x")).toEqual([
      "cdn.evil-host.net",
    ]);
    for (const quiet of [
      "/private/var/mobile/Library/Preferences/com.apple.imservice.ids.FaceTime.plist",
      "/private/var/mobile/Library/SMS/sms.db-wal",
      "/private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite",
      "/private/var/containers/Bundle/Application/1A2B/Signal.app/Info.plist",
      "/private/var/mobile/Media/DCIM/100APPLE/IMG_0001.HEIC",
      "/private/var/mobile/Library/Safari/History.db",
    ])
      expect(hostsInPath(quiet), quiet).toEqual([]);
  });

  it("gives the listing's records domain observables next to their path", () => {
    const path = "/private/var/mobile/Library/WebKit/WebsiteData/CacheStorage/https_backuprabbit.com_0";
    expect(fileListingArtifact.observables({ path, kind: "directory", size: 0 })).toEqual([
      { kind: "path", value: path, field: "path" },
      { kind: "domain", value: "backuprabbit.com", field: "path" },
    ]);
  });
});
