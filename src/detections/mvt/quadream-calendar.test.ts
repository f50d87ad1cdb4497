import { describe, expect, it } from "vitest";
import type { CalendarRecord } from "../../artifacts/ios/calendar.js";
import { contextOf, record } from "../test-context.js";
import { quadreamCalendarDetection } from "./quadream-calendar.js";

const CAL = "/private/var/mobile/Library/Calendar/Calendar.sqlitedb";
const event = (summary: string | undefined, description: string | undefined, rowId = 1) => {
  const data: CalendarRecord = {
    rowId,
    links: [],
    participants: [{ role: "organizer", email: "x@example.com" }],
  };
  if (summary !== undefined) data.summary = summary;
  if (description !== undefined) data.description = description;
  return record("ios/calendar", CAL, data);
};

describe("mvt/quadream-calendar", () => {
  const cases: [string, string | undefined, string | undefined, number][] = [
    ["Meeting / Notes", "Meeting", "Notes", 1],
    ["Meeting without notes", "Meeting", undefined, 0],
    ["other notes", "Meeting", "Notes for Monday", 0],
    ["lower case", "meeting", "notes", 0],
  ];
  for (const [name, summary, description, count] of cases)
    it(name, () => {
      const { findings } = quadreamCalendarDetection.run(contextOf([event(summary, description)]));
      expect(findings).toHaveLength(count);
      for (const f of findings)
        expect(f).toMatchObject({
          level: "high",
          certainty: "heuristic",
          heuristic: {
            condition: 'calendar event whose title is exactly "Meeting" and notes exactly "Notes"',
            events: [
              { description: 'calendar event "Meeting" organised by x@example.com', path: CAL, rowId: 1 },
            ],
          },
        });
    });
});
