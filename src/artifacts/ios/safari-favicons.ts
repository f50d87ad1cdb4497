/** Safari's favicon cache: Favicons.db `page_url` joined to `icon_info`, plus the icons it rejected (`rejected_resources`). */
import { fromCocoaSeconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asInteger, cappedText, compact, pageAndIconObservables, webLocation } from "./_shared/web.js";

/** One page → icon entry of Safari's favicon cache. */
export interface SafariFaviconRecord {
  /** rowid of the `page_url` row (type "valid") or the `rejected_resources` row (type "rejected"). */
  rowId: number;
  /** "valid": a stored icon; "rejected": an icon Safari fetched but refused. */
  type: "valid" | "rejected";
  /** The page the icon belongs to. */
  url: string;
  iconUrl?: string;
  /** When the icon was linked or rejected (Cocoa seconds). */
  at?: string;
  width?: number;
  height?: number;
  /** `icon_info.uuid`, also the file name of the cached image. */
  iconUuid?: string;
  container?: string;
  truncated?: string[];
}

interface IconRow {
  id: unknown;
  url: unknown;
  iconUrl: unknown;
  time: unknown;
  width: unknown;
  height: unknown;
  uuid: unknown;
}

function* rows(
  db: SqliteDatabase,
  sql: string,
  type: SafariFaviconRecord["type"],
  container: string | undefined,
): Iterable<SafariFaviconRecord> {
  for (const row of db.prepare(sql).iterate() as IterableIterator<IconRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const url = cappedText(row.url, "url", truncated);
    if (rowId === undefined || url === undefined) continue;
    yield compact<SafariFaviconRecord>({
      rowId,
      type,
      url,
      iconUrl: cappedText(row.iconUrl, "iconUrl", truncated),
      at: fromCocoaSeconds(row.time),
      width: asInteger(row.width) || undefined,
      height: asInteger(row.height) || undefined,
      iconUuid: cappedText(row.uuid, "iconUuid", truncated),
      container,
      truncated,
    });
  }
}

/** Yields the stored icons, then the rejected ones, of a Favicons.db. */
export function* parseSafariFavicons(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<SafariFaviconRecord> {
  const { container } = webLocation(context.file.path);
  const tables = tableColumns(db);
  const info = tables.get("icon_info") ?? new Set<string>();
  const size = (column: string): string => (info.has(column) ? `i.${column}` : "NULL");
  yield* rows(
    db,
    `SELECT p.rowid AS id, p.url AS url, i.url AS iconUrl, i.timestamp AS time, ${size("width")} AS width,
        ${size("height")} AS height, p.uuid AS uuid
      FROM page_url p LEFT JOIN icon_info i ON i.uuid = p.uuid ORDER BY p.rowid`,
    "valid",
    container,
  );
  const rejected = tables.get("rejected_resources");
  if (rejected?.has("page_url") === true && rejected.has("icon_url")) {
    yield* rows(
      db,
      `SELECT rowid AS id, page_url AS url, icon_url AS iconUrl,
          ${rejected.has("timestamp") ? "timestamp" : "NULL"} AS time, NULL AS width, NULL AS height, NULL AS uuid
        FROM rejected_resources ORDER BY rowid`,
      "rejected",
      container,
    );
  }
}

/** ios/safari-favicons: pages Safari (or an app's web views) cached or rejected a favicon for. */
export const safariFaviconsArtifact = defineArtifact<SafariFaviconRecord>({
  id: "ios/safari-favicons",
  title: "Safari favicons",
  description:
    "Pages whose favicon Safari cached or rejected; the cache outlives cleared history, so visits to exploit pages can still show here.",
  sources: ["fs-dump"],
  paths: [
    "/private/var/mobile/Library/Image Cache/Favicons/Favicons.db",
    "/private/var/mobile/Containers/Data/Application/*/Library/Image Cache/Favicons/Favicons.db",
  ],
  iosVersions: "iOS 13–18",
  input: {
    kind: "sqlite",
    schema: { page_url: ["url", "uuid"], icon_info: ["uuid", "url", "timestamp"] },
    parse: parseSafariFavicons,
  },
  observables: pageAndIconObservables,
  events: (record) =>
    record.at === undefined
      ? []
      : [
          {
            at: record.at,
            event: record.type === "valid" ? "safari_favicon" : "safari_favicon_rejected",
            description: `Safari ${record.type === "valid" ? "cached" : "rejected"} favicon ${record.iconUrl ?? ""} for ${record.url}`,
          },
        ],
});
