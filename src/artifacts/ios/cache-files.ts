/** CFNetwork URL caches: `cfurl_cache_response` of every Cache.db (NSURLCache) an app or daemon keeps. */

import type { Observable } from "../../model/observable.js";
import { fromUnixMilliseconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asBoolean, asInteger, asText, cappedText, compact, hostOf, webLocation } from "./_shared/web.js";

/** One cached HTTP response. */
export interface CacheFileRecord {
  /** `cfurl_cache_response.entry_ID`. */
  rowId: number;
  /** The request URL (`request_key`). */
  url: string;
  /** When the response was stored (`time_stamp`, UTC text). */
  at?: string;
  storagePolicy?: number;
  version?: number;
  /** CFNetwork's hash of the request, as decimal text (it does not fit a double). */
  hashValue?: string;
  /** Cache partition (iOS 13+): the top-level site the request was made under. */
  partition?: string;
  /** True when the body sits in `fsCachedData/` rather than in the database. */
  dataOnFs?: boolean;
  /** Device path of that body file. */
  dataFile?: string;
  /** App container holding this Cache.db, when it lives in one. */
  container?: string;
  /** The Caches subfolder, usually the bundle id of the process that cached it. */
  cacheOwner?: string;
  truncated?: string[];
}

interface CacheRow {
  id: unknown;
  url: unknown;
  stamp: unknown;
  policy: unknown;
  version: unknown;
  hash: unknown;
  partition: unknown;
  onFs: unknown;
  data: unknown;
}

/** `YYYY-MM-DD HH:MM:SS` as written by SQLite's CURRENT_TIMESTAMP (always UTC). */
export function fromSqliteTimestamp(value: unknown): string | undefined {
  const text = asText(value);
  if (text === undefined) return undefined;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3})\d*)?Z?$/.exec(text.trim());
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s, m[7] === undefined ? 0 : Number(m[7].padEnd(3, "0")));
  return fromUnixMilliseconds(ms);
}

function cacheQuery(db: SqliteDatabase): string {
  const tables = tableColumns(db);
  const response = tables.get("cfurl_cache_response") ?? new Set<string>();
  const receiver = tables.get("cfurl_cache_receiver_data");
  const optional = (column: string, alias: string, expression = `r.${column}`): string =>
    response.has(column) ? `${expression} AS ${alias}` : `NULL AS ${alias}`;
  const withData =
    receiver?.has("entry_id") === true && receiver.has("isdataonfs") && receiver.has("receiver_data");
  return `SELECT r.entry_ID AS id, r.request_key AS url, r.time_stamp AS stamp,
      ${optional("storage_policy", "policy")}, ${optional("version", "version")},
      ${optional("hash_value", "hash", "CAST(r.hash_value AS TEXT)")}, ${optional("partition", "partition")},
      ${withData ? "d.isDataOnFS" : "NULL"} AS onFs,
      ${withData ? "CASE WHEN d.isDataOnFS = 1 AND length(d.receiver_data) <= 256 THEN d.receiver_data END" : "NULL"} AS data
    FROM cfurl_cache_response r
    ${withData ? "LEFT JOIN cfurl_cache_receiver_data d ON d.entry_ID = r.entry_ID" : ""}
    ORDER BY r.entry_ID`;
}

/** Yields one record per cached response of a Cache.db. */
export function* parseCacheFile(db: SqliteDatabase, context: ParseContext): Iterable<CacheFileRecord> {
  const path = context.file.path;
  const folder = path.slice(0, path.lastIndexOf("/"));
  const cacheOwner = /\/Library\/Caches\/([^/]+)\//.exec(path)?.[1];
  const { container } = webLocation(path);
  let skipped = 0;
  for (const row of db.prepare(cacheQuery(db)).iterate() as IterableIterator<CacheRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const url = cappedText(row.url, "url", truncated);
    if (rowId === undefined || url === undefined) {
      skipped += 1;
      continue;
    }
    const dataOnFs = asBoolean(row.onFs);
    // The body file name is a UUID; anything else could smuggle a path into the record.
    const name = asText(row.data)?.trim();
    const dataFile =
      dataOnFs === true && name !== undefined && /^[A-Za-z0-9._-]{1,128}$/.test(name) && !name.startsWith(".")
        ? `${folder}/fsCachedData/${name}`
        : undefined;
    yield compact<CacheFileRecord>({
      rowId,
      url,
      at: fromSqliteTimestamp(row.stamp),
      storagePolicy: asInteger(row.policy),
      version: asInteger(row.version),
      hashValue: asText(row.hash),
      partition: cappedText(row.partition, "partition", truncated),
      dataOnFs,
      dataFile,
      container,
      cacheOwner,
      truncated,
    });
  }
  if (skipped > 0) {
    context.warn({
      code: "CORRUPT",
      message: `${skipped} cache rows without an id or URL were skipped`,
      count: skipped,
    });
  }
}

/** ios/cache-files: URLs an app or daemon fetched over HTTP(S), from its NSURLCache database. */
export const cacheFilesArtifact = defineArtifact<CacheFileRecord>({
  id: "ios/cache-files",
  title: "URL cache (Cache.db)",
  description:
    "HTTP responses cached by apps and daemons; URLs of exploit servers and implant command channels can persist here after other traces are gone.",
  sources: ["fs-dump"],
  paths: [
    "/private/var/mobile/Containers/Data/Application/*/Library/Caches/**/Cache.db",
    "/private/var/mobile/Library/Caches/*/Cache.db",
    "/private/var/root/Library/Caches/*/Cache.db",
    "/private/var/mobile/Containers/Data/PluginKitPlugin/*/Library/Caches/*/Cache.db",
    "/private/var/mobile/Containers/Shared/AppGroup/*/Library/Caches/*/Cache.db",
    "/private/var/containers/Data/System/*/Library/Caches/*/Cache.db",
  ],
  iosVersions: "iOS 12–18",
  input: {
    kind: "sqlite",
    schema: { cfurl_cache_response: ["entry_ID", "request_key", "time_stamp"] },
    parse: parseCacheFile,
  },
  observables: (record) => {
    const found: Observable[] = [{ kind: "url", value: record.url, field: "url" }];
    // The partition is a site, sometimes written as a URL; keep only its host.
    const partition = record.partition?.includes("://") ? hostOf(record.partition) : record.partition;
    if (partition !== undefined && partition !== "")
      found.push({ kind: "domain", value: partition, field: "partition" });
    return found;
  },
  events: (record) =>
    record.at === undefined
      ? []
      : [
          {
            at: record.at,
            event: "url_cached",
            description: `${record.cacheOwner ?? "A process"} cached ${record.url}`,
          },
        ],
});
