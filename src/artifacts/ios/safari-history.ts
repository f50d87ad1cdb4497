/** Safari browsing history: History.db `history_visits` joined to `history_items`, with redirects resolved. */
import { fromCocoaSeconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asBoolean, asInteger, cappedText, compact, webLocation } from "./_shared/web.js";

/** The other end of a redirect, resolved within the same History.db. */
export interface SafariRedirectEnd {
  visitId: number;
  url?: string;
  visitedAt?: string;
}

/** One visit of Safari history. */
export interface SafariHistoryRecord {
  /** `history_visits.id`. */
  rowId: number;
  /** `history_items.id`. */
  itemId: number;
  url: string;
  title?: string;
  visitedAt?: string;
  loadSuccessful?: boolean;
  httpNonGet?: boolean;
  redirectSourceId?: number;
  redirectDestinationId?: number;
  /** The visit that redirected here (for the "http:// redirected to another domain within 1 s" heuristic). */
  redirectSource?: SafariRedirectEnd;
  /** The visit this one redirected to. */
  redirectDestination?: SafariRedirectEnd;
  /** Safari profile folder (iOS 17+), absent for the default profile. */
  profile?: string;
  /** App container holding this History.db, when not the system Safari one. */
  container?: string;
  /** Fields cut at 64 KiB. */
  truncated?: string[];
}

interface VisitRow {
  id: unknown;
  item: unknown;
  url: unknown;
  time: unknown;
  title: unknown;
  loadSuccessful: unknown;
  httpNonGet: unknown;
  sourceId: unknown;
  destinationId: unknown;
  sourceUrl: unknown;
  sourceTime: unknown;
  destinationUrl: unknown;
  destinationTime: unknown;
}

function visitQuery(db: SqliteDatabase): string {
  const visits = tableColumns(db).get("history_visits") ?? new Set<string>();
  const optional = (column: string, alias: string, table = "v"): string =>
    visits.has(column) ? `${table}.${column} AS ${alias}` : `NULL AS ${alias}`;
  const redirects = visits.has("redirect_source") && visits.has("redirect_destination");
  return `SELECT v.id AS id, v.history_item AS item, i.url AS url, v.visit_time AS time,
      ${optional("title", "title")}, ${optional("load_successful", "loadSuccessful")},
      ${optional("http_non_get", "httpNonGet")},
      ${redirects ? "v.redirect_source" : "NULL"} AS sourceId,
      ${redirects ? "v.redirect_destination" : "NULL"} AS destinationId,
      ${redirects ? "si.url" : "NULL"} AS sourceUrl, ${redirects ? "sv.visit_time" : "NULL"} AS sourceTime,
      ${redirects ? "di.url" : "NULL"} AS destinationUrl, ${redirects ? "dv.visit_time" : "NULL"} AS destinationTime
    FROM history_visits v JOIN history_items i ON i.id = v.history_item
    ${
      redirects
        ? `LEFT JOIN history_visits sv ON sv.id = v.redirect_source
    LEFT JOIN history_items si ON si.id = sv.history_item
    LEFT JOIN history_visits dv ON dv.id = v.redirect_destination
    LEFT JOIN history_items di ON di.id = dv.history_item`
        : ""
    }
    ORDER BY v.id`;
}

function redirectEnd(
  id: number | undefined,
  url: unknown,
  time: unknown,
  field: string,
  truncated: string[],
): SafariRedirectEnd | undefined {
  if (id === undefined) return undefined;
  return compact<SafariRedirectEnd>({
    visitId: id,
    url: cappedText(url, `${field}.url`, truncated),
    visitedAt: fromCocoaSeconds(time),
  });
}

/** Yields one record per visit of a History.db. */
export function* parseSafariHistory(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<SafariHistoryRecord> {
  const location = webLocation(context.file.path);
  let skipped = 0;
  for (const row of db.prepare(visitQuery(db)).iterate() as IterableIterator<VisitRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const itemId = asInteger(row.item);
    const url = cappedText(row.url, "url", truncated);
    if (rowId === undefined || itemId === undefined || url === undefined) {
      skipped += 1;
      continue;
    }
    const redirectSourceId = asInteger(row.sourceId);
    const redirectDestinationId = asInteger(row.destinationId);
    yield compact<SafariHistoryRecord>({
      rowId,
      itemId,
      url,
      title: cappedText(row.title, "title", truncated),
      visitedAt: fromCocoaSeconds(row.time),
      loadSuccessful: asBoolean(row.loadSuccessful),
      httpNonGet: asBoolean(row.httpNonGet),
      redirectSourceId,
      redirectDestinationId,
      redirectSource: redirectEnd(
        redirectSourceId,
        row.sourceUrl,
        row.sourceTime,
        "redirectSource",
        truncated,
      ),
      redirectDestination: redirectEnd(
        redirectDestinationId,
        row.destinationUrl,
        row.destinationTime,
        "redirectDestination",
        truncated,
      ),
      profile: location.profile,
      container: location.container,
      truncated,
    });
  }
  if (skipped > 0) {
    context.warn({
      code: "CORRUPT",
      message: `${skipped} visit rows without an id or URL were skipped`,
      count: skipped,
    });
  }
}

/** Where Safari keeps History.db: the default profile, iOS 17 profiles, and apps embedding the store. */
export const SAFARI_HISTORY_PATHS = [
  "/private/var/mobile/Library/Safari/History.db",
  "/private/var/mobile/Library/Safari/Profiles/*/History.db",
  "/private/var/mobile/Containers/Data/Application/*/Library/Safari/History.db",
  "/private/var/mobile/Containers/Data/Application/*/Library/Safari/Profiles/*/History.db",
] as const;

/** ios/safari-history: every Safari visit, with the redirect chain needed by the HTTP-redirect heuristic. */
export const safariHistoryArtifact = defineArtifact<SafariHistoryRecord>({
  id: "ios/safari-history",
  title: "Safari history",
  description:
    "Pages visited in Safari (and apps embedding its history store); exploit links and network-injection redirects leave visits here.",
  sources: ["ios-backup", "fs-dump"],
  paths: SAFARI_HISTORY_PATHS,
  iosVersions: "iOS 9–18",
  input: {
    kind: "sqlite",
    schema: { history_items: ["id", "url"], history_visits: ["id", "history_item", "visit_time"] },
    parse: parseSafariHistory,
  },
  observables: (record) => [{ kind: "url", value: record.url, field: "url" }],
  events: (record) =>
    record.visitedAt === undefined
      ? []
      : [
          {
            at: record.visitedAt,
            event: "safari_visit",
            description:
              record.redirectSource?.url === undefined
                ? `Safari visited ${record.url}`
                : `Safari visited ${record.url} (redirected from ${record.redirectSource.url})`,
          },
        ],
});
