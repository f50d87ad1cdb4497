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
  /** Marketing name of `productType` (iPhone15,2 → "iPhone 14 Pro"), for the models in IPHONE_MODELS. */
  modelName?: string;
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
  /** Number of entries in "Installed Applications". */
  installedApplications?: number;
  /** The bundle ids in "Installed Applications", at most MAX_APPLICATIONS, each cut at MAX_BUNDLE_ID. */
  installedApplicationIds?: string[];
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

/** Most bundle ids kept from "Installed Applications" (a phone holds a few hundred apps). */
const MAX_APPLICATIONS = 5000;
const MAX_BUNDLE_ID = 1024;

/**
 * ProductType → marketing name, iPhone 8 (iPhone10,x) to iPhone 16 (iPhone17,x); written from
 * Apple's published identifiers. An identifier not listed stays unnamed rather than guessed.
 */
export const IPHONE_MODELS: Readonly<Record<string, string>> = {
  "iPhone10,1": "iPhone 8",
  "iPhone10,4": "iPhone 8",
  "iPhone10,2": "iPhone 8 Plus",
  "iPhone10,5": "iPhone 8 Plus",
  "iPhone10,3": "iPhone X",
  "iPhone10,6": "iPhone X",
  "iPhone11,2": "iPhone XS",
  "iPhone11,4": "iPhone XS Max",
  "iPhone11,6": "iPhone XS Max",
  "iPhone11,8": "iPhone XR",
  "iPhone12,1": "iPhone 11",
  "iPhone12,3": "iPhone 11 Pro",
  "iPhone12,5": "iPhone 11 Pro Max",
  "iPhone12,8": "iPhone SE (2nd generation)",
  "iPhone13,1": "iPhone 12 mini",
  "iPhone13,2": "iPhone 12",
  "iPhone13,3": "iPhone 12 Pro",
  "iPhone13,4": "iPhone 12 Pro Max",
  "iPhone14,4": "iPhone 13 mini",
  "iPhone14,5": "iPhone 13",
  "iPhone14,2": "iPhone 13 Pro",
  "iPhone14,3": "iPhone 13 Pro Max",
  "iPhone14,6": "iPhone SE (3rd generation)",
  "iPhone14,7": "iPhone 14",
  "iPhone14,8": "iPhone 14 Plus",
  "iPhone15,2": "iPhone 14 Pro",
  "iPhone15,3": "iPhone 14 Pro Max",
  "iPhone15,4": "iPhone 15",
  "iPhone15,5": "iPhone 15 Plus",
  "iPhone16,1": "iPhone 15 Pro",
  "iPhone16,2": "iPhone 15 Pro Max",
  "iPhone17,3": "iPhone 16",
  "iPhone17,4": "iPhone 16 Plus",
  "iPhone17,1": "iPhone 16 Pro",
  "iPhone17,2": "iPhone 16 Pro Max",
  "iPhone17,5": "iPhone 16e",
};

/** The marketing name of a ProductType, when the table knows it. */
export function iphoneModelName(productType: string | undefined): string | undefined {
  return productType !== undefined && Object.hasOwn(IPHONE_MODELS, productType)
    ? IPHONE_MODELS[productType]
    : undefined;
}

/** Builds the record from a decoded Info.plist (and Manifest.plist when known). */
export function backupInfoRecord(info: PlistDict, manifest?: PlistDict): BackupInfoRecord {
  const cap = new TextCap();
  const record: BackupInfoRecord = {};
  for (const [field, key] of TEXT_FIELDS) {
    const text = cap.text(info[key], field);
    if (text !== undefined) (record as Record<string, unknown>)[field] = text;
  }
  assignDefined(record, {
    modelName: iphoneModelName(record.productType),
    lastBackupAt: fromDate(info["Last Backup Date"]),
  });
  const encrypted = manifest?.IsEncrypted;
  if (typeof encrypted === "boolean") record.encrypted = encrypted;
  const installed = info["Installed Applications"];
  if (Array.isArray(installed)) {
    record.installedApplications = installed.length;
    const ids: string[] = [];
    for (const item of installed) {
      if (ids.length >= MAX_APPLICATIONS) break;
      if (typeof item !== "string" || item === "") continue;
      if (item.length > MAX_BUNDLE_ID && !cap.fields.includes("installedApplicationIds"))
        cap.fields.push("installedApplicationIds");
      ids.push(item.slice(0, MAX_BUNDLE_ID));
    }
    if (installed.length > MAX_APPLICATIONS && !cap.fields.includes("installedApplicationIds"))
      cap.fields.push("installedApplicationIds");
    record.installedApplicationIds = ids;
  }
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
