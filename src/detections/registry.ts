/** Every detection, in the order they run: one line per detection. */
import type { Detection } from "./define.js";
import { indicatorHitsDetection } from "./indicators/indicator-hits.js";
import { appNotFromStoreDetection } from "./mvt/app-not-from-store.js";
import { appWithoutBundleIdDetection } from "./mvt/app-without-bundle-id.js";
import { dataUsageGapsDetection } from "./mvt/datausage-gaps.js";
import { dataUsageManipulatedDetection } from "./mvt/datausage-manipulated.js";
import { idStatusCacheNulDetection } from "./mvt/idstatuscache-nul.js";
import { lockdownModeDetection } from "./mvt/lockdown-mode.js";
import { notificationProfileDetection } from "./mvt/notification-profile.js";
import { quadreamCalendarDetection } from "./mvt/quadream-calendar.js";
import { safariHttpRedirectDetection } from "./mvt/safari-http-redirect.js";
import { threatNotificationDetection } from "./mvt/threat-notification.js";
import { tmpAttachmentDetection } from "./mvt/tmp-attachment.js";
import { backupAgentDetection } from "./triangulation/backupagent.js";
import { watchfaceAttachmentDetection } from "./triangulation/exploit-attachment.js";
import { eventWindowDetection } from "./triangulation/heuristic-window.js";
import { imTransferThenBackupAgentDetection } from "./triangulation/imtransfer-backupagent.js";
import { softwareUpdatePlistDetection } from "./triangulation/softwareupdate.js";

export const DETECTIONS: Detection[] = [
  indicatorHitsDetection,
  backupAgentDetection,
  eventWindowDetection,
  watchfaceAttachmentDetection,
  imTransferThenBackupAgentDetection,
  softwareUpdatePlistDetection,
  threatNotificationDetection,
  idStatusCacheNulDetection,
  tmpAttachmentDetection,
  quadreamCalendarDetection,
  dataUsageManipulatedDetection,
  dataUsageGapsDetection,
  safariHttpRedirectDetection,
  appNotFromStoreDetection,
  appWithoutBundleIdDetection,
  notificationProfileDetection,
  lockdownModeDetection,
];
