import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { type CalendarRecord, calendarArtifact } from "./calendar.js";

const PATH = "/private/var/mobile/Library/Calendar/Calendar.sqlitedb";

async function run(sql: string) {
  const { status, data } = await collectArtifact(calendarArtifact, { [PATH]: { sql } });
  return { status, records: data as CalendarRecord[] };
}

const MODERN = `
CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT, location_id INTEGER, description TEXT,
  start_date REAL, start_tz TEXT, end_date REAL, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER, organizer_id INTEGER,
  url TEXT, last_modified REAL, UUID TEXT, creation_date REAL, hidden INTEGER);
CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER, role INTEGER,
  identity_id INTEGER, owner_id INTEGER, UUID TEXT, email TEXT, phone_number TEXT, comment TEXT, is_self INTEGER);
`;

describe("ios/calendar", () => {
  it("reads an invitation with organizer and attendees (iOS 14+ schema)", async () => {
    const { status, records } = await run(`${MODERN}
      INSERT INTO CalendarItem (ROWID, summary, description, start_date, end_date, all_day, organizer_id, url, last_modified, UUID, creation_date)
        VALUES (1, 'Meeting', 'Notes', 650000000, 650003600, 0, 10, 'https://meet.example/x', 650000100, 'U-1', 649999000);
      INSERT INTO Participant (ROWID, owner_id, email, phone_number, is_self) VALUES
        (10, 1, 'mailto:attacker@example.com', NULL, 0), (11, 1, 'me@example.org', NULL, 1), (12, 1, NULL, '+447700900111', 0);`);
    expect(status.status).toBe("found");
    expect(records[0]).toEqual({
      rowId: 1,
      uuid: "U-1",
      summary: "Meeting",
      description: "Notes",
      startAt: "2021-08-07T03:33:20.000Z",
      endAt: "2021-08-07T04:33:20.000Z",
      allDay: false,
      createdAt: "2021-08-07T03:16:40.000Z",
      modifiedAt: "2021-08-07T03:35:00.000Z",
      url: "https://meet.example/x",
      links: [],
      participants: [
        { role: "organizer", email: "mailto:attacker@example.com", isSelf: false },
        { role: "attendee", email: "me@example.org", isSelf: true },
        { role: "attendee", phone: "+447700900111", isSelf: false },
      ],
    });
    expect(calendarArtifact.observables(records[0]!)).toEqual([
      { kind: "email", value: "attacker@example.com", field: "participants[0].email" },
      { kind: "email", value: "me@example.org", field: "participants[1].email" },
      { kind: "url", value: "https://meet.example/x", field: "url" },
    ]);
    const events = calendarArtifact.events(records[0]!);
    expect(events.map((e) => e.event)).toEqual([
      "calendar_event_created",
      "calendar_event_modified",
      "calendar_event_start",
    ]);
    expect(events[0]?.description).toBe(
      'Calendar event "Meeting" organised by mailto:attacker@example.com with 2 attendees created',
    );
  });

  it("resolves participants through the Identity table", async () => {
    const { records } = await run(`${MODERN}
      CREATE TABLE Identity (display_name TEXT, address TEXT, first_name TEXT, last_name TEXT);
      INSERT INTO Identity (ROWID, display_name, address) VALUES (5, 'Organiser', 'mailto:org@example.com'), (6, 'Phone', 'tel:+1555');
      INSERT INTO CalendarItem (ROWID, summary, description, start_date, end_date, organizer_id) VALUES (1, 'Meeting', 'Notes', 1, 2, 20);
      INSERT INTO Participant (ROWID, owner_id, identity_id, email) VALUES (20, 1, 5, NULL), (21, 1, 6, NULL), (22, 1, 99, 'x@example.org');`);
    expect(records[0]?.participants).toEqual([
      { role: "organizer", email: "org@example.com", name: "Organiser" },
      { role: "attendee", name: "Phone" },
      { role: "attendee", email: "x@example.org" },
    ]);
  });

  it("reads an older schema (no UUID, url, creation date or owner_id)", async () => {
    const { records } = await run(`
      CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY, summary TEXT, description TEXT, start_date REAL, end_date REAL, organizer_id INTEGER);
      CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY, email TEXT);
      INSERT INTO CalendarItem VALUES (1, 'Lunch', 'see http://menu.example/today.', 500000000, NULL, 3), (2, NULL, NULL, NULL, NULL, 99);
      INSERT INTO Participant VALUES (3, 'friend@example.net');`);
    expect(records).toEqual([
      {
        rowId: 1,
        summary: "Lunch",
        description: "see http://menu.example/today.",
        startAt: "2016-11-05T00:53:20.000Z",
        links: ["http://menu.example/today"],
        participants: [{ role: "organizer", email: "friend@example.net" }],
      },
      { rowId: 2, links: [], participants: [] },
    ]);
    expect(calendarArtifact.events(records[1]!)).toEqual([]);
  });

  it("survives hostile values and huge descriptions", async () => {
    const { status, records } = await run(`${MODERN}
      INSERT INTO CalendarItem (ROWID, summary, description, start_date, end_date, organizer_id, url)
        VALUES (1, x'00ff', 'https://a.example/ ' || printf('%.*c', 100000, 'd'), 'tomorrow', 1e300, 'x', 'javascript:alert(1)');`);
    expect(status.status).toBe("found");
    expect(records[0]?.descriptionTruncated).toBe(true);
    expect(records[0]?.description).toHaveLength(64 * 1024);
    expect(records[0]?.links).toEqual(["https://a.example/"]);
    expect(records[0]?.startAt).toBeUndefined();
    expect(records[0]?.endAt).toBeUndefined();
    expect(calendarArtifact.observables(records[0]!).map((o) => o.kind)).toEqual(["url"]);
  });
});
