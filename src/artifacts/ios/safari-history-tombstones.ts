/** Safari history deletions: `history_tombstones` of History.db, the ranges and URLs removed from history. */
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asInteger, asNumber, cappedText, compact, webLocation } from "./_shared/web.js";
import { SAFARI_HISTORY_PATHS } from "./safari-history.js";

/** One deletion recorded by Safari (kept so iCloud sync can replay it). */
export interface SafariHistoryTombstoneRecord {
  /** `history_tombstones.id`. */
  rowId: number;
  /** Start of the deleted time range. */
  startAt?: string;
  /** End of the deleted time range: for "clear history" ranges, the moment the user cleared it. */
  endAt?: string;
  /** True when the range starts at Apple's "distant past", i.e. all history up to `endAt` was cleared. */
  clearedAll?: boolean;
  /** The URL deleted, when a single page was removed rather than a time range. */
  url?: string;
  profile?: string;
  container?: string;
  truncated?: string[];
}

interface TombstoneRow {
  id: unknown;
  start: unknown;
  end: unknown;
  url: unknown;
}

/** Yields one record per tombstone of a History.db. */
export function* parseSafariHistoryTombstones(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<SafariHistoryTombstoneRecord> {
  const { profile, container } = webLocation(context.file.path);
  const columns = tableColumns(db).get("history_tombstones") ?? new Set<string>();
  const sql = `SELECT id, start_time AS start, end_time AS end, ${columns.has("url") ? "url" : "NULL"} AS url
    FROM history_tombstones ORDER BY id`;
  for (const row of db.prepare(sql).iterate() as IterableIterator<TombstoneRow>) {
    const rowId = asInteger(row.id);
    if (rowId === undefined) continue;
    const truncated: string[] = [];
    const url = cappedText(row.url, "url", truncated);
    yield compact<SafariHistoryTombstoneRecord>({
      rowId,
      startAt: fromCocoaSeconds(row.start),
      endAt: fromCocoaSeconds(row.end),
      // NSDate.distantPast (year 1) is -63114076800 in Cocoa seconds.
      clearedAll: (asNumber(row.start) ?? 0) < -60_000_000_000 || undefined,
      url: url === "" ? undefined : url,
      profile,
      container,
      truncated,
    });
  }
}

/** ios/safari-history-tombstones: what was deleted from Safari history, and which time ranges. */
export const safariHistoryTombstonesArtifact = defineArtifact<SafariHistoryTombstoneRecord>({
  id: "ios/safari-history-tombstones",
  title: "Safari history deletions",
  description:
    "Time ranges and URLs deleted from Safari history; explains missing visits and can show a cleanup right after an exploit page was opened.",
  sources: ["ios-backup", "fs-dump"],
  paths: SAFARI_HISTORY_PATHS,
  iosVersions: "iOS 9–18",
  input: {
    kind: "sqlite",
    schema: { history_tombstones: ["id", "start_time", "end_time"] },
    parse: parseSafariHistoryTombstones,
  },
  observables: (record) => {
    const found: Observable[] = [];
    if (record.url !== undefined) found.push({ kind: "url", value: record.url, field: "url" });
    return found;
  },
  events: (record) => {
    const what =
      record.url === undefined ? "Safari history deleted" : `Safari history of ${record.url} deleted`;
    const range = record.clearedAll
      ? "(all history until then)"
      : `from ${record.startAt ?? "an unknown time"} to ${record.endAt ?? "an unknown time"}`;
    // The end of a cleared range is when the user cleared it; a range without an end is placed at its start.
    const at = record.endAt ?? record.startAt;
    return at === undefined ? [] : [{ at, event: "safari_history_deleted", description: `${what} ${range}` }];
  },
});
