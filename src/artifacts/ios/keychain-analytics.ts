/** Security framework analytics stores (/private/var/Keychains/Analytics/*.db): failure and event records with their attributes (MVT Analytics). */
import { parsePlist } from "../../formats/plist.js";
import { isPlistDict, type PlistValue } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds, fromUnixSeconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact } from "../define.js";
import { extractLinks } from "./_shared/comms.js";
import { asNumber } from "./_shared/system.js";
import { hostsInPath } from "./_shared/web.js";

/** The SFAnalytics tables read; each row is (timestamp, data = binary plist of the event). */
const TABLES = ["hard_failures", "soft_failures", "all_events"] as const;
export type KeychainAnalyticsTable = (typeof TABLES)[number];

/** One analytics event. */
export interface KeychainAnalyticsRecord {
  table: KeychainAnalyticsTable;
  rowId: number;
  at?: string;
  /** The event's eventType, when it has one. */
  eventType?: string;
  /** Scalar fields of the event plist as text, keyed by path ("attributes.client", "errors[0].domain"). */
  values: Record<string, string>;
  /** Set when the event had more fields than kept, or a field was cut. */
  truncated?: true;
}

const MAX_FIELDS = 256;
const MAX_VALUE = 4096;
const MAX_PLIST_BYTES = 1024 * 1024;

/**
 * The row timestamp. Apple's SFAnalyticsSQLiteStore writes seconds since 1970; older readers
 * (MVT) took them as seconds since 2001. Values of 1e9 or more are Unix time (after 2001-09),
 * smaller ones can only be Cocoa time for any date the analytics store has existed.
 */
function rowTime(value: unknown): string | undefined {
  const n = asNumber(value);
  if (n === undefined || n <= 0) return undefined;
  return n >= 1e9 ? fromUnixSeconds(n) : fromCocoaSeconds(n);
}

/** Scalar fields of an event plist as text keyed by path, within MAX_FIELDS and MAX_VALUE. */
function flattenEvent(event: PlistValue): { values: Record<string, string>; cut: boolean } {
  const values: Record<string, string> = {};
  let count = 0;
  let cut = false;
  let depth = 0;
  const put = (path: string, text: string): void => {
    if (text.length > MAX_VALUE) cut = true;
    values[path] = text.slice(0, MAX_VALUE);
    count += 1;
  };
  const walk = (value: PlistValue, path: string): void => {
    if (count >= MAX_FIELDS) {
      cut = true;
      return;
    }
    if (
      typeof value === "string" ||
      typeof value === "number" ||
      typeof value === "boolean" ||
      typeof value === "bigint"
    ) {
      put(path, String(value));
    } else if (value instanceof Date) {
      if (!Number.isNaN(value.getTime())) put(path, value.toISOString());
    } else if (depth < 16 && (Array.isArray(value) || isPlistDict(value))) {
      depth += 1;
      if (Array.isArray(value)) for (const [i, item] of value.entries()) walk(item, `${path}[${i}]`);
      else for (const [key, item] of Object.entries(value)) walk(item, path === "" ? key : `${path}.${key}`);
      depth -= 1;
    }
  };
  walk(event, "");
  return { values, cut };
}

/** One token that could name a process or bundle id: at least one letter, no spaces or slashes. */
const PROCESS_TOKEN = /^(?=.*[A-Za-z])[A-Za-z0-9._+-]{1,255}$/;
/** An absolute path (the matcher compares its last part with process indicators). */
const ABSOLUTE_PATH = /^\/(?=.*[A-Za-z])[^\0\n\r]{1,1023}$/;
/** Tokens that are ids or flags, never a process name: UUIDs, long hex, the rendered booleans. */
const NOT_A_PROCESS =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|true|false)$/i;
const URL_VALUE = /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#]+\S*$/i;
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)$/;

/**
 * The observables of one event value, at MVT's breadth (it checks every string of an event as a
 * process and as a URL) with our own guard against false alarms: a value is taken whole, never cut
 * into words, so only a value that *is* a process name, path, URL or host name can match.
 * - process: a single token with a letter (bundle ids included), or an absolute path; not UUIDs,
 *   hex ids or booleans, which nothing is named;
 * - url: a whole scheme://host… value, and the http(s) links inside any other value (a link is
 *   unambiguous wherever it stands, and matches by its host);
 * - domain: a bare host name or IPv4 address, except reverse-DNS ids (com.apple.…) and names ending
 *   in a file extension (the rules of hostsInPath).
 */
function valueObservables(value: string, field: string, into: Observable[], seen: Set<string>): void {
  const add = (kind: Observable["kind"], text: string): void => {
    const key = `${kind}\u0000${text}`;
    if (seen.has(key)) return;
    seen.add(key);
    into.push({ kind, value: text, field });
  };
  if (URL_VALUE.test(value) && URL.canParse(value)) {
    add("url", value);
    return;
  }
  if (value.includes("://")) for (const link of extractLinks(value)) add("url", link);
  if (IPV4.test(value)) {
    add("domain", value);
    return;
  }
  if (PROCESS_TOKEN.test(value)) {
    if (!NOT_A_PROCESS.test(value)) add("process", value);
    const [host] = hostsInPath(value);
    if (host !== undefined && host === value.toLowerCase()) add("domain", host);
  } else if (ABSOLUTE_PATH.test(value)) add("process", value);
}

/** Keychain / Security analytics events. */
export const keychainAnalyticsArtifact = defineArtifact<KeychainAnalyticsRecord>({
  id: "ios/keychain-analytics",
  title: "Security analytics events",
  description:
    "Failure and event records of the Security framework's analytics stores; spyware processes and URLs have shown up in these attributes (Pegasus investigations).",
  sources: ["fs-dump"],
  paths: ["/private/var/Keychains/Analytics/*.db"],
  iosVersions: "iOS 12–18",
  input: {
    kind: "sqlite",
    schema: {},
    *parse(db, context) {
      const tables = tableColumns(db);
      const present = TABLES.filter((t) => {
        const columns = tables.get(t);
        return columns?.has("timestamp") && columns.has("data");
      });
      if (present.length === 0) {
        context.warn({
          code: "UNKNOWN_SCHEMA",
          message: "no hard_failures, soft_failures or all_events table with timestamp and data",
        });
        return;
      }
      for (const table of present) {
        let broken = 0;
        for (const row of db
          .prepare(`SELECT rowid AS rowId, timestamp, data FROM ${table} ORDER BY rowid`)
          .iterate() as Iterable<Record<string, unknown>>) {
          const record: KeychainAnalyticsRecord = { table, rowId: asNumber(row.rowId) ?? 0, values: {} };
          const at = rowTime(row.timestamp);
          if (at !== undefined) record.at = at;
          const data = row.data;
          if (data instanceof Uint8Array) {
            try {
              const event = parsePlist(data, {
                budget: { maxBytes: MAX_PLIST_BYTES, maxValues: 20_000, maxDepth: 32 },
              });
              const { values, cut } = flattenEvent(event);
              record.values = values;
              if (cut) record.truncated = true;
              if (isPlistDict(event) && typeof event.eventType === "string")
                record.eventType = event.eventType.slice(0, MAX_VALUE);
            } catch {
              broken += 1;
            }
          } else if (data !== null && data !== undefined) {
            broken += 1;
          }
          yield record;
        }
        if (broken > 0)
          context.warn({
            code: "CORRUPT",
            message: `${broken} ${table} rows hold no readable plist`,
            count: broken,
          });
      }
    },
  },
  observables(record) {
    const out: Observable[] = [];
    const seen = new Set<string>();
    for (const [field, value] of Object.entries(record.values))
      valueObservables(value, `values.${field}`, out, seen);
    return out;
  },
  observableKinds: ["process", "url", "domain"],
  events(record) {
    if (record.at === undefined) return [];
    const what = record.eventType ?? "event";
    return [
      {
        at: record.at,
        event: `keychain_${record.table === "all_events" ? "event" : record.table.replace(/s$/, "")}`,
        description: `Security analytics ${record.table.replace("_", " ")}: ${what}`,
      },
    ];
  },
});
