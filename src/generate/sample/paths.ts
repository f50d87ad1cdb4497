/** Backup coordinates of the files a sample device carries (domain + relativePath; device paths in comments). */

export interface BackupPath {
  domain: string;
  relativePath: string;
}

/** /private/var/wireless/Library/Databases/DataUsage.sqlite */
export const DATA_USAGE: BackupPath = {
  domain: "WirelessDomain",
  relativePath: "Library/Databases/DataUsage.sqlite",
};
/** /private/var/mobile/Library/SMS/sms.db */
export const SMS_DB: BackupPath = { domain: "HomeDomain", relativePath: "Library/SMS/sms.db" };
/** /private/var/mobile/Library/SMS/Attachments (MediaDomain in backups). */
export const SMS_ATTACHMENTS: BackupPath = { domain: "MediaDomain", relativePath: "Library/SMS/Attachments" };
/** /private/var/mobile/Library/Safari/History.db */
export const SAFARI_HISTORY: BackupPath = { domain: "HomeDomain", relativePath: "Library/Safari/History.db" };
/** /private/var/mobile/Library/Preferences/com.apple.osanalytics.addaily.plist */
export const OSANALYTICS_ADDAILY: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/Preferences/com.apple.osanalytics.addaily.plist",
};
/** /private/var/root/Library/Caches/locationd/clients.plist */
export const LOCATIOND_CLIENTS: BackupPath = {
  domain: "RootDomain",
  relativePath: "Library/Caches/locationd/clients.plist",
};
/** /private/var/mobile/Library/Preferences/com.apple.identityservices.idstatuscache.plist */
export const IDSTATUSCACHE: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/Preferences/com.apple.identityservices.idstatuscache.plist",
};
/** /private/var/mobile/Library/Calendar/Calendar.sqlitedb */
export const CALENDAR: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/Calendar/Calendar.sqlitedb",
};
/** /private/var/mobile/Library/AddressBook/AddressBook.sqlitedb */
export const ADDRESS_BOOK: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/AddressBook/AddressBook.sqlitedb",
};
/** /private/var/mobile/Library/TCC/TCC.db */
export const TCC: BackupPath = { domain: "HomeDomain", relativePath: "Library/TCC/TCC.db" };
/** /private/var/mobile/Library/Preferences/.GlobalPreferences.plist */
export const GLOBAL_PREFERENCES: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/Preferences/.GlobalPreferences.plist",
};

/** The preference files whose changes Triangulation's timeline heuristic watches (kaspersky.md 1.4, 2.4). */
export const IMAGEIO_PLIST: BackupPath = {
  domain: "RootDomain",
  relativePath: "Library/Preferences/com.apple.ImageIO.plist",
};
export const STATUSBAR_PLIST: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/Preferences/com.apple.locationd.StatusBarIconManager.plist",
};
export const FACETIME_PLIST: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/Preferences/com.apple.imservice.ids.FaceTime.plist",
};
/** Changed by the Triangulation implant to block iOS updates (kaspersky.md 2.4). */
export const SOFTWAREUPDATE_PLIST: BackupPath = {
  domain: "HomeDomain",
  relativePath: "Library/Preferences/com.apple.softwareupdateservicesd.plist",
};
export const WATCHED_FILES = [IMAGEIO_PLIST, STATUSBAR_PLIST, FACETIME_PLIST, SOFTWAREUPDATE_PLIST] as const;

/** The domain and folder of installed configuration profiles. */
export const PROFILES_DOMAIN = "SysSharedContainerDomain-systemgroup.com.apple.configurationprofiles";
export const PROFILES_DIR = "Library/ConfigurationProfiles";

/** "domain-relativePath", the key Manifest.db hashes. */
export function pathKey(path: BackupPath): string {
  return `${path.domain}-${path.relativePath}`;
}
