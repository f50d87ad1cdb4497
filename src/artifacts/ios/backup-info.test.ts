import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import type { EvidenceSource } from "../../readers/types.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type BackupInfoRecord, backupInfoArtifact } from "./backup-info.js";

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
