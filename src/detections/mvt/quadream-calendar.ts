/** QuaDream's exploit (ENDOFDAYS) arrived as an invisible calendar invitation titled "Meeting" with notes "Notes" (MVT Calendar heuristic). */
import type { CalendarRecord } from "../../artifacts/ios/calendar.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, recordHeuristic } from "../support.js";

const RULE = "mvt/quadream-calendar";

export const quadreamCalendarDetection = defineDetection({
  id: RULE,
  title: "QuaDream calendar invitation trace",
  reads: ["ios/calendar"],
  readsContent: { "ios/calendar": ["description"] },
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<CalendarRecord>("ios/calendar")) {
      if (r.data.summary !== "Meeting" || r.data.description !== "Notes") continue;
      const organizer = r.data.participants.find((p) => p.role === "organizer");
      const at = r.data.createdAt ?? r.data.startAt;
      const finding: Finding = {
        rule: RULE,
        level: "high",
        certainty: "heuristic",
        summary: `The calendar holds an event titled "Meeting" with the notes "Notes", the shape of the invitations QuaDream's spyware used to break into iPhones${organizer?.email === undefined ? "" : ` (organiser ${organizer.email})`}.`,
        evidence: [
          evidenceOf(context, r, {
            field: "summary, description",
            part: {
              ...r.data,
              links: r.data.links.slice(0, 10),
              participants: r.data.participants.slice(0, 10),
            },
          }),
        ],
        heuristic: recordHeuristic(r, {
          name: "QuaDream invitation shape",
          condition: 'calendar event whose title is exactly "Meeting" and notes exactly "Notes"',
          event: {
            at,
            event: r.data.createdAt === undefined ? "calendar_event_start" : "calendar_event_created",
            description: `calendar event "Meeting"${organizer?.email === undefined ? "" : ` organised by ${organizer.email}`}`,
          },
        }),
        campaign: "QuaDream (ENDOFDAYS)",
        notes: ["A real meeting can have these generic words; the organiser and the event's date decide."],
      };
      if (at !== undefined) finding.time = at;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
