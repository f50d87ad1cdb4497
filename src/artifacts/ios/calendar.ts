/**
 * Calendar events with organizer and attendees (Calendar.sqlitedb CalendarItem ⟕ Participant);
 * format: ../shared/reference/mvt.md §2 (Calendar).
 */
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type TimelineEvent } from "../define.js";
import {
  asFlag,
  asNonEmpty,
  asNumber,
  assignDefined,
  type ColumnMap,
  cappedColumn,
  capText,
  emailObservable,
  extractLinks,
  hasColumns,
  iterateRows,
  urlObservables,
} from "./_shared/comms.js";

/** A person on an event. */
export interface CalendarParticipant {
  /** Participant.email, else the `mailto:` address of its Identity row. */
  email?: string;
  /** Identity.display_name, when the Identity table is there. */
  name?: string;
  phone?: string;
  role: "organizer" | "attendee";
  isSelf?: boolean;
}

/** One calendar item (event, reminder or invitation). */
export interface CalendarRecord {
  rowId: number;
  uuid?: string;
  summary?: string;
  /** The notes, cut at 64 KiB. */
  description?: string;
  descriptionTruncated?: boolean;
  startAt?: string;
  endAt?: string;
  allDay?: boolean;
  createdAt?: string;
  modifiedAt?: string;
  url?: string;
  /** URLs found in the description. */
  links: string[];
  /** Organizer first, then attendees (at most MAX_PARTICIPANTS). */
  participants: CalendarParticipant[];
}

/** Most participants kept per event; mass invitations beyond this are cut. */
export const MAX_PARTICIPANTS = 200;
const MAX_SHORT = 4096;

export const calendarArtifact = defineArtifact<CalendarRecord>({
  id: "ios/calendar",
  title: "Calendar events",
  description:
    'Calendar events with their organizers and attendees; QuaDream\'s exploit arrived as invisible calendar invitations ("Meeting" / "Notes") from attacker accounts.',
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/Calendar/Calendar.sqlitedb"],
  iosVersions: "iOS 9–18",
  contentFields: ["description"],
  input: {
    kind: "sqlite",
    schema: { CalendarItem: ["summary", "description", "start_date", "end_date"], Participant: ["email"] },
    *parse(db) {
      const tables = tableColumns(db);
      const item = (column: string, alias: string, cap?: number): string =>
        hasColumns(tables, "CalendarItem", column)
          ? `${cap === undefined ? `c.${column}` : cappedColumn(`c.${column}`, cap)} AS ${alias}`
          : `NULL AS ${alias}`;
      const sql = `SELECT c.ROWID AS rowId, ${item("UUID", "uuid", MAX_SHORT)}, ${cappedColumn("c.summary", MAX_SHORT)} AS summary,
          ${cappedColumn("c.description")} AS description, c.start_date AS startDate, c.end_date AS endDate,
          ${item("all_day", "allDay")}, ${item("creation_date", "creationDate")}, ${item("last_modified", "lastModified")},
          ${item("url", "url", MAX_SHORT)}, ${item("organizer_id", "organizerId")}
        FROM CalendarItem c ORDER BY c.ROWID`;
      const participants = participantReader(db, tables);
      for (const row of iterateRows(db, sql)) {
        const description = asNonEmpty(row.description);
        const capped = description === undefined ? undefined : capText(description);
        const url = asNonEmpty(row.url);
        const record: CalendarRecord = {
          rowId: asNumber(row.rowId) ?? 0,
          links: extractLinks(capped?.text),
          participants: participants(asNumber(row.rowId) ?? 0, asNumber(row.organizerId)),
        };
        assignDefined(record, {
          uuid: asNonEmpty(row.uuid),
          summary: asNonEmpty(row.summary)?.slice(0, MAX_SHORT),
          description: capped?.text,
          descriptionTruncated: capped?.truncated === true ? true : undefined,
          startAt: fromCocoaSeconds(row.startDate),
          endAt: fromCocoaSeconds(row.endDate),
          allDay: asFlag(row.allDay),
          createdAt: fromCocoaSeconds(row.creationDate),
          modifiedAt: fromCocoaSeconds(row.lastModified),
          url: url?.slice(0, MAX_SHORT),
        });
        yield record;
      }
    },
  },
  observables(record) {
    const observables: Observable[] = [];
    record.participants.forEach((p, i) => {
      observables.push(...emailObservable(p.email, `participants[${i}].email`));
    });
    if (record.url !== undefined && /^https?:\/\//i.test(record.url))
      observables.push({ kind: "url", value: record.url, field: "url" });
    observables.push(...urlObservables(record.links, "links"));
    return observables;
  },
  events(record) {
    const organizer = record.participants.find((p) => p.role === "organizer");
    const attendees = record.participants.length - (organizer === undefined ? 0 : 1);
    const title =
      record.summary === undefined ? "Calendar event" : `Calendar event "${record.summary.slice(0, 80)}"`;
    const by =
      organizer === undefined ? "" : ` organised by ${organizer.email ?? organizer.phone ?? "unknown"}`;
    const guests = attendees === 0 ? "" : ` with ${attendees} attendee${attendees === 1 ? "" : "s"}`;
    const events: TimelineEvent[] = [];
    const push = (at: string | undefined, event: string, verb: string): void => {
      if (at !== undefined) events.push({ at, event, description: `${title}${by}${guests} ${verb}` });
    };
    push(record.createdAt, "calendar_event_created", "created");
    push(record.modifiedAt, "calendar_event_modified", "modified");
    push(record.startAt, "calendar_event_start", "starts");
    return events;
  },
});

/** Returns the organizer and attendees of an item (by organizer_id and Participant.owner_id, when present). */
function participantReader(
  db: SqliteDatabase,
  tables: ColumnMap,
): (itemId: number, organizerId: number | undefined) => CalendarParticipant[] {
  const p = (column: string, alias: string): string =>
    hasColumns(tables, "Participant", column)
      ? `${cappedColumn(`p.${column}`, MAX_SHORT)} AS ${alias}`
      : `NULL AS ${alias}`;
  const identity =
    hasColumns(tables, "Participant", "identity_id") &&
    hasColumns(tables, "Identity", "display_name", "address");
  const columns = `p.ROWID AS rowId, ${cappedColumn("p.email", MAX_SHORT)} AS email, ${p("phone_number", "phone")},
    ${hasColumns(tables, "Participant", "is_self") ? "p.is_self" : "NULL"} AS isSelf,
    ${identity ? cappedColumn("i.display_name", MAX_SHORT) : "NULL"} AS name,
    ${identity ? cappedColumn("i.address", MAX_SHORT) : "NULL"} AS address`;
  const from = `Participant p ${identity ? "LEFT JOIN Identity i ON i.ROWID = p.identity_id" : ""}`;
  const byId = db.prepare(`SELECT ${columns} FROM ${from} WHERE p.ROWID = ?`);
  const byOwner = hasColumns(tables, "Participant", "owner_id")
    ? db.prepare(
        `SELECT ${columns} FROM ${from} WHERE p.owner_id = ? ORDER BY p.ROWID LIMIT ${MAX_PARTICIPANTS}`,
      )
    : undefined;
  const short = (value: unknown): string | undefined => asNonEmpty(value)?.slice(0, MAX_SHORT);
  const toParticipant = (
    row: Record<string, unknown>,
    role: CalendarParticipant["role"],
  ): CalendarParticipant => {
    const address = short(row.address);
    return assignDefined<CalendarParticipant>(
      { role },
      {
        email:
          short(row.email) ?? (address?.toLowerCase().startsWith("mailto:") ? address.slice(7) : undefined),
        name: short(row.name),
        phone: short(row.phone),
        isSelf: asFlag(row.isSelf),
      },
    );
  };
  return (itemId, organizerId) => {
    const out: CalendarParticipant[] = [];
    let organizerRow: number | undefined;
    if (organizerId !== undefined && organizerId !== 0) {
      const row = byId.get(organizerId) as Record<string, unknown> | undefined;
      if (row !== undefined) {
        organizerRow = asNumber(row.rowId);
        out.push(toParticipant(row, "organizer"));
      }
    }
    if (byOwner !== undefined) {
      for (const row of byOwner.all(itemId) as Record<string, unknown>[]) {
        if (asNumber(row.rowId) === organizerRow || out.length >= MAX_PARTICIPANTS) continue;
        out.push(toParticipant(row, "attendee"));
      }
    }
    return out;
  };
}
