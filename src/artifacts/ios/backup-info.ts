/** A backup's Info.plist: device identity, OS version and when the backup was made (MVT BackupInfo). */
import { isPlistDict, type PlistDict } from "../../formats/plist-value.js";
import { fromDate } from "../../model/time.js";
import type { EvidenceSource } from "../../readers/types.js";
import { defineArtifact } from "../define.js";
import { assignDefined, TextCap } from "./_shared/system.js";

/** The facts of one backup's Info.plist (and Manifest.plist's encryption flag). */
export interface BackupInfoRecord {
  deviceName?: string;
  displayName?: string;
  productName?: string;
  productType?: string;
  productVersion?: string;
  buildVersion?: string;
  udid?: string;
  targetIdentifier?: string;
  serialNumber?: string;
  imei?: string;
  meid?: string;
  iccid?: string;
  phoneNumber?: string;
  guid?: string;
  itunesVersion?: string;
  lastBackupAt?: string;
  /** Manifest.plist IsEncrypted. */
  encrypted?: boolean;
  /** Number of bundle ids in "Installed Applications". */
  installedApplications?: number;
  truncated?: string[];
}

const TEXT_FIELDS: ReadonlyArray<readonly [keyof BackupInfoRecord, string]> = [
  ["deviceName", "Device Name"],
  ["displayName", "Display Name"],
  ["productName", "Product Name"],
  ["productType", "Product Type"],
  ["productVersion", "Product Version"],
  ["buildVersion", "Build Version"],
  ["udid", "Unique Identifier"],
  ["targetIdentifier", "Target Identifier"],
  ["serialNumber", "Serial Number"],
  ["imei", "IMEI"],
  ["meid", "MEID"],
  ["iccid", "ICCID"],
  ["phoneNumber", "Phone Number"],
  ["guid", "GUID"],
  ["itunesVersion", "iTunes Version"],
];

/** Builds the record from a decoded Info.plist (and Manifest.plist when known). */
export function backupInfoRecord(info: PlistDict, manifest?: PlistDict): BackupInfoRecord {
  const cap = new TextCap();
  const record: BackupInfoRecord = {};
  for (const [field, key] of TEXT_FIELDS) {
    const text = cap.text(info[key], field);
    if (text !== undefined) (record as Record<string, unknown>)[field] = text;
  }
  assignDefined(record, { lastBackupAt: fromDate(info["Last Backup Date"]) });
  const encrypted = manifest?.IsEncrypted;
  if (typeof encrypted === "boolean") record.encrypted = encrypted;
  const installed = info["Installed Applications"];
  if (Array.isArray(installed)) record.installedApplications = installed.length;
  cap.finish(record);
  return record;
}

async function collectBackupInfo(source: EvidenceSource): Promise<BackupInfoRecord[]> {
  const info = source.backupPlists?.info;
  if (!isPlistDict(info)) return [];
  return [backupInfoRecord(info, source.backupPlists?.manifest)];
}

/** Device facts of an iOS backup. */
export const backupInfoArtifact = defineArtifact<BackupInfoRecord>({
  id: "ios/backup-info",
  title: "Backup information",
  description:
    "Device name, model, iOS version and build, identifiers and backup date; the iOS version tells which exploits the device was exposed to.",
  sources: ["ios-backup"],
  paths: [],
  iosVersions: "iOS 10–18",
  input: { kind: "source", collect: collectBackupInfo },
  observables() {
    return [];
  },
  events(record) {
    if (record.lastBackupAt === undefined) return [];
    const device = record.deviceName ?? record.udid ?? "device";
    const os = record.productVersion === undefined ? "" : ` (iOS ${record.productVersion})`;
    return [{ at: record.lastBackupAt, event: "backup_made", description: `Backup of ${device}${os} made` }];
  },
});
