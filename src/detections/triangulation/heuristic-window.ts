/**
 * triangle_check's "SUSPICION" heuristic (kaspersky.md §1.6) with its bugs fixed: at most 10 events
 * within 5 minutes that combine at least two classes (watched plist changes, network use by
 * nehelper/WebContent/powerd/lockdownd, location bundles stopping, emptied SMS attachment folders).
 * Every start index is checked, and overlapping windows become one episode.
 */
import type { ArtifactRecord } from "../../artifacts/define.js";
import type { Finding } from "../../model/finding.js";
import { type DetectionContext, defineDetection, type Limitation } from "../define.js";
import { evidenceOf, missingSource, sourceMissing } from "../support.js";
import {
  CAMPAIGN,
  heuristicEvent,
  type TraceClass,
  type TraceEvent,
  traceTimeline,
  USAGE_ARTIFACTS,
} from "./traces.js";

const RULE = "triangulation/event-window";
export const WINDOW_EVENTS = 10;
export const WINDOW_SECONDS = 300;

/** The classes a run of events combines; a real attachment file cancels the SMS class only. */
export function windowClasses(events: readonly TraceEvent[]): Set<TraceClass> {
  const classes = new Set<TraceClass>();
  const dirs = new Map<string, Set<string>>();
  let attachmentFile = false;
  for (const e of events) {
    if (e.class !== "sms") {
      classes.add(e.class);
      continue;
    }
    if (e.sms?.kind === "file") attachmentFile = true;
    else if (e.sms?.kind === "dir") {
      const types = dirs.get(e.sms.dir) ?? new Set<string>();
      types.add(e.type);
      dirs.set(e.sms.dir, types);
    }
  }
  // A folder counts when it was both modified and status-changed: an attachment deleted from it.
  const emptied = [...dirs.values()].some((types) => types.has("M") && types.has("C"));
  if (emptied && !attachmentFile) classes.add("sms");
  return classes;
}

/** Index ranges [start, end] of qualifying windows, one per start index (the longest qualifying run). */
export function qualifyingWindows(events: readonly TraceEvent[]): [number, number][] {
  const windows: [number, number][] = [];
  for (let i = 0; i < events.length; i++) {
    const first = events[i]!;
    let best = -1;
    for (let j = i; j < events.length && j < i + WINDOW_EVENTS; j++) {
      if (events[j]!.ms - first.ms > WINDOW_SECONDS * 1000) break;
      // Every prefix is checked: a later attachment file may cancel what an earlier run showed.
      if (windowClasses(events.slice(i, j + 1)).size >= 2) best = j;
    }
    if (best >= 0) windows.push([i, best]);
  }
  return windows;
}

/** A run of overlapping windows: its first and last event index and the windows it merged. */
export interface Episode {
  start: number;
  end: number;
  windows: [number, number][];
}

/** Overlapping windows merged into episodes. */
export function episodes(windows: readonly [number, number][]): Episode[] {
  const merged: Episode[] = [];
  for (const [start, end] of windows) {
    const last = merged.at(-1);
    if (last !== undefined && start <= last.end) {
      last.end = Math.max(last.end, end);
      last.windows.push([start, end]);
    } else merged.push({ start, end, windows: [[start, end]] });
  }
  return merged;
}

const CLASS_NAMES: Record<TraceClass, string> = {
  file: "system settings files changed",
  net: "network use by system helpers",
  location: "location services stopped",
  sms: "an iMessage attachment folder emptied",
};

function episodeFinding(
  context: DetectionContext,
  { timeline, episode }: { timeline: readonly TraceEvent[]; episode: Episode },
): Finding {
  const events = timeline.slice(episode.start, episode.end + 1);
  const first = events[0]!;
  const last = events.at(-1)!;
  const classes = [...new Set(events.map((e) => e.class))];
  const qualifying = new Set<TraceClass>();
  for (const [start, end] of episode.windows)
    for (const c of windowClasses(timeline.slice(start, end + 1))) qualifying.add(c);
  const seconds = Math.round((last.ms - first.ms) / 1000);
  const records = [...new Set(events.map((e) => e.record))] as ArtifactRecord[];
  const attachmentFile = events.some((e) => e.sms?.kind === "file");
  const notes = [
    "Each of these events is common on its own; Operation Triangulation's iMessage exploit produced them together within minutes.",
    "Chance clusters happen (e.g. after an update or a restore), so treat this as a lead to check by hand, not a verdict.",
  ];
  if (attachmentFile)
    notes.push(
      "An attachment file was written in this window, so the attachment folder changes were not counted (triangle_check discards the whole window instead).",
    );
  return {
    rule: RULE,
    level: "high",
    certainty: "heuristic",
    time: first.at,
    summary: `Within ${seconds < 2 ? "a second" : seconds < 60 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`}, several traces that Operation Triangulation's iMessage exploit leaves together appeared (${[...qualifying].map((c) => CLASS_NAMES[c]).join("; ")}).`,
    evidence: records.map((r) => evidenceOf(context, r)),
    heuristic: {
      name: "triangle_check event window",
      window: { start: first.at, end: last.at, seconds },
      events: events.map(heuristicEvent),
      parameters: {
        windows: episode.windows.length,
        maxEvents: WINDOW_EVENTS,
        windowSeconds: WINDOW_SECONDS,
        classes,
        qualifyingClasses: [...qualifying],
      },
    },
    campaign: CAMPAIGN,
    notes,
  };
}

function limitations(context: DetectionContext): Limitation[] {
  const out: Limitation[] = [];
  const missing = (artifact: string, what: string, consequence: string): void => {
    if (sourceMissing(context, artifact))
      out.push(missingSource(context, { rule: RULE, artifact, what, consequence, important: false }));
  };
  if (USAGE_ARTIFACTS.every((id) => sourceMissing(context, id)))
    out.push(
      missingSource(context, {
        rule: RULE,
        artifact: "ios/datausage",
        what: "The per-process data usage database (DataUsage.sqlite)",
        consequence: "the event window had no network events to combine",
        important: false,
      }),
    );
  missing(
    "ios/locationd-clients",
    "The location clients list (clients.plist)",
    "the event window had no location events",
  );
  missing(
    "ios/file-listing",
    "The file listing",
    "the event window had no SMS attachment folder or preference file times",
  );
  return out;
}

export const eventWindowDetection = defineDetection({
  id: RULE,
  title: "Operation Triangulation: clustered exploitation traces",
  reads: [
    ...USAGE_ARTIFACTS,
    "ios/osanalytics-addaily",
    "ios/locationd-clients",
    "ios/preference-files",
    "ios/file-listing",
  ],
  run(context) {
    const timeline = traceTimeline(context);
    const findings = episodes(qualifyingWindows(timeline)).map((episode) =>
      episodeFinding(context, { timeline, episode }),
    );
    return { findings, limitations: limitations(context) };
  },
});
