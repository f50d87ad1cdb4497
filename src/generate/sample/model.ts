/**
 * The in-memory picture of a sample device before it becomes databases, plists and backup entries.
 * Noise fills it first; the traces of a profile then add rows and move a few file times.
 * All times are milliseconds since 1970 (UTC).
 */

import type { PlistDict } from "../../formats/plist-value.js";
import type { BackupApplicationSpec, BackupEntrySpec } from "../backup-writer.js";

/** One ZLIVEUSAGE row. */
export interface LiveUsageRow {
  at: number;
  wifiIn: number;
  wifiOut: number;
  wwanIn: number;
  wwanOut: number;
}

/** One ZPROCESS row with its live-usage rows. */
export interface ProcessRow {
  name: string;
  bundle?: string;
  firstAt: number;
  lastAt: number;
  live: LiveUsageRow[];
}

/** One entry of `netUsageBaseline` in com.apple.osanalytics.addaily.plist. */
export interface BaselineEntry {
  at: number;
  wifiIn: number;
  wifiOut: number;
  wwanIn: number;
  wwanOut: number;
}

/** One sms.db handle (the other party: phone number or Apple ID). */
export interface HandleRow {
  id: string;
  service: "iMessage" | "SMS";
  country: string;
}

/** One sms.db message. */
export interface MessageRow {
  guid: string;
  /** 1-based index into `handles`. */
  handle: number;
  service: "iMessage" | "SMS";
  text: string;
  at: number;
  readAt?: number;
  fromMe: boolean;
  /** Indexes into `attachments`. */
  attachments: number[];
}

/** A file kept in MediaDomain for an attachment. */
export interface AttachmentFile {
  /** `xx/yy/GUID/name` below Library/SMS/Attachments. */
  path: string;
  size: number;
}

/** One sms.db attachment row (the file may be gone). */
export interface AttachmentRow {
  guid: string;
  createdAt: number;
  /** As stored: `~/Library/SMS/Attachments/…` or an absolute path. */
  filename: string;
  uti: string;
  mimeType: string;
  transferName: string;
  totalBytes: number;
  outgoing: boolean;
  hidden?: boolean;
  /** The payload, when the attachment file is still on the device. */
  file?: AttachmentFile;
}

/** One Safari history_items row. */
export interface HistoryItem {
  url: string;
  title: string;
}

/** One Safari history_visits row. */
export interface HistoryVisit {
  /** Index into `historyItems`. */
  item: number;
  at: number;
  title: string;
  /** Indexes into `historyVisits`. */
  redirectSource?: number;
  redirectDestination?: number;
}

/** Birth, modification and status-change times of a file or folder. */
export interface FileTimes {
  birth: number;
  modified: number;
  changed: number;
}

/** One client of locationd's clients.plist. */
export interface LocationClient {
  bundleId?: string;
  bundlePath?: string;
  executable?: string;
  authorization?: number;
  /** Cocoa-seconds fields by name (LocationTimeStopped…), as times in ms. */
  times: Record<string, number>;
}

/** One identity-services lookup (idstatuscache.plist). */
export interface IdLookup {
  service: string;
  user: string;
  at: number;
  status: number;
}

/** One Calendar.sqlitedb item with its organizer and attendees. */
export interface CalendarEvent {
  uuid: string;
  summary: string;
  description?: string;
  startAt: number;
  endAt: number;
  createdAt: number;
  modifiedAt: number;
  organizer?: string;
  attendees: string[];
  hidden?: boolean;
}

/** One TCC.db access row (schema v3). */
export interface TccRow {
  service: string;
  client: string;
  clientType: 0 | 1;
  authValue: 0 | 2 | 3;
  authReason: number;
  at: number;
}

/** One address-book person with phone numbers (property 3) and e-mails (property 4). */
export interface ContactRow {
  first: string;
  last: string;
  organization?: string;
  values: Array<{ property: 3 | 4; value: string }>;
  createdAt: number;
  modifiedAt: number;
}

/** Everything a sample device is built from. */
export interface SampleModel {
  processes: ProcessRow[];
  baseline: Map<string, BaselineEntry>;
  handles: HandleRow[];
  contacts: ContactRow[];
  messages: MessageRow[];
  attachments: AttachmentRow[];
  /** Times of the SMS attachment folders `xx` and `xx/yy` (relative to Library/SMS/Attachments). */
  attachmentDirs: Map<string, FileTimes>;
  historyItems: HistoryItem[];
  historyVisits: HistoryVisit[];
  locationClients: Map<string, LocationClient>;
  idLookups: IdLookup[];
  calendar: CalendarEvent[];
  tcc: TccRow[];
  globalPreferences: PlistDict;
  /** Times of the watched preference files, keyed "domain-relativePath". */
  watchedFiles: Map<string, FileTimes>;
  /** Installed apps (Info.plist Applications with iTunesMetadata). */
  applications: Record<string, BackupApplicationSpec>;
  /** Configuration-profile installs and removals (MCProfileEvents.plist; written only when there are some). */
  profileEvents: Array<{ profileId: string; at: number; operation: "install" | "remove"; process: string }>;
  /** Further entries added as they are (trace files, configuration profiles). */
  extraEntries: BackupEntrySpec[];
}
