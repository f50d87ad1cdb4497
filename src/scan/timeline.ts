/** The timeline: MVT's four columns, sorted and de-duplicated, with findings marked. */
import { createWriteStream } from "node:fs";
import type { ArtifactDefinition, ArtifactRecord } from "../artifacts/define.js";
import type { Finding } from "../model/finding.js";
import { openNewFileSync } from "../output-dir.js";

/** One row of timeline.csv. */
export interface TimelineRow {
  at: string;
  plugin: string;
  event: string;
  description: string;
}

/** Records of one artifact, kept in memory or derived again from the evidence when asked. */
export interface RecordList extends Iterable<ArtifactRecord> {
  readonly length: number;
  at(index: number): ArtifactRecord | undefined;
}

/**
 * The timeline entries kept during a scan, column by column: the time, and where to rebuild the
 * row from (artifact, record and event index). Rows are rebuilt while timeline.csv is written, so
 * a scan of a large device never holds hundreds of thousands of description strings, or one
 * object per entry.
 */
export class TimelineRefs {
  length = 0;
  private ms = new Float64Array(1024);
  private definition = new Uint16Array(1024);
  private record = new Uint32Array(1024);
  private event = new Uint16Array(1024);

  /** Adds the events of a record that carry a time. */
  addRecord(
    definition: ArtifactDefinition,
    record: ArtifactRecord,
    definitionIndex: number,
    recordIndex: number,
  ): void {
    let events: ReturnType<ArtifactDefinition["events"]>;
    try {
      events = definition.events(record.data);
    } catch {
      return;
    }
    for (let i = 0; i < events.length && i <= 0xffff; i++) {
      const at = events[i]!.at;
      if (typeof at !== "string" || at === "") continue;
      const ms = Date.parse(at);
      this.push(Number.isNaN(ms) ? Number.MAX_VALUE : ms, definitionIndex, recordIndex, i);
    }
  }

  push(ms: number, definition: number, record: number, event: number): void {
    if (this.length === this.ms.length) this.grow();
    const i = this.length++;
    this.ms[i] = ms;
    this.definition[i] = definition;
    this.record[i] = record;
    this.event[i] = event;
  }

  msAt(i: number): number {
    return this.ms[i]!;
  }
  definitionAt(i: number): number {
    return this.definition[i]!;
  }
  recordAt(i: number): number {
    return this.record[i]!;
  }
  eventAt(i: number): number {
    return this.event[i]!;
  }

  private grow(): void {
    const size = this.ms.length * 2;
    const ms = new Float64Array(size);
    ms.set(this.ms);
    this.ms = ms;
    const definition = new Uint16Array(size);
    definition.set(this.definition);
    this.definition = definition;
    const record = new Uint32Array(size);
    record.set(this.record);
    this.record = record;
    const event = new Uint16Array(size);
    event.set(this.event);
    this.event = event;
  }
}

/** What one device contributes to the timeline. */
export interface DeviceTimeline {
  refs: TimelineRefs;
  /** Rows that are not rebuilt from records (findings). */
  rows: TimelineRow[];
  records: ReadonlyMap<string, RecordList>;
  definitions: readonly ArtifactDefinition[];
  device?: string;
}

/**
 * Every row of the devices' timelines, sorted by time (then plugin, record and event), exact
 * duplicates dropped; rows are rebuilt one at a time from their records.
 */
export function* timelineRows(devices: readonly DeviceTimeline[]): Generator<TimelineRow> {
  let total = 0;
  for (const device of devices) total += device.refs.length + device.rows.length;
  const ms = new Float64Array(total);
  const order = new Float64Array(total);
  const pluginOf: string[] = new Array<string>(total);
  // Where item i comes from: its device, and its ref (>= 0) or finding row (-1 - row).
  const deviceOf = new Uint16Array(total);
  const source = new Int32Array(total);
  let n = 0;
  devices.forEach((device, d) => {
    const plugins = device.definitions.map((definition) => plugin(definition.id, device.device));
    const { refs } = device;
    for (let i = 0; i < refs.length; i++, n++) {
      ms[n] = refs.msAt(i);
      order[n] = refs.recordAt(i) * 65_536 + refs.eventAt(i);
      pluginOf[n] = plugins[refs.definitionAt(i)]!;
      deviceOf[n] = d;
      source[n] = i;
    }
    device.rows.forEach((row, r) => {
      const at = Date.parse(row.at);
      ms[n] = Number.isNaN(at) ? Number.MAX_VALUE : at;
      order[n] = Number.MAX_SAFE_INTEGER;
      pluginOf[n] = row.plugin;
      deviceOf[n] = d;
      source[n] = -1 - r;
      n++;
    });
  });
  // Plugins ranked once, so the sort compares numbers only.
  const ranks = new Map([...new Set(pluginOf)].sort().map((name, i) => [name, i]));
  const rank = new Uint16Array(total);
  for (let i = 0; i < total; i++) rank[i] = ranks.get(pluginOf[i]!)!;
  const sorted = new Uint32Array(total);
  for (let i = 0; i < total; i++) sorted[i] = i;
  sorted.sort((a, b) => ms[a]! - ms[b]! || rank[a]! - rank[b]! || order[a]! - order[b]! || a - b);

  let groupKey = "";
  let seen = new Set<string>();
  for (const item of sorted) {
    const device = devices[deviceOf[item]!]!;
    const from = source[item]!;
    const row = from < 0 ? device.rows[-1 - from] : rebuild(device, from);
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

function plugin(id: string, device: string | undefined): string {
  return device === undefined ? id : `${device}:${id}`;
}

function rebuild(device: DeviceTimeline, ref: number): TimelineRow | undefined {
  const { refs } = device;
  const definition = device.definitions[refs.definitionAt(ref)]!;
  const record = device.records.get(definition.id)?.at(refs.recordAt(ref));
  if (record === undefined) return undefined;
  const event = definition.events(record.data)[refs.eventAt(ref)];
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

const NEEDS_ESCAPE = /["\r\n]/;

function quote(value: string): string {
  return NEEDS_ESCAPE.test(value)
    ? `"${value.replaceAll('"', '""').replace(/[\r\n]+/g, " ")}"`
    : `"${value}"`;
}

function csvLine(row: TimelineRow): string {
  return `${quote(mvtTime(row.at))},${quote(row.plugin)},${quote(row.event)},${quote(row.description)}`;
}

/** CSV with every field quoted (as MVT writes it); timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" UTC. */
export function timelineCsv(rows: Iterable<TimelineRow>): string {
  const lines = [CSV_HEADER];
  for (const row of rows) lines.push(csvLine(row));
  return `${lines.join("\n")}\n`;
}

/** Writes timeline.csv in chunks, waiting for the disk, so the whole text is never in memory. */
export async function writeTimelineCsv(path: string, rows: Iterable<TimelineRow>): Promise<void> {
  // A new file, never written through a link standing at that name.
  const stream = createWriteStream(path, { fd: openNewFileSync(path) });
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
  // The form every converter writes: "YYYY-MM-DDTHH:MM:SS.mmmZ".
  if (
    iso.length === 24 &&
    iso.charCodeAt(10) === 84 &&
    iso.charCodeAt(19) === 46 &&
    iso.charCodeAt(23) === 90
  )
    return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (match === null) return iso;
  return `${match[1]} ${match[2]}.${(match[3] ?? "").padEnd(6, "0").slice(0, 6)}`;
}
