import { describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import { buildKeyedArchive } from "../../formats/nskeyed-writer.js";
import type { PlistDict } from "../../formats/plist-value.js";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import type { EvidenceSource } from "../../readers/types.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type ApplicationRecord, applicationsArtifact } from "./applications.js";

async function run(source: EvidenceSource) {
  const records: ApplicationRecord[] = [];
  const status = await runArtifact(source, applicationsArtifact, (r) =>
    records.push(r.data as ApplicationRecord),
  );
  return { records, status, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

const BUNDLES = "/private/var/containers/Bundle/Application";

describe("ios/applications", () => {
  it("reads a backup's Info.plist apps with their iTunesMetadata", async () => {
    const info: PlistDict = {
      Applications: {
        "com.whatsapp.WhatsApp": {
          iTunesMetadata: writeBinaryPlist({
            softwareVersionBundleId: "net.whatsapp.WhatsApp",
            itemName: "WhatsApp Messenger",
            artistName: "WhatsApp Inc.",
            bundleShortVersionString: "23.1.75",
            sourceApp: "com.apple.AppStore",
            purchaseDate: "2020-03-21T21:54:19Z",
          }),
          PlaceholderIcon: new Uint8Array([1, 2]),
        },
        "com.example.enterprise": {
          iTunesMetadata: writeBinaryPlist({
            softwareVersionBundleId: "com.example.enterprise",
            sourceApp: "com.apple.TestFlight",
          }),
        },
        "com.example.mdm": {
          iTunesMetadata: writeBinaryPlist({ itemName: "Managed", sourceApp: "com.apple.dmd" }),
        },
        "com.example.broken": {
          iTunesMetadata: new Uint8Array([0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30]),
        },
      },
      "Installed Applications": ["com.whatsapp.WhatsApp", "com.example.listed", 5],
    };
    const { records, status, warnings } = await run(
      memorySource({}, { kind: "ios-backup", backupPlists: { info } }),
    );
    expect(records).toEqual([
      {
        bundleId: "net.whatsapp.WhatsApp",
        name: "WhatsApp Messenger",
        version: "23.1.75",
        artist: "WhatsApp Inc.",
        sourceApp: "com.apple.AppStore",
        purchasedAt: "2020-03-21T21:54:19.000Z",
        installedFrom: "app-store",
        metadataSource: "backup-applications",
      },
      {
        bundleId: "com.example.enterprise",
        sourceApp: "com.apple.TestFlight",
        installedFrom: "other",
        metadataSource: "backup-applications",
      },
      {
        bundleId: "com.example.mdm",
        name: "Managed",
        sourceApp: "com.apple.dmd",
        installedFrom: "mdm",
        metadataSource: "backup-applications",
      },
      { bundleId: "com.example.broken", installedFrom: "unknown", metadataSource: "backup-applications" },
      { bundleId: "com.example.listed", installedFrom: "unknown", metadataSource: "backup-installed-list" },
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^CORRUPT: iTunesMetadata of com\.example\.broken could not be decoded/);
    // A bad blob inside a readable Info.plist costs one app its metadata: a warning, not an unread file.
    expect(status.status).toBe("found");
    expect(applicationsArtifact.observables(records[0]!)).toEqual([
      { kind: "app-id", value: "net.whatsapp.WhatsApp", field: "bundleId" },
      { kind: "process", value: "net.whatsapp.WhatsApp", field: "bundleId" },
    ]);
    expect(applicationsArtifact.events(records[0]!)).toEqual([
      {
        at: "2020-03-21T21:54:19.000Z",
        event: "app_purchased",
        description: "WhatsApp Messenger (net.whatsapp.WhatsApp) purchased",
      },
    ]);
  });

  it("reads a dump's bundle containers, falling back to the app's Info.plist", async () => {
    const created = "2022-02-02T02:02:02.000Z";
    const source = memorySource({
      [`${BUNDLES}/AAAA`]: [{ dir: true }, { birthAt: created }],
      [`${BUNDLES}/AAAA/iTunesMetadata.plist`]: {
        plist: {
          softwareVersionBundleId: "com.toyopagroup.picaboo",
          itemName: "Snapchat",
          "com.apple.iTunesStore.downloadInfo": { purchaseDate: new Date("2021-01-01T00:00:00Z") },
          sourceApp: "com.apple.AppStore.ProductPageExtension",
        },
      },
      [`${BUNDLES}/AAAA/Snapchat.app/Info.plist`]: { plist: { CFBundleIdentifier: "ignored" } },
      [`${BUNDLES}/BBBB/Sideloaded.app/Info.plist`]: {
        plist: {
          CFBundleIdentifier: "com.evil.agent",
          CFBundleName: "Agent",
          CFBundleShortVersionString: "1.0",
        },
      },
      [`${BUNDLES}/BBBB/BundleMetadata.plist`]: {
        plist: buildKeyedArchive({
          $class: "MIBundleMetadata",
          fields: { installDate: { $class: "NSDate", fields: { "NS.time": 700000000 } }, installType: 1 },
        }),
      },
      [`${BUNDLES}/CCCC/iTunesMetadata.plist`]: Buffer.from("not a plist"),
      [`${BUNDLES}/EEEE/BundleMetadata.plist`]: { plist: { installDate: 700000100 } },
      [`${BUNDLES}/FFFF/BundleMetadata.plist`]: {
        plist: { $archiver: "NSKeyedArchiver", $objects: [], $top: 1 },
      },
      [`${BUNDLES}/DDDD/empty.txt`]: Buffer.from(""),
    });
    const { records, status, warnings } = await run(source);
    expect(records).toEqual([
      {
        bundleId: "com.toyopagroup.picaboo",
        name: "Snapchat",
        sourceApp: "com.apple.AppStore.ProductPageExtension",
        purchasedAt: "2021-01-01T00:00:00.000Z",
        installedFrom: "app-store",
        metadataSource: "itunes-metadata",
        container: `${BUNDLES}/AAAA`,
        containerCreatedAt: created,
      },
      {
        bundleId: "com.evil.agent",
        name: "Agent",
        version: "1.0",
        installedFrom: "unknown",
        metadataSource: "bundle-info",
        container: `${BUNDLES}/BBBB`,
        installedAt: "2023-03-08T20:26:40.000Z",
        installType: 1,
      },
    ]);
    // Two metadata files could not be used: what they held is lost, so the artifact is partial.
    expect(status.status).toBe("partial");
    expect(status.files).toEqual([
      `${BUNDLES}/CCCC/iTunesMetadata.plist`,
      `${BUNDLES}/FFFF/BundleMetadata.plist`,
    ]);
    expect(warnings).toEqual([
      expect.stringMatching(/^CORRUPT: iTunesMetadata\.plist could not be decoded/),
      "OTHER: app container names no app (no iTunesMetadata or Info.plist)",
      "CORRUPT: BundleMetadata.plist: NSKeyedArchiver archive has no $top dictionary",
    ]);
    expect(applicationsArtifact.events(records[1]!)).toEqual([
      {
        at: "2023-03-08T20:26:40.000Z",
        event: "app_installed",
        description: "Agent (com.evil.agent) installed",
      },
    ]);
    expect(applicationsArtifact.events(records[0]!).map((e) => e.event)).toEqual([
      "app_purchased",
      "app_container_created",
    ]);
  });

  it("lists the development backup's installed app", async () => {
    const dir = corpusPath("backups", "dev-ios16-plain");
    if (dir === undefined) return;
    const backup = await openIosBackup(dir);
    try {
      const { records, warnings } = await run(backup);
      expect(warnings).toEqual([]);
      expect(records).toEqual([
        { bundleId: "com.example.notes", installedFrom: "unknown", metadataSource: "backup-installed-list" },
      ]);
    } finally {
      await backup.close();
    }
  });
});
