/** Chrome for iOS favicon store: `icon_mapping` (page → icon) joined to `favicons` and the newest bitmap times. */
import { fromWebkitMicroseconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asInteger, cappedText, compact, pageAndIconObservables, webLocation } from "./_shared/web.js";

/** One page whose favicon Chrome stored. */
export interface ChromeFaviconRecord {
  /** `icon_mapping.id`. */
  rowId: number;
  /** The page the icon belongs to. */
  url: string;
  iconUrl?: string;
  /** Chrome icon type (1 favicon, 2 touch icon, 4 precomposed touch icon, 8 web manifest icon). */
  iconType?: number;
  /** When the icon was last fetched, or else last used: the best single time for the timeline. */
  at?: string;
  lastUpdatedAt?: string;
  lastRequestedAt?: string;
  profile?: string;
  container?: string;
  truncated?: string[];
}

interface IconRow {
  id: unknown;
  url: unknown;
  iconUrl: unknown;
  iconType: unknown;
  updated: unknown;
  requested: unknown;
}

/** The newest numeric value of a column; text in a time column would otherwise sort above every number. */
function newest(column: string): string {
  return `MAX(CASE WHEN typeof(${column}) IN ('integer', 'real') THEN ${column} END)`;
}

function iconQuery(db: SqliteDatabase): string {
  const tables = tableColumns(db);
  const favicons = tables.get("favicons") ?? new Set<string>();
  const bitmaps = tables.get("favicon_bitmaps");
  const hasBitmaps = bitmaps?.has("icon_id") === true && bitmaps.has("last_updated");
  const requested = hasBitmaps && bitmaps?.has("last_requested") === true;
  return `SELECT m.id AS id, m.page_url AS url, f.url AS iconUrl,
      ${favicons.has("icon_type") ? "f.icon_type" : "NULL"} AS iconType,
      ${hasBitmaps ? "b.updated" : "NULL"} AS updated, ${requested ? "b.requested" : "NULL"} AS requested
    FROM icon_mapping m LEFT JOIN favicons f ON f.id = m.icon_id
    ${
      hasBitmaps
        ? `LEFT JOIN (SELECT icon_id, ${newest("last_updated")} AS updated${requested ? `, ${newest("last_requested")} AS requested` : ""}
        FROM favicon_bitmaps GROUP BY icon_id) b ON b.icon_id = m.icon_id`
        : ""
    }
    ORDER BY m.id`;
}

/** Yields one record per page → icon mapping of a Chrome Favicons database. */
export function* parseChromeFavicons(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<ChromeFaviconRecord> {
  const { container } = webLocation(context.file.path);
  const profile = /\/Google\/Chrome\/([^/]+)\/Favicons$/.exec(context.file.path)?.[1];
  for (const row of db.prepare(iconQuery(db)).iterate() as IterableIterator<IconRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const url = cappedText(row.url, "url", truncated);
    if (rowId === undefined || url === undefined) continue;
    const lastUpdatedAt = fromWebkitMicroseconds(row.updated);
    const lastRequestedAt = fromWebkitMicroseconds(row.requested);
    yield compact<ChromeFaviconRecord>({
      rowId,
      url,
      iconUrl: cappedText(row.iconUrl, "iconUrl", truncated),
      iconType: asInteger(row.iconType),
      at: lastUpdatedAt ?? lastRequestedAt,
      lastUpdatedAt,
      lastRequestedAt,
      profile,
      container,
      truncated,
    });
  }
}

/** ios/chrome-favicons: pages Chrome for iOS fetched a favicon for (kept after history is cleared). */
export const chromeFaviconsArtifact = defineArtifact<ChromeFaviconRecord>({
  id: "ios/chrome-favicons",
  title: "Chrome favicons",
  description:
    "Pages and icon URLs Chrome for iOS stored favicons for; they outlive cleared history, so exploit pages can still be found here.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    "/private/var/mobile/Containers/Data/Application/*/Library/Application Support/Google/Chrome/*/Favicons",
  ],
  iosVersions: "iOS 12–18 (Chrome 70+)",
  input: {
    kind: "sqlite",
    schema: { icon_mapping: ["id", "page_url", "icon_id"], favicons: ["id", "url"] },
    parse: parseChromeFavicons,
  },
  observables: pageAndIconObservables,
  events: (record) =>
    record.at === undefined
      ? []
      : [
          {
            at: record.at,
            event: "chrome_favicon",
            description: `Chrome stored the favicon of ${record.url}`,
          },
        ],
});
