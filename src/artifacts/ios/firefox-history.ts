/** Firefox for iOS history: `visits` joined to `history` in the profile's browser.db. */
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asBoolean, asInteger, cappedText, compact, fromUnixAnyUnit, webLocation } from "./_shared/web.js";

/** Firefox visit types (shared with desktop Places). */
const VISIT_TYPES: Record<number, string> = {
  1: "link",
  2: "typed",
  3: "bookmark",
  4: "embed",
  5: "redirect_permanent",
  6: "redirect_temporary",
  7: "download",
  8: "framed_link",
  9: "reload",
};

/** One Firefox visit. */
export interface FirefoxHistoryRecord {
  /** `visits.id`. */
  rowId: number;
  /** `history.id`. */
  siteId: number;
  url: string;
  title?: string;
  /** `visits.date` (microseconds since 1970). */
  visitedAt?: string;
  visitType?: number;
  /** Its name (`link`, `typed`, `redirect_temporary`, …). */
  visitTypeName?: string;
  /** False for visits synced from another device. */
  isLocal?: boolean;
  container?: string;
  truncated?: string[];
}

interface VisitRow {
  id: unknown;
  siteId: unknown;
  url: unknown;
  title: unknown;
  date: unknown;
  type: unknown;
  local: unknown;
}

function visitQuery(db: SqliteDatabase): string {
  const tables = tableColumns(db);
  const visits = tables.get("visits") ?? new Set<string>();
  const history = tables.get("history") ?? new Set<string>();
  return `SELECT v.id AS id, h.id AS siteId, h.url AS url, ${history.has("title") ? "h.title" : "NULL"} AS title,
      v.date AS date, ${visits.has("type") ? "v.type" : "NULL"} AS type,
      ${visits.has("is_local") ? "v.is_local" : "NULL"} AS local
    FROM visits v JOIN history h ON h.id = v.siteID ORDER BY v.id`;
}

/** Yields one record per visit of a Firefox browser.db. */
export function* parseFirefoxHistory(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<FirefoxHistoryRecord> {
  const { container } = webLocation(context.file.path);
  for (const row of db.prepare(visitQuery(db)).iterate() as IterableIterator<VisitRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const siteId = asInteger(row.siteId);
    const url = cappedText(row.url, "url", truncated);
    // Deleted history rows keep their id but lose the URL.
    if (rowId === undefined || siteId === undefined || url === undefined) continue;
    const visitType = asInteger(row.type);
    yield compact<FirefoxHistoryRecord>({
      rowId,
      siteId,
      url,
      title: cappedText(row.title, "title", truncated),
      visitedAt: fromUnixAnyUnit(row.date),
      visitType,
      visitTypeName: visitType === undefined ? undefined : VISIT_TYPES[visitType],
      isLocal: asBoolean(row.local),
      container,
      truncated,
    });
  }
}

/** Where Firefox for iOS keeps its profile database. */
export const FIREFOX_BROWSER_DB_PATHS = [
  // Backups: AppDomainGroup-group.org.mozilla.ios.Firefox / profile.profile/browser.db (fileID 2e57c396…).
  "/private/var/mobile/Containers/Shared/AppGroup/*/profile.profile/browser.db",
  // The path MVT's file-system module looks at.
  "/private/var/mobile/profile.profile/browser.db",
] as const;

/** ios/firefox-history: every visit recorded by Firefox for iOS. */
export const firefoxHistoryArtifact = defineArtifact<FirefoxHistoryRecord>({
  id: "ios/firefox-history",
  title: "Firefox history",
  description:
    "Pages visited in Firefox for iOS, with visit types that mark redirects; exploit links opened in Firefox leave visits here.",
  sources: ["ios-backup", "fs-dump"],
  paths: FIREFOX_BROWSER_DB_PATHS,
  iosVersions: "iOS 12–18 (Firefox 10+)",
  input: {
    kind: "sqlite",
    schema: { history: ["id", "url"], visits: ["id", "siteID", "date"] },
    parse: parseFirefoxHistory,
  },
  observables: (record) => [{ kind: "url", value: record.url, field: "url" }],
  events: (record) =>
    record.visitedAt === undefined
      ? []
      : [{ at: record.visitedAt, event: "firefox_visit", description: `Firefox visited ${record.url}` }],
});
