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

/**
 * The classes a window combines. An attachment folder counts when it was both modified and
 * status-changed in the window (an attachment deleted from it), unless an attachment was written
 * within the window's span (`attachmentInSpan`): then the folder change is that attachment's.
 */
export function windowClasses(events: readonly TraceEvent[], attachmentInSpan: boolean): Set<TraceClass> {
  const classes = new Set<TraceClass>();
  const dirs = new Map<string, Set<string>>();
  let attachment = attachmentInSpan;
  for (const e of events) {
    if (e.class !== "sms") {
      classes.add(e.class);
      continue;
    }
    if (e.sms?.kind === "attachment") attachment = true;
    else if (e.sms?.kind === "dir") {
      const types = dirs.get(e.sms.dir) ?? new Set<string>();
      types.add(e.type);
      dirs.set(e.sms.dir, types);
    }
  }
  const emptied = [...dirs.values()].some((types) => types.has("M") && types.has("C"));
  if (emptied && !attachment) classes.add("sms");
  return classes;
}

/** A window of the timeline: its first and last event index, its classes and the attachment that cancelled its SMS class. */
export interface EventWindow {
  start: number;
  end: number;
  classes: Set<TraceClass>;
  /** The first attachment entry within the window's span, when there is one. */
  attachment?: TraceEvent;
}

/** The first index of a sorted list whose time is at least `ms`. */
function firstAtOrAfter(events: readonly TraceEvent[], ms: number): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (events[mid]!.ms < ms) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The qualifying windows, one per start index: the at most 10 events from it within 300 seconds,
 * judged as a whole. Its span is the 300 seconds from its first event: an attachment entry anywhere
 * in it cancels the SMS class, also one listed before the first event at the same second or left out
 * by the 10-event cap, so the result does not depend on the order of events that share a time.
 */
export function qualifyingWindows(events: readonly TraceEvent[]): EventWindow[] {
  const attachments = events.filter((e) => e.sms?.kind === "attachment");
  const windows: EventWindow[] = [];
  for (let i = 0; i < events.length; i++) {
    const first = events[i]!;
    let end = i;
    while (
      end + 1 < events.length &&
      end + 1 < i + WINDOW_EVENTS &&
      events[end + 1]!.ms - first.ms <= WINDOW_SECONDS * 1000
    )
      end++;
    const candidate = attachments[firstAtOrAfter(attachments, first.ms)];
    const attachment =
      candidate !== undefined && candidate.ms - first.ms <= WINDOW_SECONDS * 1000 ? candidate : undefined;
    const classes = windowClasses(events.slice(i, end + 1), attachment !== undefined);
    if (classes.size < 2) continue;
    windows.push(
      attachment === undefined ? { start: i, end, classes } : { start: i, end, classes, attachment },
    );
  }
  return windows;
}

/** A run of overlapping windows: its first and last event index and the windows it merged. */
export interface Episode {
  start: number;
  end: number;
  windows: EventWindow[];
}

/** Overlapping windows merged into episodes. */
export function episodes(windows: readonly EventWindow[]): Episode[] {
  const merged: Episode[] = [];
  for (const window of windows) {
    const last = merged.at(-1);
    if (last !== undefined && window.start <= last.end) {
      last.end = Math.max(last.end, window.end);
      last.windows.push(window);
    } else merged.push({ start: window.start, end: window.end, windows: [window] });
  }
  return merged;
}

const CLASS_NAMES: Record<TraceClass, string> = {
  file: "system settings files changed",
  net: "network use by system helpers",
  location: "location services stopped",
  sms: "an iMessage attachment folder emptied",
};

function duration(seconds: number): string {
  if (seconds < 2) return "a second";
  return seconds < 60 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}

/** "2022-09-13 10:04:54 UTC" from an ISO time. */
function clock(at: string): string {
  return `${at.slice(0, 10)} ${at.slice(11, 19)} UTC`;
}

/** "2022-09-13 10:00:00 and 10:44:10 UTC" (the second date only when it differs). */
function between(from: string, to: string): string {
  const end =
    to.slice(0, 10) === from.slice(0, 10) ? to.slice(11, 19) : `${to.slice(0, 10)} ${to.slice(11, 19)}`;
  return `${from.slice(0, 10)} ${from.slice(11, 19)} and ${end} UTC`;
}

function episodeFinding(
  context: DetectionContext,
  { timeline, episode }: { timeline: readonly TraceEvent[]; episode: Episode },
): Finding {
  const events = timeline.slice(episode.start, episode.end + 1);
  const first = events[0]!;
  const last = events.at(-1)!;
  const classes = [...new Set(events.map((e) => e.class))];
  const qualifying = new Set<TraceClass>();
  for (const window of episode.windows) for (const c of window.classes) qualifying.add(c);
  const seconds = Math.round((last.ms - first.ms) / 1000);
  const records = [...new Set(events.map((e) => e.record))] as ArtifactRecord[];
  const attachment = episode.windows.find((w) => w.attachment !== undefined)?.attachment;
  const notes = [
    "Each of these events is common on its own; Operation Triangulation's iMessage exploit produced them together within minutes.",
    "Chance clusters happen (e.g. after an update or a restore), so treat this as a lead to check by hand, not a verdict.",
  ];
  if (attachment !== undefined && events.some((e) => e.sms?.kind === "dir"))
    notes.push(
      `An attachment (${attachment.subject}, ${clock(attachment.at)}) was written within 5 minutes of a window's first event, so that window's attachment folder changes were not counted (triangle_check discards the whole window instead).`,
    );
  const traces = [...qualifying].map((c) => CLASS_NAMES[c]).join("; ");
  const summary =
    episode.windows.length === 1
      ? `Within ${duration(seconds)}, several traces that Operation Triangulation's iMessage exploit leaves together appeared (${traces}).`
      : `${episode.windows.length} overlapping windows of at most 5 minutes and 10 events, ${events.length} events in all between ${between(first.at, last.at)}, each combined traces that Operation Triangulation's iMessage exploit leaves together (${traces}).`;
  return {
    rule: RULE,
    level: "high",
    certainty: "heuristic",
    time: first.at,
    summary,
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

/** The timeline and its episodes (the qualifying windows merged), as this rule finds them. */
export function eventWindowEpisodes(context: DetectionContext): {
  timeline: readonly TraceEvent[];
  episodes: Episode[];
} {
  const timeline = traceTimeline(context);
  return { timeline, episodes: episodes(qualifyingWindows(timeline)) };
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
    const { timeline, episodes: found } = eventWindowEpisodes(context);
    const findings = found.map((episode) => episodeFinding(context, { timeline, episode }));
    return { findings, limitations: limitations(context) };
  },
});
