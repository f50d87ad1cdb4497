/** Firefox for iOS favicons: `favicons` joined through `favicon_sites` to the `history` pages that use them. */
import type { Observable } from "../../model/observable.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asInteger, cappedText, compact, fromUnixAnyUnit, webLocation } from "./_shared/web.js";
import { FIREFOX_BROWSER_DB_PATHS } from "./firefox-history.js";

/** One page → favicon link of Firefox for iOS. */
export interface FirefoxFaviconRecord {
  /** `favicon_sites.id`. */
  rowId: number;
  /** `favicons.id`. */
  iconId: number;
  /** `history.id` of the page. */
  siteId?: number;
  /** The page the icon belongs to. */
  url?: string;
  iconUrl: string;
  width?: number;
  height?: number;
  type?: number;
  /** When the icon was stored (`favicons.date`). */
  at?: string;
  container?: string;
  truncated?: string[];
}

interface IconRow {
  id: unknown;
  iconId: unknown;
  siteId: unknown;
  url: unknown;
  iconUrl: unknown;
  width: unknown;
  height: unknown;
  type: unknown;
  date: unknown;
}

function iconQuery(db: SqliteDatabase): string {
  const favicons = tableColumns(db).get("favicons") ?? new Set<string>();
  const f = (column: string, alias: string): string =>
    favicons.has(column) ? `f.${column} AS ${alias}` : `NULL AS ${alias}`;
  return `SELECT s.id AS id, f.id AS iconId, h.id AS siteId, h.url AS url, f.url AS iconUrl,
      ${f("width", "width")}, ${f("height", "height")}, ${f("type", "type")}, ${f("date", "date")}
    FROM favicon_sites s JOIN favicons f ON f.id = s.faviconID LEFT JOIN history h ON h.id = s.siteID
    ORDER BY s.id`;
}

/** Yields one record per page → icon link of a Firefox browser.db. */
export function* parseFirefoxFavicons(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<FirefoxFaviconRecord> {
  const { container } = webLocation(context.file.path);
  for (const row of db.prepare(iconQuery(db)).iterate() as IterableIterator<IconRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const iconId = asInteger(row.iconId);
    const iconUrl = cappedText(row.iconUrl, "iconUrl", truncated);
    if (rowId === undefined || iconId === undefined || iconUrl === undefined) continue;
    yield compact<FirefoxFaviconRecord>({
      rowId,
      iconId,
      siteId: asInteger(row.siteId),
      url: cappedText(row.url, "url", truncated),
      iconUrl,
      width: asInteger(row.width),
      height: asInteger(row.height),
      type: asInteger(row.type),
      at: fromUnixAnyUnit(row.date),
      container,
      truncated,
    });
  }
}

/** ios/firefox-favicons: pages Firefox for iOS stored a favicon for. */
export const firefoxFaviconsArtifact = defineArtifact<FirefoxFaviconRecord>({
  id: "ios/firefox-favicons",
  title: "Firefox favicons",
  description:
    "Favicon URLs Firefox for iOS stored and the pages that used them; a second trace of visited exploit pages.",
  sources: ["ios-backup", "fs-dump"],
  paths: FIREFOX_BROWSER_DB_PATHS,
  iosVersions: "iOS 12–18 (Firefox 10+)",
  input: {
    kind: "sqlite",
    schema: { favicons: ["id", "url"], favicon_sites: ["id", "siteID", "faviconID"], history: ["id", "url"] },
    parse: parseFirefoxFavicons,
  },
  observables: (record) => {
    const found: Observable[] = [];
    if (record.url !== undefined && record.url !== "")
      found.push({ kind: "url", value: record.url, field: "url" });
    if (record.iconUrl !== "") found.push({ kind: "url", value: record.iconUrl, field: "iconUrl" });
    return found;
  },
  events: (record) =>
    record.at === undefined
      ? []
      : [
          {
            at: record.at,
            event: "firefox_favicon",
            description: `Firefox stored favicon ${record.iconUrl}${record.url === undefined ? "" : ` for ${record.url}`}`,
          },
        ],
});
