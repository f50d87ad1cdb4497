/** Security framework analytics stores (/private/var/Keychains/Analytics/*.db): failure and event records with their attributes (MVT Analytics). */
import { parsePlist } from "../../formats/plist.js";
import { isPlistDict, type PlistValue } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds, fromUnixSeconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact } from "../define.js";
import { asNumber } from "./_shared/system.js";

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

/** Field names whose values are process or app names. */
const PROCESS_KEY =
  /(^|\.)(process|processname|procname|client|clientname|executable|bundleid|bundleidentifier|app|appname|appid)$/i;
/** A plausible process name or bundle id: one token, at least one letter, no spaces. */
const PROCESS_VALUE = /^(?=.*[A-Za-z])[A-Za-z0-9._+-]{1,255}$/;
const URL_VALUE = /^https?:\/\/[^\s]+$/i;

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
    // Conservative on purpose: MVT matched every string of every event against every process
    // indicator, which turns short names into false alarms. Here only fields named like a process
    // or app give process observables, and only http(s) values give URL observables.
    const out: Observable[] = [];
    for (const [field, value] of Object.entries(record.values)) {
      if (PROCESS_KEY.test(field) && PROCESS_VALUE.test(value))
        out.push({ kind: "process", value, field: `values.${field}` });
      if (URL_VALUE.test(value)) out.push({ kind: "url", value, field: `values.${field}` });
    }
    return out;
  },
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
