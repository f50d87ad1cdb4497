/** The timeline: MVT's four columns, sorted and de-duplicated, with findings marked. */
import { createWriteStream } from "node:fs";
import type { ArtifactDefinition, ArtifactRecord } from "../artifacts/define.js";
import type { Finding } from "../model/finding.js";

/** One row of timeline.csv. */
export interface TimelineRow {
  at: string;
  plugin: string;
  event: string;
  description: string;
}

/**
 * A timeline entry kept during a scan: the time, and where to rebuild the row from (artifact,
 * record and event index). Rows are rebuilt while timeline.csv is written, so a scan of a large
 * device never holds hundreds of thousands of description strings at once.
 */
export type TimelineRef = [at: string, definition: number, record: number, event: number];

/** What one device contributes to the timeline. */
export interface DeviceTimeline {
  refs: TimelineRef[];
  /** Rows that are not rebuilt from records (findings). */
  rows: TimelineRow[];
  records: ReadonlyMap<string, readonly ArtifactRecord[]>;
  definitions: readonly ArtifactDefinition[];
  device?: string;
}

/** The timeline references of one record (its events that carry a time). */
export function recordRefs(
  definition: ArtifactDefinition,
  record: ArtifactRecord,
  definitionIndex: number,
  recordIndex: number,
): TimelineRef[] {
  let events: ReturnType<ArtifactDefinition["events"]>;
  try {
    events = definition.events(record.data);
  } catch {
    return [];
  }
  const refs: TimelineRef[] = [];
  events.forEach((e, i) => {
    if (typeof e.at === "string" && e.at !== "") refs.push([e.at, definitionIndex, recordIndex, i]);
  });
  return refs;
}

/**
 * Every row of the devices' timelines, sorted by time (then plugin, record and event), exact
 * duplicates dropped; rows are rebuilt one at a time from their records.
 */
export function* timelineRows(devices: readonly DeviceTimeline[]): Generator<TimelineRow> {
  type Item = { at: string; key: string; device: number; ref?: TimelineRef; row?: TimelineRow };
  const items: Item[] = [];
  devices.forEach((device, d) => {
    for (const ref of device.refs)
      items.push({ at: ref[0], key: plugin(device.definitions[ref[1]]!.id, device.device), device: d, ref });
    for (const row of device.rows) items.push({ at: row.at, key: row.plugin, device: d, row });
  });
  items.sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : order(a) - order(b),
  );
  let groupKey = "";
  let seen = new Set<string>();
  for (const item of items) {
    const row = item.row ?? rebuild(devices[item.device]!, item.ref!);
    if (row === undefined) continue;
    const group = `${row.at}\0${row.plugin}`;
    if (group !== groupKey) {
      groupKey = group;
      seen = new Set();
    }
    const identity = `${row.event}\0${row.description}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    yield row;
  }
}

function order(item: { ref?: TimelineRef }): number {
  return item.ref === undefined ? Number.MAX_SAFE_INTEGER : item.ref[2] * 64 + item.ref[3];
}

function plugin(id: string, device: string | undefined): string {
  return device === undefined ? id : `${device}:${id}`;
}

function rebuild(device: DeviceTimeline, ref: TimelineRef): TimelineRow | undefined {
  const definition = device.definitions[ref[1]]!;
  const record = device.records.get(definition.id)?.[ref[2]];
  if (record === undefined) return undefined;
  const event = definition.events(record.data)[ref[3]];
  if (event === undefined) return undefined;
  return {
    at: event.at,
    plugin: plugin(definition.id, device.device),
    event: event.event,
    description: event.description,
  };
}

/** Rows that mark findings on the timeline ("ALERT <LEVEL> <rule>"). */
export function findingRows(finding: Finding, device?: string): TimelineRow[] {
  const plugin = device === undefined ? finding.rule : `${device}:${finding.rule}`;
  const times = finding.time !== undefined ? [finding.time] : [];
  return times.map((at) => ({
    at,
    plugin,
    event: `ALERT ${finding.level.toUpperCase()}`,
    description: finding.summary,
  }));
}

const CSV_HEADER = '"UTC Timestamp","Plugin","Event","Description"';

function csvLine(row: TimelineRow): string {
  const quote = (value: string): string => `"${value.replaceAll('"', '""').replace(/[\r\n]+/g, " ")}"`;
  return [mvtTime(row.at), row.plugin, row.event, row.description].map(quote).join(",");
}

/** CSV with every field quoted (as MVT writes it); timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" UTC. */
export function timelineCsv(rows: Iterable<TimelineRow>): string {
  const lines = [CSV_HEADER];
  for (const row of rows) lines.push(csvLine(row));
  return `${lines.join("\n")}\n`;
}

/** Writes timeline.csv in chunks, waiting for the disk, so the whole text is never in memory. */
export async function writeTimelineCsv(path: string, rows: Iterable<TimelineRow>): Promise<void> {
  const stream = createWriteStream(path);
  const done = new Promise<void>((resolve, reject) => {
    stream.on("finish", () => resolve());
    stream.on("error", reject);
  });
  let chunk = `${CSV_HEADER}\n`;
  for (const row of rows) {
    chunk += `${csvLine(row)}\n`;
    if (chunk.length >= 64 * 1024) {
      if (!stream.write(chunk)) await new Promise<void>((resolve) => stream.once("drain", () => resolve()));
      chunk = "";
    }
  }
  stream.end(chunk);
  await done;
}

/** ISO-8601 → MVT's "YYYY-MM-DD HH:MM:SS.ffffff". */
export function mvtTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (match === null) return iso;
  return `${match[1]} ${match[2]}.${(match[3] ?? "").padEnd(6, "0").slice(0, 6)}`;
}
