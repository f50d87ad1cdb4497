/** Chrome for iOS history: `visits` joined to `urls` of the profile's History database, with redirect sources resolved. */
import { fromWebkitMicroseconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asInteger, cappedText, compact, webLocation } from "./_shared/web.js";

/** Chrome's core page-transition types (the low byte of `visits.transition`). */
const TRANSITIONS = [
  "link",
  "typed",
  "auto_bookmark",
  "auto_subframe",
  "manual_subframe",
  "generated",
  "auto_toplevel",
  "form_submit",
  "reload",
  "keyword",
  "keyword_generated",
] as const;

/** One Chrome visit. */
export interface ChromeHistoryRecord {
  /** `visits.id`. */
  rowId: number;
  /** `urls.id`. */
  urlId: number;
  url: string;
  title?: string;
  visitedAt?: string;
  /** `visits.transition` as stored. */
  transition?: number;
  /** Its core type (`link`, `typed`, …). */
  transitionType?: string;
  /** Set when the visit was reached through a redirect (transition qualifier bits). */
  redirect?: "server" | "client";
  /** `visits.from_visit`: the visit that led here (referrer or redirect source). */
  fromVisitId?: number;
  /** That visit, resolved within the same database. */
  fromVisit?: { url?: string; visitedAt?: string };
  visitDurationMs?: number;
  /** Chrome profile folder (`Default`). */
  profile?: string;
  container?: string;
  truncated?: string[];
}

interface VisitRow {
  id: unknown;
  urlId: unknown;
  url: unknown;
  title: unknown;
  time: unknown;
  transition: unknown;
  fromVisit: unknown;
  fromUrl: unknown;
  fromTime: unknown;
  duration: unknown;
}

function visitQuery(db: SqliteDatabase): string {
  const tables = tableColumns(db);
  const visits = tables.get("visits") ?? new Set<string>();
  const urls = tables.get("urls") ?? new Set<string>();
  const v = (column: string, alias: string): string =>
    visits.has(column) ? `v.${column} AS ${alias}` : `NULL AS ${alias}`;
  const from = visits.has("from_visit");
  return `SELECT v.id AS id, u.id AS urlId, u.url AS url, ${urls.has("title") ? "u.title" : "NULL"} AS title,
      v.visit_time AS time, ${v("transition", "transition")}, ${v("from_visit", "fromVisit")},
      ${from ? "fu.url" : "NULL"} AS fromUrl, ${from ? "fv.visit_time" : "NULL"} AS fromTime,
      ${v("visit_duration", "duration")}
    FROM visits v JOIN urls u ON u.id = v.url
    ${from ? "LEFT JOIN visits fv ON fv.id = v.from_visit AND v.from_visit != 0 LEFT JOIN urls fu ON fu.id = fv.url" : ""}
    ORDER BY v.id`;
}

/** Yields one record per visit of a Chrome History database. */
export function* parseChromeHistory(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<ChromeHistoryRecord> {
  const { container } = webLocation(context.file.path);
  const profile = /\/Google\/Chrome\/([^/]+)\/History$/.exec(context.file.path)?.[1];
  for (const row of db.prepare(visitQuery(db)).iterate() as IterableIterator<VisitRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const urlId = asInteger(row.urlId);
    const url = cappedText(row.url, "url", truncated);
    if (rowId === undefined || urlId === undefined || url === undefined) continue;
    const transition = asInteger(row.transition);
    // Qualifier bits of the transition: 0x80000000 server redirect, 0x40000000 client redirect.
    const bits = transition === undefined ? 0 : transition >>> 0;
    const fromVisitId = asInteger(row.fromVisit);
    const duration = asInteger(row.duration);
    yield compact<ChromeHistoryRecord>({
      rowId,
      urlId,
      url,
      title: cappedText(row.title, "title", truncated),
      visitedAt: fromWebkitMicroseconds(row.time),
      transition,
      transitionType: transition === undefined ? undefined : TRANSITIONS[bits & 0xff],
      redirect: bits & 0x80000000 ? "server" : bits & 0x40000000 ? "client" : undefined,
      fromVisitId: fromVisitId === 0 ? undefined : fromVisitId,
      fromVisit:
        fromVisitId === undefined || fromVisitId === 0
          ? undefined
          : compact<{ url?: string; visitedAt?: string }>({
              url: cappedText(row.fromUrl, "fromVisit.url", truncated),
              visitedAt: fromWebkitMicroseconds(row.fromTime),
            }),
      visitDurationMs: duration === undefined || duration <= 0 ? undefined : Math.round(duration / 1000),
      profile,
      container,
      truncated,
    });
  }
}

/** ios/chrome-history: every visit recorded by Chrome for iOS. */
export const chromeHistoryArtifact = defineArtifact<ChromeHistoryRecord>({
  id: "ios/chrome-history",
  title: "Chrome history",
  description:
    "Pages visited in Chrome for iOS with the visit each came from; exploit links opened in Chrome leave visits and redirect chains here.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    "/private/var/mobile/Containers/Data/Application/*/Library/Application Support/Google/Chrome/*/History",
  ],
  iosVersions: "iOS 12–18 (Chrome 70+)",
  input: {
    kind: "sqlite",
    schema: { urls: ["id", "url"], visits: ["id", "url", "visit_time"] },
    parse: parseChromeHistory,
  },
  observables: (record) => [{ kind: "url", value: record.url, field: "url" }],
  events: (record) =>
    record.visitedAt === undefined
      ? []
      : [
          {
            at: record.visitedAt,
            event: "chrome_visit",
            description:
              record.fromVisit?.url === undefined
                ? `Chrome visited ${record.url}`
                : `Chrome visited ${record.url} (from ${record.fromVisit.url})`,
          },
        ],
});
