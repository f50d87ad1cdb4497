/** The timeline: MVT's four columns, sorted and de-duplicated, with findings marked. */
import type { ArtifactDefinition, ArtifactRecord } from "../artifacts/define.js";
import type { Finding } from "../model/finding.js";

/** One row of timeline.csv. */
export interface TimelineRow {
  at: string;
  plugin: string;
  event: string;
  description: string;
}

/** Rows of a record, from its definition's time fields; a failing `events` function yields none. */
export function recordRows(
  definition: ArtifactDefinition,
  record: ArtifactRecord,
  device?: string,
): TimelineRow[] {
  let events: ReturnType<ArtifactDefinition["events"]>;
  try {
    events = definition.events(record.data);
  } catch {
    return [];
  }
  const plugin = device === undefined ? definition.id : `${device}:${definition.id}`;
  return events
    .filter((e) => typeof e.at === "string" && e.at !== "")
    .map((e) => ({ at: e.at, plugin, event: e.event, description: e.description }));
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

/** Sorts by time, then plugin and event, and drops exact duplicates. */
export function sortTimeline(rows: TimelineRow[]): TimelineRow[] {
  rows.sort((a, b) =>
    a.at < b.at
      ? -1
      : a.at > b.at
        ? 1
        : a.plugin.localeCompare(b.plugin) ||
          a.event.localeCompare(b.event) ||
          a.description.localeCompare(b.description),
  );
  const out: TimelineRow[] = [];
  let last: TimelineRow | undefined;
  for (const row of rows) {
    if (
      last !== undefined &&
      last.at === row.at &&
      last.plugin === row.plugin &&
      last.event === row.event &&
      last.description === row.description
    )
      continue;
    out.push(row);
    last = row;
  }
  return out;
}

/** CSV with every field quoted (as MVT writes it); timestamps as "YYYY-MM-DD HH:MM:SS.ffffff" UTC. */
export function timelineCsv(rows: readonly TimelineRow[]): string {
  const quote = (value: string): string => `"${value.replaceAll('"', '""').replace(/[\r\n]+/g, " ")}"`;
  const lines = ['"UTC Timestamp","Plugin","Event","Description"'];
  for (const row of rows)
    lines.push([mvtTime(row.at), row.plugin, row.event, row.description].map(quote).join(","));
  return `${lines.join("\n")}\n`;
}

/** ISO-8601 → MVT's "YYYY-MM-DD HH:MM:SS.ffffff". */
export function mvtTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(iso);
  if (match === null) return iso;
  return `${match[1]} ${match[2]}.${(match[3] ?? "").padEnd(6, "0").slice(0, 6)}`;
}
