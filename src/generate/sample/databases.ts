/**
 * The SQLite databases of a sample device, built in memory with the schemas of iOS 16 (the corpus SQL in
 * ../shared/corpus/backups/dev-ios16-spec/sql shows the real column sets; the DDL here is our own, trimmed
 * to the columns that matter) and returned as database images.
 */
import Database from "better-sqlite3";
import { markWalMode } from "../sqlite-payload.js";
import { cocoaNanoseconds, cocoaSeconds } from "./clock.js";
import type { SampleModel } from "./model.js";

type Db = InstanceType<typeof Database>;

function build(
  schema: string,
  fill: (db: Db) => void,
  options: { wal?: boolean; indexes?: string } = {},
): Buffer {
  const db = new Database(":memory:");
  try {
    // Rows are written in id order, and a visit may name a redirect that comes after it.
    db.pragma("foreign_keys = OFF");
    db.exec(schema);
    db.transaction(() => fill(db))();
    // Secondary indexes built once after the rows, which is much faster than maintaining them row by row.
    if (options.indexes !== undefined) db.exec(options.indexes);
    const image = db.serialize();
    return options.wal === true ? markWalMode(image) : image;
  } finally {
    db.close();
  }
}

const DATA_USAGE_SCHEMA = `
CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZFIRSTTIMESTAMP TIMESTAMP,
  ZTIMESTAMP TIMESTAMP, ZBUNDLENAME VARCHAR, ZPROCNAME VARCHAR);
CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, Z_OPT INTEGER, ZKIND INTEGER, ZMETADATA INTEGER,
  ZTAG INTEGER, ZHASPROCESS INTEGER, ZBILLCYCLEEND TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZWIFIIN FLOAT, ZWIFIOUT FLOAT,
  ZWWANIN FLOAT, ZWWANOUT FLOAT);
CREATE INDEX ZLIVEUSAGE_ZHASPROCESS_INDEX ON ZLIVEUSAGE (ZHASPROCESS);
CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME VARCHAR, Z_SUPER INTEGER, Z_MAX INTEGER);
CREATE TABLE Z_METADATA (Z_VERSION INTEGER PRIMARY KEY, Z_UUID VARCHAR(255), Z_PLIST BLOB);
`;

/** DataUsage.sqlite: ZPROCESS and ZLIVEUSAGE in Cocoa seconds, Z_PK in row order. */
export function buildDataUsage(model: SampleModel): Buffer {
  return build(DATA_USAGE_SCHEMA, (db) => {
    const process = db.prepare(
      "INSERT INTO ZPROCESS (Z_PK, Z_ENT, Z_OPT, ZFIRSTTIMESTAMP, ZTIMESTAMP, ZBUNDLENAME, ZPROCNAME) VALUES (?, 7, 2, ?, ?, ?, ?)",
    );
    const live = db.prepare(
      `INSERT INTO ZLIVEUSAGE (Z_PK, Z_ENT, Z_OPT, ZKIND, ZMETADATA, ZTAG, ZHASPROCESS, ZTIMESTAMP, ZWIFIIN, ZWIFIOUT, ZWWANIN, ZWWANOUT)
       VALUES (?, 5, 2, 0, 0, 1, ?, ?, ?, ?, ?, ?)`,
    );
    let livePk = 0;
    model.processes.forEach((row, i) => {
      const pk = i + 1;
      process.run(pk, cocoaSeconds(row.firstAt), cocoaSeconds(row.lastAt), row.bundle ?? null, row.name);
      for (const usage of row.live) {
        livePk += 1;
        live.run(
          livePk,
          pk,
          cocoaSeconds(usage.at),
          usage.wifiIn,
          usage.wifiOut,
          usage.wwanIn,
          usage.wwanOut,
        );
      }
    });
    const key = db.prepare("INSERT INTO Z_PRIMARYKEY (Z_ENT, Z_NAME, Z_SUPER, Z_MAX) VALUES (?, ?, 0, ?)");
    key.run(5, "LiveUsage", livePk);
    key.run(7, "Process", model.processes.length);
  });
}

const SMS_SCHEMA = `
CREATE TABLE _SqliteDatabaseProperties (key TEXT, value TEXT, UNIQUE(key));
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT,
  service TEXT NOT NULL, uncanonicalized_id TEXT, person_centric_id TEXT, UNIQUE (id, service));
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, style INTEGER, state INTEGER,
  account_id TEXT, properties BLOB, chat_identifier TEXT, service_name TEXT, room_name TEXT, account_login TEXT,
  is_archived INTEGER DEFAULT 0, last_addressed_handle TEXT, display_name TEXT, group_id TEXT);
CREATE TABLE chat_handle_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  handle_id INTEGER REFERENCES handle (ROWID) ON DELETE CASCADE, UNIQUE(chat_id, handle_id));
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT,
  replace INTEGER DEFAULT 0, service_center TEXT, handle_id INTEGER DEFAULT 0, subject TEXT, country TEXT,
  attributedBody BLOB, version INTEGER DEFAULT 0, type INTEGER DEFAULT 0, service TEXT, account TEXT,
  account_guid TEXT, error INTEGER DEFAULT 0, date INTEGER, date_read INTEGER, date_delivered INTEGER,
  is_delivered INTEGER DEFAULT 0, is_finished INTEGER DEFAULT 0, is_emote INTEGER DEFAULT 0,
  is_from_me INTEGER DEFAULT 0, is_empty INTEGER DEFAULT 0, is_read INTEGER DEFAULT 0, is_sent INTEGER DEFAULT 0,
  cache_has_attachments INTEGER DEFAULT 0, item_type INTEGER DEFAULT 0, balloon_bundle_id TEXT,
  payload_data BLOB, message_summary_info BLOB, destination_caller_id TEXT, is_corrupt INTEGER DEFAULT 0,
  is_spam INTEGER DEFAULT 0);
CREATE TABLE chat_message_join (chat_id INTEGER REFERENCES chat (ROWID) ON DELETE CASCADE,
  message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE, message_date INTEGER DEFAULT 0,
  PRIMARY KEY (chat_id, message_id));
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL,
  created_date INTEGER DEFAULT 0, start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT,
  transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0, user_info BLOB, transfer_name TEXT,
  total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, sticker_user_info BLOB, attribution_info BLOB,
  hide_attachment INTEGER DEFAULT 0, original_guid TEXT UNIQUE NOT NULL);
CREATE TABLE message_attachment_join (message_id INTEGER REFERENCES message (ROWID) ON DELETE CASCADE,
  attachment_id INTEGER REFERENCES attachment (ROWID) ON DELETE CASCADE, UNIQUE(message_id, attachment_id));
CREATE TABLE deleted_messages (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, guid TEXT NOT NULL);
`;
const SMS_INDEXES = `
CREATE INDEX message_idx_handle ON message(handle_id, date);
CREATE INDEX message_idx_date ON message(date);
CREATE INDEX chat_message_join_idx_message_id_only ON chat_message_join(message_id);
CREATE INDEX message_attachment_join_idx_message_id ON message_attachment_join(message_id);
`;

/** sms.db: handles, one chat per handle, messages (Cocoa nanoseconds) and attachments with their joins. */
export function buildSmsDb(model: SampleModel, ownNumber: string): Buffer {
  return build(
    SMS_SCHEMA,
    (db) => {
      db.prepare(
        "INSERT INTO _SqliteDatabaseProperties (key, value) VALUES ('_ClientVersion', '17100')",
      ).run();
      const handle = db.prepare(
        "INSERT INTO handle (ROWID, id, country, service, uncanonicalized_id) VALUES (?, ?, ?, ?, ?)",
      );
      const chat = db.prepare(
        "INSERT INTO chat (ROWID, guid, style, state, chat_identifier, service_name, account_login) VALUES (?, ?, 45, 3, ?, ?, ?)",
      );
      const chatHandle = db.prepare("INSERT INTO chat_handle_join (chat_id, handle_id) VALUES (?, ?)");
      model.handles.forEach((h, i) => {
        const id = i + 1;
        handle.run(id, h.id, h.country, h.service, h.id.includes("@") ? null : h.id);
        chat.run(id, `${h.service};-;${h.id}`, h.id, h.service, `E:${ownNumber}`);
        chatHandle.run(id, id);
      });
      const attachment = db.prepare(
        `INSERT INTO attachment (ROWID, guid, created_date, start_date, filename, uti, mime_type, transfer_state,
           is_outgoing, transfer_name, total_bytes, hide_attachment, original_guid) VALUES (?, ?, ?, ?, ?, ?, ?, 5, ?, ?, ?, ?, ?)`,
      );
      model.attachments.forEach((a, i) => {
        const created = cocoaNanoseconds(a.createdAt);
        attachment.run(
          i + 1,
          a.guid,
          created,
          created,
          a.filename,
          a.uti,
          a.mimeType,
          a.outgoing ? 1 : 0,
          a.transferName,
          a.totalBytes,
          a.hidden === true ? 1 : 0,
          a.guid,
        );
      });
      const message = db.prepare(
        `INSERT INTO message (ROWID, guid, text, handle_id, service, account, date, date_read, date_delivered,
           is_delivered, is_finished, is_from_me, is_read, is_sent, cache_has_attachments, destination_caller_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?, ?, ?, ?)`,
      );
      const chatMessage = db.prepare(
        "INSERT INTO chat_message_join (chat_id, message_id, message_date) VALUES (?, ?, ?)",
      );
      const join = db.prepare(
        "INSERT INTO message_attachment_join (message_id, attachment_id) VALUES (?, ?)",
      );
      model.messages.forEach((m, i) => {
        const id = i + 1;
        const date = cocoaNanoseconds(m.at);
        message.run(
          id,
          m.guid,
          m.text,
          m.handle,
          m.service,
          m.service === "iMessage" ? `E:${ownNumber}` : `P:${ownNumber}`,
          date,
          m.readAt === undefined ? 0n : cocoaNanoseconds(m.readAt),
          m.fromMe ? date : 0n,
          m.fromMe ? 1 : 0,
          m.readAt === undefined ? 0 : 1,
          m.fromMe ? 1 : 0,
          m.attachments.length > 0 ? 1 : 0,
          ownNumber,
        );
        chatMessage.run(m.handle, id, date);
        for (const a of m.attachments) join.run(id, a + 1);
      });
    },
    { wal: true, indexes: SMS_INDEXES },
  );
}

const HISTORY_SCHEMA = `
CREATE TABLE history_items (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE, domain_expansion TEXT NULL,
  visit_count INTEGER NOT NULL, daily_visit_counts BLOB NOT NULL, weekly_visit_counts BLOB NULL,
  autocomplete_triggers BLOB NULL, should_recompute_derived_visit_counts INTEGER NOT NULL,
  visit_count_score INTEGER NOT NULL, status_code INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_visits (id INTEGER PRIMARY KEY AUTOINCREMENT,
  history_item INTEGER NOT NULL REFERENCES history_items(id) ON DELETE CASCADE, visit_time REAL NOT NULL,
  title TEXT NULL, load_successful BOOLEAN NOT NULL DEFAULT 1, http_non_get BOOLEAN NOT NULL DEFAULT 0,
  synthesized BOOLEAN NOT NULL DEFAULT 0, redirect_source INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,
  redirect_destination INTEGER NULL UNIQUE REFERENCES history_visits(id) ON DELETE CASCADE,
  origin INTEGER NOT NULL DEFAULT 0, generation INTEGER NOT NULL DEFAULT 0, attributes INTEGER NOT NULL DEFAULT 0,
  score INTEGER NOT NULL DEFAULT 0);
CREATE TABLE history_tombstones (id INTEGER PRIMARY KEY AUTOINCREMENT, start_time REAL NOT NULL, end_time REAL NOT NULL,
  url TEXT, generation INTEGER NOT NULL DEFAULT 0, udid TEXT, attributes INTEGER NOT NULL DEFAULT 0);
CREATE TABLE metadata (key TEXT NOT NULL UNIQUE, value);
`;
const HISTORY_INDEXES =
  "CREATE INDEX history_visits__last_visit ON history_visits (history_item, visit_time DESC, synthesized ASC);";

/** The label Safari stores in domain_expansion: the host without "www." and its public suffix, roughly. */
function domainExpansion(url: string): string | null {
  try {
    const host = new URL(url).hostname.replace(/^www\./, "");
    const parts = host.split(".");
    return parts.length <= 1
      ? host
      : parts.slice(0, parts.length - (parts.at(-2)?.length === 2 ? 2 : 1)).join(".");
  } catch {
    return null;
  }
}

/** Safari History.db: items and visits (Cocoa seconds) with redirect links; foreign keys are left off while filling. */
export function buildHistoryDb(model: SampleModel): Buffer {
  return build(
    HISTORY_SCHEMA,
    (db) => {
      const counts = new Map<number, number>();
      for (const visit of model.historyVisits) counts.set(visit.item, (counts.get(visit.item) ?? 0) + 1);
      const item = db.prepare(
        `INSERT INTO history_items (id, url, domain_expansion, visit_count, daily_visit_counts,
           should_recompute_derived_visit_counts, visit_count_score) VALUES (?, ?, ?, ?, X'01000000', 0, ?)`,
      );
      model.historyItems.forEach((h, i) => {
        const count = counts.get(i) ?? 0;
        item.run(i + 1, h.url, domainExpansion(h.url), count, count * 100);
      });
      const visit = db.prepare(
        `INSERT INTO history_visits (id, history_item, visit_time, title, load_successful, redirect_source,
           redirect_destination, origin, generation) VALUES (?, ?, ?, ?, 1, ?, ?, 0, ?)`,
      );
      model.historyVisits.forEach((v, i) => {
        visit.run(
          i + 1,
          v.item + 1,
          cocoaSeconds(v.at),
          v.title === "" ? null : v.title,
          v.redirectSource === undefined ? null : v.redirectSource + 1,
          v.redirectDestination === undefined ? null : v.redirectDestination + 1,
          i + 1,
        );
      });
      db.prepare("INSERT INTO metadata (key, value) VALUES ('version', 20)").run();
    },
    { wal: true, indexes: HISTORY_INDEXES },
  );
}

const CALENDAR_SCHEMA = `
CREATE TABLE Calendar (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, store_id INTEGER, title TEXT, UUID TEXT, color TEXT);
CREATE TABLE CalendarItem (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, summary TEXT, location_id INTEGER, description TEXT,
  start_date REAL, start_tz TEXT, end_date REAL, all_day INTEGER, calendar_id INTEGER, orig_item_id INTEGER,
  organizer_id INTEGER, url TEXT, last_modified REAL, UUID TEXT, creation_date REAL, hidden INTEGER,
  invitation_status INTEGER DEFAULT 0);
CREATE TABLE Participant (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, entity_type INTEGER, type INTEGER, status INTEGER,
  role INTEGER, identity_id INTEGER, owner_id INTEGER, UUID TEXT, email TEXT, phone_number TEXT, comment TEXT,
  is_self INTEGER);
`;

/** Calendar.sqlitedb: CalendarItem with organizer and attendee Participant rows. */
export function buildCalendarDb(model: SampleModel): Buffer {
  return build(CALENDAR_SCHEMA, (db) => {
    db.prepare(
      "INSERT INTO Calendar (ROWID, store_id, title, UUID, color) VALUES (1, 1, 'Home', ?, '#1BADF8')",
    ).run("5A1C3F0E-7D8B-4E6A-9C2D-1F0A3B4C5D6E");
    const item = db.prepare(
      `INSERT INTO CalendarItem (ROWID, summary, description, start_date, start_tz, end_date, all_day, calendar_id,
         organizer_id, last_modified, UUID, creation_date, hidden, invitation_status)
       VALUES (?, ?, ?, ?, 'Europe/London', ?, 0, 1, ?, ?, ?, ?, ?, ?)`,
    );
    const participant = db.prepare(
      "INSERT INTO Participant (ROWID, entity_type, type, status, role, owner_id, UUID, email, is_self) VALUES (?, 7, 1, ?, ?, ?, ?, ?, ?)",
    );
    let participants = 0;
    model.calendar.forEach((event, i) => {
      const id = i + 1;
      let organizerId: number | null = null;
      if (event.organizer !== undefined) {
        participants += 1;
        organizerId = participants;
        participant.run(participants, 0, 0, id, `${id}-O`, `mailto:${event.organizer}`, 0);
      }
      item.run(
        id,
        event.summary,
        event.description ?? null,
        cocoaSeconds(event.startAt),
        cocoaSeconds(event.endAt),
        organizerId,
        cocoaSeconds(event.modifiedAt),
        event.uuid,
        cocoaSeconds(event.createdAt),
        event.hidden === true ? 1 : 0,
        event.organizer === undefined ? 0 : 1,
      );
      for (const email of event.attendees) {
        participants += 1;
        participant.run(
          participants,
          0,
          1,
          id,
          `${id}-${participants}`,
          `mailto:${email}`,
          email.startsWith("me@") ? 1 : 0,
        );
      }
    });
  });
}

const TCC_SCHEMA = `
CREATE TABLE admin (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL);
CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
  auth_value INTEGER NOT NULL, auth_reason INTEGER NOT NULL, auth_version INTEGER NOT NULL, csreq BLOB,
  policy_id INTEGER, indirect_object_identifier_type INTEGER, indirect_object_identifier TEXT NOT NULL DEFAULT 'UNUSED',
  indirect_object_code_identity BLOB, flags INTEGER, last_modified INTEGER NOT NULL DEFAULT (CAST(strftime('%s','now') AS INTEGER)),
  PRIMARY KEY (service, client, client_type, indirect_object_identifier));
`;

/** TCC.db, access table of schema v3 (auth_value, auth_reason, last_modified in Unix seconds). */
export function buildTccDb(model: SampleModel): Buffer {
  return build(TCC_SCHEMA, (db) => {
    db.prepare("INSERT INTO admin (key, value) VALUES ('version', 22)").run();
    const row = db.prepare(
      `INSERT INTO access (service, client, client_type, auth_value, auth_reason, auth_version, flags, last_modified)
       VALUES (?, ?, ?, ?, ?, 1, 0, ?)`,
    );
    for (const r of model.tcc)
      row.run(r.service, r.client, r.clientType, r.authValue, r.authReason, Math.floor(r.at / 1000));
  });
}

const ADDRESS_BOOK_SCHEMA = `
CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, Organization TEXT,
  Note TEXT, Kind INTEGER, CreationDate INTEGER, ModificationDate INTEGER);
CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER,
  label INTEGER, value TEXT, guid TEXT);
`;

/** AddressBook.sqlitedb: ABPerson and ABMultiValue (property 3 phone, 4 e-mail), dates in Cocoa seconds. */
export function buildAddressBookDb(model: SampleModel): Buffer {
  return build(ADDRESS_BOOK_SCHEMA, (db) => {
    const person = db.prepare(
      "INSERT INTO ABPerson (ROWID, First, Last, Organization, Kind, CreationDate, ModificationDate) VALUES (?, ?, ?, ?, 0, ?, ?)",
    );
    const value = db.prepare(
      "INSERT INTO ABMultiValue (UID, record_id, property, identifier, label, value, guid) VALUES (?, ?, ?, 0, 1, ?, ?)",
    );
    let uid = 0;
    model.contacts.forEach((c, i) => {
      person.run(
        i + 1,
        c.first,
        c.last,
        c.organization ?? null,
        Math.floor(cocoaSeconds(c.createdAt)),
        Math.floor(cocoaSeconds(c.modifiedAt)),
      );
      for (const v of c.values) {
        uid += 1;
        value.run(
          uid,
          i + 1,
          v.property,
          v.value,
          `0B8F0B2E-0000-4000-8000-${String(uid).padStart(12, "0")}`,
        );
      }
    });
  });
}
