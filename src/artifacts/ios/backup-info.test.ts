import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import type { EvidenceSource } from "../../readers/types.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type BackupInfoRecord, backupInfoArtifact, IPHONE_MODELS, iphoneModelName } from "./backup-info.js";

async function run(source: EvidenceSource) {
  const records: BackupInfoRecord[] = [];
  const status = await runArtifact(source, backupInfoArtifact, (r) =>
    records.push(r.data as BackupInfoRecord),
  );
  return { records, status };
}

describe("ios/backup-info", () => {
  it("reads Info.plist facts and copes with wrong types", async () => {
    const { records } = await run(
      memorySource(
        {},
        {
          kind: "ios-backup",
          backupPlists: {
            info: {
              "Device Name": "Phone",
              "Product Version": "15.3.1",
              "Build Version": 19,
              IMEI: null,
              "Last Backup Date": "not a date",
              "Installed Applications": "nope",
            },
            manifest: { IsEncrypted: true },
          },
        },
      ),
    );
    expect(records).toEqual([
      { deviceName: "Phone", productVersion: "15.3.1", buildVersion: "19", encrypted: true },
    ]);
    expect(backupInfoArtifact.events(records[0]!)).toEqual([]);
  });

  it("lists the installed applications and names the model", async () => {
    const installed = ["com.example.a", 7, "", "x".repeat(2000), "com.example.b"];
    const { records } = await run(
      memorySource(
        {},
        {
          kind: "ios-backup",
          backupPlists: {
            info: { "Product Type": "iPhone15,2", "Installed Applications": installed },
          },
        },
      ),
    );
    expect(records).toEqual([
      {
        productType: "iPhone15,2",
        modelName: "iPhone 14 Pro",
        installedApplications: 5,
        installedApplicationIds: ["com.example.a", "x".repeat(1024), "com.example.b"],
        truncated: ["installedApplicationIds"],
      },
    ]);
    const many = Array.from({ length: 6000 }, (_, i) => `com.example.app${i}`);
    const big = await run(
      memorySource(
        {},
        {
          kind: "ios-backup",
          backupPlists: { info: { "Product Type": "iPhone99,9", "Installed Applications": many } },
        },
      ),
    );
    expect(big.records[0]?.installedApplications).toBe(6000);
    expect(big.records[0]?.installedApplicationIds).toHaveLength(5000);
    expect(big.records[0]?.truncated).toEqual(["installedApplicationIds"]);
    expect(big.records[0]?.modelName).toBeUndefined();
  });

  it("names iPhone 8 through iPhone 16 and nothing it does not know", () => {
    expect(iphoneModelName("iPhone10,1")).toBe("iPhone 8");
    expect(iphoneModelName("iPhone10,6")).toBe("iPhone X");
    expect(iphoneModelName("iPhone12,8")).toBe("iPhone SE (2nd generation)");
    expect(iphoneModelName("iPhone14,6")).toBe("iPhone SE (3rd generation)");
    expect(iphoneModelName("iPhone16,2")).toBe("iPhone 15 Pro Max");
    expect(iphoneModelName("iPhone17,3")).toBe("iPhone 16");
    expect(iphoneModelName("iPhone9,1")).toBeUndefined();
    expect(iphoneModelName("constructor")).toBeUndefined();
    expect(iphoneModelName(undefined)).toBeUndefined();
    const families = new Set(Object.keys(IPHONE_MODELS).map((id) => id.split(",")[0]));
    expect([...families].sort()).toEqual([
      "iPhone10",
      "iPhone11",
      "iPhone12",
      "iPhone13",
      "iPhone14",
      "iPhone15",
      "iPhone16",
      "iPhone17",
    ]);
  });

  it("gives nothing for a dump or a backup without Info.plist", async () => {
    expect((await run(memorySource({}))).status.status).toBe("not_applicable");
    expect((await run(memorySource({}, { kind: "ios-backup" }))).records).toEqual([]);
  });

  it("reads the development backup", async () => {
    const dir = corpusPath("backups", "dev-ios16-plain");
    if (dir === undefined) return;
    const backup = await openIosBackup(dir);
    try {
      const { records, status } = await run(backup);
      expect(status.warnings).toEqual([]);
      expect(records).toEqual([
        {
          deviceName: "Spyglass Dev iPhone",
          displayName: "Spyglass Dev iPhone",
          productName: "iPhone 12",
          productType: "iPhone13,2",
          productVersion: "16.6",
          buildVersion: "20G75",
          udid: "00008101-000A1B2C3D4E001E",
          targetIdentifier: "00008101-000A1B2C3D4E001E",
          serialNumber: "DX0TESTDEV12",
          imei: "350000000000014",
          iccid: "8944000000000000001",
          phoneNumber: "+44 7700 900654",
          guid: "001BBA06F152BB198D5DC8CF40ECBCB7",
          itunesVersion: "12.12.7.1",
          lastBackupAt: "2023-08-20T09:15:00.000Z",
          encrypted: false,
          installedApplications: 1,
          installedApplicationIds: ["com.example.notes"],
          modelName: "iPhone 12",
        },
      ]);
      expect(backupInfoArtifact.events(records[0]!)).toEqual([
        {
          at: "2023-08-20T09:15:00.000Z",
          event: "backup_made",
          description: "Backup of Spyglass Dev iPhone (iOS 16.6) made",
        },
      ]);
    } finally {
      await backup.close();
    }
  });
});
