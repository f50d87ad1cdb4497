/** Helpers shared by the system, usage and configuration artifacts (batch A): hostile-value coercion and size caps. */
import { PlistUid, type PlistValue } from "../../../formats/plist-value.js";
import type { Observable } from "../../../model/observable.js";
import { fromCocoaSeconds } from "../../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../../sqlite/open.js";
import type { ParseContext, TimelineEvent } from "../../define.js";
import { asNumber, assignDefined, asText, MAX_TEXT } from "../../values.js";

export { asNumber, assignDefined, asText, MAX_TEXT } from "../../values.js";

/**
 * Caps the strings of one record at MAX_TEXT characters and remembers which fields were cut;
 * `finish` then adds `truncated: [fields]` to the record when anything was.
 */
export class TextCap {
  readonly fields: string[] = [];

  /** `text` cut to MAX_TEXT characters (the field is noted when cut). */
  cap(text: string, field: string): string {
    if (text.length <= MAX_TEXT) return text;
    if (!this.fields.includes(field)) this.fields.push(field);
    return text.slice(0, MAX_TEXT);
  }

  /** A capped string from any text-like value, or undefined. */
  text(value: unknown, field: string): string | undefined {
    const text = asText(value);
    return text === undefined ? undefined : this.cap(text, field);
  }

  /** Returns `record`, with `truncated` set when a field was cut. */
  finish<R extends { truncated?: string[] }>(record: R): R {
    if (this.fields.length > 0) record.truncated = [...this.fields];
    return record;
  }
}

/** A short, JSON-safe rendering of any plist value (dates as ISO, bytes as a length note), capped. */
export function describePlistValue(value: PlistValue, limit = MAX_TEXT): string {
  const text = renderPlistValue(value, 0);
  return text.length > limit ? text.slice(0, limit) : text;
}

function renderPlistValue(value: PlistValue, depth: number): string {
  if (value === null) return "null";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint")
    return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (value instanceof PlistUid) return `<uid ${value.index}>`;
  if (depth > 8) return "…";
  if (Array.isArray(value)) return `[${value.map((v) => renderPlistValue(v, depth + 1)).join(", ")}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${k}: ${renderPlistValue(v, depth + 1)}`)
    .join(", ")}}`;
}

/** One ZLIVEUSAGE row: byte counters of a process at one sampling time. */
export interface LiveUsage {
  /** ZLIVEUSAGE.Z_PK. */
  rowId: number;
  /** ZLIVEUSAGE.ZTIMESTAMP (Cocoa seconds). */
  at?: string;
  wifiIn?: number;
  wifiOut?: number;
  wwanIn?: number;
  wwanOut?: number;
  /** Wired counters (netusage.sqlite only). */
  wiredIn?: number;
  wiredOut?: number;
}

/**
 * One ZPROCESS row of DataUsage.sqlite / netusage.sqlite with its live-usage rows.
 * Deleted process rows show up two ways: `pkGapBefore` (Z_PKs missing just before this row; the
 * first row counts from 1) and `orphan` records, which group live-usage rows whose ZHASPROCESS
 * points to no ZPROCESS row (`rowId` is then that dangling Z_PK, 0 when ZHASPROCESS is NULL).
 */
export interface ProcessUsageRecord {
  rowId: number;
  /** ZPROCNAME as stored (iOS cuts it to 16 characters); "" when NULL or empty. */
  processName: string;
  bundleId?: string;
  /** ZPROCESS.ZFIRSTTIMESTAMP. */
  firstAt?: string;
  /** ZPROCESS.ZTIMESTAMP. */
  lastAt?: string;
  liveUsage: LiveUsage[];
  missingName?: true;
  orphan?: true;
  pkGapBefore?: number;
  /** On the highest row: Z_PKs handed out (Z_PRIMARYKEY.Z_MAX) beyond it, i.e. deleted newest rows. */
  pkGapAfter?: number;
  /** Fields cut to MAX_TEXT. */
  truncated?: string[];
}

/** Most live-usage rows read from one database; the rest are reported and skipped. */
const MAX_LIVE_ROWS = 2_000_000;

const LIVE_COUNTERS = [
  ["zwifiin", "wifiIn"],
  ["zwifiout", "wifiOut"],
  ["zwwanin", "wwanIn"],
  ["zwwanout", "wwanOut"],
  ["zwiredin", "wiredIn"],
  ["zwiredout", "wiredOut"],
] as const;

/** The schema every DataUsage/netusage variant has; the byte counters are probed. */
export const PROCESS_USAGE_SCHEMA = {
  ZPROCESS: ["Z_PK", "ZPROCNAME", "ZFIRSTTIMESTAMP", "ZTIMESTAMP"],
  ZLIVEUSAGE: ["Z_PK", "ZHASPROCESS", "ZTIMESTAMP"],
} as const;

/** Reads ZPROCESS and ZLIVEUSAGE (DataUsage.sqlite, netusage.sqlite) into one record per process. */
export function* parseProcessUsage(
  db: SqliteDatabase,
  context: Pick<ParseContext, "warn">,
): Generator<ProcessUsageRecord> {
  const tables = tableColumns(db);
  const processColumns = tables.get("zprocess") ?? new Set<string>();
  const liveColumns = tables.get("zliveusage") ?? new Set<string>();
  const counters = LIVE_COUNTERS.filter(([column]) => liveColumns.has(column));
  const liveSql = `SELECT Z_PK, ZHASPROCESS, ZTIMESTAMP${counters.map(([c]) => `, ${c.toUpperCase()}`).join("")} FROM ZLIVEUSAGE ORDER BY Z_PK`;
  const byProcess = new Map<number | null, LiveUsage[]>();
  let liveRows = 0;
  for (const row of db.prepare(liveSql).iterate() as Iterable<Record<string, unknown>>) {
    if (liveRows >= MAX_LIVE_ROWS) {
      context.warn({
        code: "BUDGET",
        message: `ZLIVEUSAGE has more than ${MAX_LIVE_ROWS} rows; the rest were skipped`,
      });
      break;
    }
    liveRows += 1;
    const usage: LiveUsage = { rowId: asNumber(row.Z_PK) ?? 0 };
    assignDefined(usage, { at: fromCocoaSeconds(row.ZTIMESTAMP) });
    for (const [column, field] of counters)
      assignDefined(usage, { [field]: asNumber(row[column.toUpperCase()]) });
    const owner = asNumber(row.ZHASPROCESS) ?? null;
    const list = byProcess.get(owner);
    if (list === undefined) byProcess.set(owner, [usage]);
    else list.push(usage);
  }

  const bundleColumn = processColumns.has("zbundlename") ? ", ZBUNDLENAME" : "";
  const processSql = `SELECT Z_PK, ZPROCNAME, ZFIRSTTIMESTAMP, ZTIMESTAMP${bundleColumn} FROM ZPROCESS ORDER BY Z_PK`;
  const records: ProcessUsageRecord[] = [];
  let previous = 0;
  for (const row of db.prepare(processSql).iterate() as Iterable<Record<string, unknown>>) {
    const rowId = asNumber(row.Z_PK) ?? 0;
    const cap = new TextCap();
    const name = cap.text(row.ZPROCNAME, "processName") ?? "";
    const record: ProcessUsageRecord = { rowId, processName: name, liveUsage: byProcess.get(rowId) ?? [] };
    byProcess.delete(rowId);
    const bundle = cap.text(row.ZBUNDLENAME, "bundleId");
    if (bundle !== undefined && bundle !== "") record.bundleId = bundle;
    assignDefined(record, {
      firstAt: fromCocoaSeconds(row.ZFIRSTTIMESTAMP),
      lastAt: fromCocoaSeconds(row.ZTIMESTAMP),
    });
    if (name === "") record.missingName = true;
    if (rowId - previous > 1) record.pkGapBefore = rowId - previous - 1;
    previous = rowId;
    records.push(cap.finish(record));
  }
  const highest = records.at(-1);
  if (highest !== undefined) {
    const allocated = tables.has("z_primarykey") ? highestAllocatedKey(db, "Process") : undefined;
    if (allocated !== undefined && allocated > highest.rowId) highest.pkGapAfter = allocated - highest.rowId;
  }
  for (const [owner, liveUsage] of byProcess) {
    records.push({ rowId: owner ?? 0, processName: "", liveUsage, missingName: true, orphan: true });
  }
  records.sort((a, b) => a.rowId - b.rowId);
  yield* records;
}

/** Z_PRIMARYKEY.Z_MAX of a Core Data entity: the highest Z_PK ever handed out. */
function highestAllocatedKey(db: SqliteDatabase, entity: string): number | undefined {
  try {
    const row = db.prepare("SELECT Z_MAX FROM Z_PRIMARYKEY WHERE Z_NAME = ?").get(entity) as
      | { Z_MAX: unknown }
      | undefined;
    return row === undefined ? undefined : asNumber(row.Z_MAX);
  } catch {
    // A Z_PRIMARYKEY without Z_NAME/Z_MAX: no allocation counter to compare with.
    return undefined;
  }
}

/** Observables of a process-usage record: the process name (and its part before "/"), the bundle id. */
export function processUsageObservables(record: ProcessUsageRecord): Observable[] {
  const out: Observable[] = [];
  if (record.processName !== "") {
    out.push({ kind: "process", value: record.processName, field: "processName" });
    // "mDNSResponder/com.apple.MobileSMS": a daemon acting for an app; the daemon is the process.
    const slash = record.processName.indexOf("/");
    if (slash > 0)
      out.push({ kind: "process", value: record.processName.slice(0, slash), field: "processName" });
  }
  if (record.bundleId !== undefined) {
    out.push({ kind: "process", value: record.bundleId, field: "bundleId" });
    out.push({ kind: "app-id", value: record.bundleId, field: "bundleId" });
  }
  return out;
}

/** Timeline events of a process-usage record; `database` names the source in descriptions. */
export function processUsageEvents(record: ProcessUsageRecord, database: string): TimelineEvent[] {
  const who = record.orphan
    ? `deleted process #${record.rowId}`
    : `${record.processName === "" ? `unnamed process #${record.rowId}` : record.processName}${record.bundleId === undefined ? "" : ` (${record.bundleId})`}`;
  const events: TimelineEvent[] = [];
  if (record.firstAt !== undefined)
    events.push({
      at: record.firstAt,
      event: "process_first_seen",
      description: `${who} first seen in ${database}`,
    });
  if (record.lastAt !== undefined)
    events.push({
      at: record.lastAt,
      event: "process_last_seen",
      description: `${who} last seen in ${database}`,
    });
  for (const usage of record.liveUsage) {
    if (usage.at === undefined) continue;
    const counters = LIVE_COUNTERS.filter(([, field]) => usage[field] !== undefined)
      .map(([, field]) => `${field} ${usage[field]}`)
      .join(", ");
    events.push({
      at: usage.at,
      event: "live_usage",
      description: `${who} network usage in ${database}${counters === "" ? "" : `: ${counters}`}`,
    });
  }
  return events;
}
