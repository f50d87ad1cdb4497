/** Every artifact definition, in the order they run: one line per artifact. */
import type { ArtifactDefinition } from "./define.js";
import { applicationsArtifact } from "./ios/applications.js";
import { backupInfoArtifact } from "./ios/backup-info.js";
import { cacheFilesArtifact } from "./ios/cache-files.js";
import { calendarArtifact } from "./ios/calendar.js";
import { callsArtifact } from "./ios/calls.js";
import { chromeFaviconsArtifact } from "./ios/chrome-favicons.js";
import { chromeHistoryArtifact } from "./ios/chrome-history.js";
import { configurationProfilesArtifact } from "./ios/configuration-profiles.js";
import { contactsArtifact } from "./ios/contacts.js";
import { dataUsageArtifact } from "./ios/datausage.js";
import { fileListingArtifact } from "./ios/file-listing.js";
import { firefoxFaviconsArtifact } from "./ios/firefox-favicons.js";
import { firefoxHistoryArtifact } from "./ios/firefox-history.js";
import { globalPreferencesArtifact } from "./ios/global-preferences.js";
import { idStatusCacheArtifact } from "./ios/idstatuscache.js";
import { interactionCArtifact } from "./ios/interactionc.js";
import { keychainAnalyticsArtifact } from "./ios/keychain-analytics.js";
import { locationdClientsArtifact } from "./ios/locationd-clients.js";
import { netUsageArtifact } from "./ios/netusage.js";
import { osVersionHistoryArtifact } from "./ios/os-version-history.js";
import { osAnalyticsAdDailyArtifact } from "./ios/osanalytics-addaily.js";
import { preferenceFilesArtifact } from "./ios/preference-files.js";
import { profileEventsArtifact } from "./ios/profile-events.js";
import { safariBrowserStateArtifact } from "./ios/safari-browser-state.js";
import { safariFaviconsArtifact } from "./ios/safari-favicons.js";
import { safariHistoryArtifact } from "./ios/safari-history.js";
import { safariHistoryTombstonesArtifact } from "./ios/safari-history-tombstones.js";
import { shortcutsArtifact } from "./ios/shortcuts.js";
import { smsArtifact } from "./ios/sms.js";
import { smsAttachmentsArtifact } from "./ios/sms-attachments.js";
import { tccArtifact } from "./ios/tcc.js";
import { webkitResourceLoadStatisticsArtifact } from "./ios/webkit-resource-load-statistics.js";
import { webkitSessionResourceLogArtifact } from "./ios/webkit-session-resource-log.js";
import { webkitStorageOriginsArtifact } from "./ios/webkit-storage-origins.js";
import { webkitWebsiteDataArtifact } from "./ios/webkit-website-data.js";
import { whatsappChatSessionsArtifact } from "./ios/whatsapp-chat-sessions.js";
import { whatsappContactsArtifact } from "./ios/whatsapp-contacts.js";
import { whatsappLidPairsArtifact } from "./ios/whatsapp-lid-pairs.js";
import { whatsappMessagesArtifact } from "./ios/whatsapp-messages.js";

export const ARTIFACTS: ArtifactDefinition[] = [
  safariHistoryArtifact,
  safariHistoryTombstonesArtifact,
  cacheFilesArtifact,
  safariBrowserStateArtifact,
  webkitResourceLoadStatisticsArtifact,
  webkitSessionResourceLogArtifact,
  webkitWebsiteDataArtifact,
  webkitStorageOriginsArtifact,
  chromeHistoryArtifact,
  chromeFaviconsArtifact,
  firefoxHistoryArtifact,
  firefoxFaviconsArtifact,
  safariFaviconsArtifact,
  dataUsageArtifact,
  netUsageArtifact,
  osAnalyticsAdDailyArtifact,
  locationdClientsArtifact,
  smsArtifact,
  preferenceFilesArtifact,
  fileListingArtifact,
  smsAttachmentsArtifact,
  idStatusCacheArtifact,
  whatsappMessagesArtifact,
  tccArtifact,
  whatsappContactsArtifact,
  whatsappChatSessionsArtifact,
  whatsappLidPairsArtifact,
  configurationProfilesArtifact,
  profileEventsArtifact,
  calendarArtifact,
  applicationsArtifact,
  interactionCArtifact,
  globalPreferencesArtifact,
  backupInfoArtifact,
  callsArtifact,
  osVersionHistoryArtifact,
  contactsArtifact,
  keychainAnalyticsArtifact,
  shortcutsArtifact,
];
