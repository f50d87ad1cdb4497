/** Safari open tabs: BrowserState.db `tabs`, with the back/forward list decoded from each tab's session blob. */

import { isPlistDict, type PlistValue, parsePlist } from "../../formats/plist.js";
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asBoolean, asInteger, cappedText, compact, webLocation } from "./_shared/web.js";

/** One page of a tab's back/forward list. */
export interface SafariSessionEntry {
  url?: string;
  /** The URL first requested, before redirects. */
  originalUrl?: string;
  title?: string;
  /** Size of the opaque WebKit state blob of the entry. */
  dataLength?: number;
}

/** One Safari tab. */
export interface SafariBrowserStateRecord {
  /** `tabs` rowid. */
  rowId: number;
  uuid?: string;
  title?: string;
  url?: string;
  /** The URL shown in the address bar, when it differs from the loaded one. */
  visibleUrl?: string;
  lastViewedAt?: string;
  privateBrowsing?: boolean;
  /** The back/forward list of the tab, oldest first. */
  sessionEntries: SafariSessionEntry[];
  /** Index of the page shown, within `sessionEntries`. */
  sessionCurrentIndex?: number;
  /** Entries beyond the per-tab budget that were not stored. */
  sessionEntriesOmitted?: number;
  profile?: string;
  container?: string;
  truncated?: string[];
}

/** Budgets for the session blob of one tab. */
const SESSION_BUDGET = { maxBytes: 32 * 1024 * 1024, maxValues: 200_000, maxDepth: 32 };
const MAX_SESSION_ENTRIES = 1000;

interface TabRow {
  rowId: unknown;
  uuid: unknown;
  title: unknown;
  url: unknown;
  visibleUrl: unknown;
  lastViewed: unknown;
  private: unknown;
  session: unknown;
}

function tabQuery(db: SqliteDatabase): string {
  const tables = tableColumns(db);
  const tabs = tables.get("tabs") ?? new Set<string>();
  const sessions = tables.get("tab_sessions");
  const optional = (column: string, alias: string): string =>
    tabs.has(column) ? `t.${column} AS ${alias}` : `NULL AS ${alias}`;
  // iOS 12+ keeps the blob in tab_sessions keyed by tab uuid; older versions in tabs.session_data.
  const joined = tabs.has("uuid") && sessions?.has("tab_uuid") === true && sessions.has("session_data");
  const session = joined ? "s.session_data" : tabs.has("session_data") ? "t.session_data" : "NULL";
  return `SELECT t.rowid AS rowId, ${optional("uuid", "uuid")}, t.title AS title, t.url AS url,
      ${optional("user_visible_url", "visibleUrl")}, t.last_viewed_time AS lastViewed,
      ${optional("private_browsing", "private")}, ${session} AS session
    FROM tabs t ${joined ? "LEFT JOIN tab_sessions s ON s.tab_uuid = t.uuid" : ""}
    ORDER BY t.rowid`;
}

/** Finds the binary plist inside a session blob (after its small version header). */
function sessionPlistBytes(blob: Uint8Array): Uint8Array | undefined {
  const head = Buffer.from(blob.subarray(0, 64));
  const at = head.indexOf("bplist");
  return at < 0 ? undefined : blob.subarray(at);
}

function entryOf(value: PlistValue, index: number, truncated: string[]): SafariSessionEntry {
  if (!isPlistDict(value)) return {};
  const field = `sessionEntries[${index}]`;
  const data = value.SessionHistoryEntryData;
  return compact<SafariSessionEntry>({
    url: cappedText(value.SessionHistoryEntryURL, `${field}.url`, truncated),
    originalUrl: cappedText(value.SessionHistoryEntryOriginalURL, `${field}.originalUrl`, truncated),
    title: cappedText(value.SessionHistoryEntryTitle, `${field}.title`, truncated),
    dataLength: data instanceof Uint8Array ? data.length : undefined,
  });
}

/** Decodes the back/forward list of a session blob; throws on a blob that is not a session plist. */
export function decodeSessionData(
  blob: Uint8Array,
  truncated: string[],
): { entries: SafariSessionEntry[]; currentIndex?: number; omitted: number } {
  const bytes = sessionPlistBytes(blob);
  if (bytes === undefined) throw new Error("no binary plist in the session blob");
  const root = parsePlist(bytes, { budget: SESSION_BUDGET });
  const history = isPlistDict(root) ? root.SessionHistory : undefined;
  if (!isPlistDict(history)) return { entries: [], omitted: 0 };
  const list = history.SessionHistoryEntries;
  const all = Array.isArray(list) ? list : [];
  const entries = all.slice(0, MAX_SESSION_ENTRIES).map((entry, i) => entryOf(entry, i, truncated));
  const currentIndex = asInteger(history.SessionHistoryCurrentIndex);
  return {
    entries,
    ...(currentIndex === undefined ? {} : { currentIndex }),
    omitted: all.length - entries.length,
  };
}

/** Yields one record per tab of a BrowserState.db. */
export function* parseSafariBrowserState(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<SafariBrowserStateRecord> {
  const location = webLocation(context.file.path);
  let badSessions = 0;
  let firstProblem = "";
  for (const row of db.prepare(tabQuery(db)).iterate() as IterableIterator<TabRow>) {
    const rowId = asInteger(row.rowId);
    if (rowId === undefined) continue;
    const truncated: string[] = [];
    let session: ReturnType<typeof decodeSessionData> | undefined;
    if (row.session instanceof Uint8Array && row.session.length > 0) {
      try {
        session = decodeSessionData(row.session, truncated);
      } catch (error) {
        badSessions += 1;
        if (firstProblem === "") firstProblem = (error as Error).message;
      }
    }
    const url = cappedText(row.url, "url", truncated);
    const visibleUrl = cappedText(row.visibleUrl, "visibleUrl", truncated);
    yield compact<SafariBrowserStateRecord>({
      rowId,
      uuid: cappedText(row.uuid, "uuid", truncated),
      title: cappedText(row.title, "title", truncated),
      url,
      visibleUrl: visibleUrl === url || visibleUrl === "" ? undefined : visibleUrl,
      lastViewedAt: fromCocoaSeconds(row.lastViewed),
      privateBrowsing: asBoolean(row.private),
      sessionEntries: session?.entries ?? [],
      sessionCurrentIndex: session?.currentIndex,
      sessionEntriesOmitted: session === undefined || session.omitted === 0 ? undefined : session.omitted,
      profile: location.profile,
      container: location.container,
      truncated,
    });
  }
  if (badSessions > 0) {
    context.warn({
      code: "CORRUPT",
      message: `${badSessions} tab session blobs could not be decoded (first: ${firstProblem})`,
      count: badSessions,
    });
  }
}

/** ios/safari-browser-state: Safari's open tabs and each tab's back/forward list. */
export const safariBrowserStateArtifact = defineArtifact<SafariBrowserStateRecord>({
  id: "ios/safari-browser-state",
  title: "Safari open tabs",
  description:
    "Tabs open in Safari and the pages of each tab's back/forward list; keeps exploit-delivery URLs even after history is cleared.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    "/private/var/mobile/Library/Safari/BrowserState.db",
    "/private/var/mobile/Library/Safari/Profiles/*/BrowserState.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Safari/BrowserState.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Safari/Profiles/*/BrowserState.db",
  ],
  iosVersions: "iOS 11–18",
  input: {
    kind: "sqlite",
    schema: { tabs: ["title", "url", "last_viewed_time"] },
    parse: parseSafariBrowserState,
  },
  observables: (record) => {
    const found: Observable[] = [];
    if (record.url !== undefined && record.url !== "")
      found.push({ kind: "url", value: record.url, field: "url" });
    if (record.visibleUrl !== undefined)
      found.push({ kind: "url", value: record.visibleUrl, field: "visibleUrl" });
    record.sessionEntries.forEach((entry, i) => {
      if (entry.url !== undefined && entry.url !== "")
        found.push({ kind: "url", value: entry.url, field: `sessionEntries[${i}].url` });
      if (entry.originalUrl !== undefined && entry.originalUrl !== "" && entry.originalUrl !== entry.url)
        found.push({ kind: "url", value: entry.originalUrl, field: `sessionEntries[${i}].originalUrl` });
    });
    return found;
  },
  events: (record) =>
    record.lastViewedAt === undefined
      ? []
      : [
          {
            at: record.lastViewedAt,
            event: "safari_tab_viewed",
            description: `Safari tab last viewed: ${record.title ?? ""} ${record.url ?? ""}`
              .replace(/\s+/g, " ")
              .trim(),
          },
        ],
});
