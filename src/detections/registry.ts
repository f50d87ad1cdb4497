/** Every detection, in the order they run: one line per detection. */
import type { Detection } from "./define.js";
import { indicatorHitsDetection } from "./indicators/indicator-hits.js";
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
];
