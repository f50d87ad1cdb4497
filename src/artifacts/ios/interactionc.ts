/**
 * CoreDuet people interactions (interactionC.db ZINTERACTIONS ⟕ ZCONTACTS, recipients through the
 * Z_<n>INTERACTIONRECIPIENT join table); format: ../shared/reference/mvt.md §2 (InteractionC).
 */
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type TimelineEvent } from "../define.js";
import {
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

/** A contact as CoreDuet knows it. */
export interface InteractionContact {
  displayName?: string;
  /** Phone number, e-mail or app-specific id. */
  identifier?: string;
  /** ZPERSONID: the Contacts person the contact is linked to. */
  personId?: string;
  /** When this contact first and last sent the device something (ZFIRST/ZLASTINCOMINGSENDERDATE). */
  firstIncomingSenderAt?: string;
  lastIncomingSenderAt?: string;
  /** When this contact first and last was a fellow recipient of something received (ZFIRST/ZLASTINCOMINGRECIPIENTDATE). */
  firstIncomingRecipientAt?: string;
  lastIncomingRecipientAt?: string;
  /** When the device first and last sent this contact something (ZFIRST/ZLASTOUTGOINGRECIPIENTDATE). */
  firstOutgoingRecipientAt?: string;
  lastOutgoingRecipientAt?: string;
}

/** ZCONTACTS columns read for each contact, beyond name and identifier: field ← column. */
const CONTACT_COLUMNS = [
  ["personId", "ZPERSONID"],
  ["firstIncomingSenderAt", "ZFIRSTINCOMINGSENDERDATE"],
  ["lastIncomingSenderAt", "ZLASTINCOMINGSENDERDATE"],
  ["firstIncomingRecipientAt", "ZFIRSTINCOMINGRECIPIENTDATE"],
  ["lastIncomingRecipientAt", "ZLASTINCOMINGRECIPIENTDATE"],
  ["firstOutgoingRecipientAt", "ZFIRSTOUTGOINGRECIPIENTDATE"],
  ["lastOutgoingRecipientAt", "ZLASTOUTGOINGRECIPIENTDATE"],
] as const;

/** The per-contact dates, with the words their timeline events use. */
const CONTACT_DATES = [
  ["firstIncomingSenderAt", "interaction_contact_first_incoming", "First interaction from"],
  ["lastIncomingSenderAt", "interaction_contact_last_incoming", "Last interaction from"],
  [
    "firstIncomingRecipientAt",
    "interaction_contact_first_co_recipient",
    "First incoming interaction that also went to",
  ],
  [
    "lastIncomingRecipientAt",
    "interaction_contact_last_co_recipient",
    "Last incoming interaction that also went to",
  ],
  ["firstOutgoingRecipientAt", "interaction_contact_first_outgoing", "First interaction sent to"],
  ["lastOutgoingRecipientAt", "interaction_contact_last_outgoing", "Last interaction sent to"],
] as const;

/** An item shared in an interaction. */
export interface InteractionAttachment {
  uti?: string;
  contentUrl?: string;
}

/** One interaction (message, call, share…) logged by CoreDuet. */
export interface InteractionRecord {
  rowId: number;
  startAt?: string;
  endAt?: string;
  createdAt?: string;
  bundleId?: string;
  account?: string;
  targetBundleId?: string;
  /** "incoming", "outgoing", or the raw code when unknown. */
  direction?: string;
  mechanism?: number;
  sender?: InteractionContact;
  recipientCount?: number;
  /** The recipients from the join table, at most MAX_RECIPIENTS. */
  recipients?: InteractionContact[];
  contentUrl?: string;
  /** Shared items (ZATTACHMENT through the Z_<n>INTERACTIONS join table), at most MAX_RECIPIENTS. */
  attachments?: InteractionAttachment[];
  /** The text of the shared items (ZATTACHMENT.ZCONTENTTEXT), joined by blank lines; personal content. */
  content?: string;
  contentTruncated?: boolean;
  /** http(s) links in that text, kept as observables when the content itself is withheld. */
  contentLinks?: string[];
  groupName?: string;
  /** Creation and start dates differ by an hour or more (back-filled or tampered rows). */
  createdDivergesFromStart?: boolean;
}

export const MAX_RECIPIENTS = 50;
/** Recipients whose per-contact dates become timeline events (besides the sender). */
const MAX_EVENT_RECIPIENTS = 5;
const MAX_CONTENT = 16 * 1024;
const DIVERGENCE_SECONDS = 3600;
const MAX_SHORT = 4096;

export const interactionCArtifact = defineArtifact<InteractionRecord>({
  id: "ios/interactionc",
  title: "CoreDuet interactions",
  description:
    "Who the device interacted with, through which app and when (interactionC.db); it outlives deleted messages and shows contacts, apps and back-dated rows around an infection.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/CoreDuet/People/interactionC.db"],
  iosVersions: "iOS 10–18",
  contentFields: ["content"],
  input: {
    kind: "sqlite",
    schema: {
      ZINTERACTIONS: ["Z_PK", "ZSTARTDATE", "ZENDDATE", "ZBUNDLEID", "ZDIRECTION", "ZSENDER"],
      ZCONTACTS: ["Z_PK", "ZDISPLAYNAME", "ZIDENTIFIER"],
    },
    *parse(db) {
      const tables = tableColumns(db);
      const col = (column: string, alias: string, capped = false): string =>
        hasColumns(tables, "ZINTERACTIONS", column)
          ? `${capped ? cappedColumn(`i.${column}`, MAX_SHORT) : `i.${column}`} AS ${alias}`
          : `NULL AS ${alias}`;
      const sql = `SELECT i.Z_PK AS rowId, i.ZSTARTDATE AS startDate, i.ZENDDATE AS endDate,
          ${col("ZCREATIONDATE", "creationDate")}, ${cappedColumn("i.ZBUNDLEID", MAX_SHORT)} AS bundleId,
          ${col("ZACCOUNT", "account", true)}, ${col("ZTARGETBUNDLEID", "targetBundleId", true)},
          i.ZDIRECTION AS direction, ${col("ZMECHANISM", "mechanism")}, ${col("ZRECIPIENTCOUNT", "recipientCount")},
          ${col("ZCONTENTURL", "contentUrl", true)}, ${col("ZGROUPNAME", "groupName", true)},
          ${contactSelect(tables, "s")}
        FROM ZINTERACTIONS i LEFT JOIN ZCONTACTS s ON s.Z_PK = i.ZSENDER
        ORDER BY i.Z_PK`;
      const recipients = recipientReader(db, tables);
      const attachments = attachmentReader(db, tables);
      for (const row of iterateRows(db, sql)) {
        const rowId = asNumber(row.rowId) ?? 0;
        const start = asNumber(row.startDate);
        const created = asNumber(row.creationDate);
        const listed = recipients?.(rowId);
        const shared = attachments?.(rowId);
        const record: InteractionRecord = { rowId };
        const sender = contact(row);
        const joined =
          shared === undefined || shared.texts.length === 0 ? undefined : shared.texts.join("\n\n");
        const content = joined === undefined ? undefined : capText(joined, MAX_CONTENT);
        const links = extractLinks(joined);
        assignDefined(record, {
          startAt: fromCocoaSeconds(row.startDate),
          endAt: fromCocoaSeconds(row.endDate),
          createdAt: fromCocoaSeconds(row.creationDate),
          bundleId: short(row.bundleId),
          account: short(row.account),
          targetBundleId: short(row.targetBundleId),
          direction: directionName(row.direction),
          mechanism: asNumber(row.mechanism),
          sender,
          recipientCount: asNumber(row.recipientCount) ?? listed?.count,
          recipients: listed === undefined || listed.contacts.length === 0 ? undefined : listed.contacts,
          contentUrl: short(row.contentUrl),
          attachments: shared === undefined || shared.items.length === 0 ? undefined : shared.items,
          content: content?.text,
          contentTruncated: content?.truncated === true ? true : undefined,
          contentLinks: links.length === 0 ? undefined : links,
          groupName: short(row.groupName),
          createdDivergesFromStart:
            start !== undefined && created !== undefined && start !== 0 && created !== 0
              ? Math.abs(created - start) >= DIVERGENCE_SECONDS
              : undefined,
        });
        yield record;
      }
    },
  },
  observables(record) {
    const observables: Observable[] = [];
    if (record.bundleId !== undefined)
      observables.push({ kind: "app-id", value: record.bundleId, field: "bundleId" });
    if (record.targetBundleId !== undefined)
      observables.push({ kind: "app-id", value: record.targetBundleId, field: "targetBundleId" });
    observables.push(...emailObservable(record.sender?.identifier, "sender.identifier"));
    record.recipients?.forEach((r, i) => {
      observables.push(...emailObservable(r.identifier, `recipients[${i}].identifier`));
    });
    observables.push(...emailObservable(record.account, "account"));
    if (record.contentUrl !== undefined && /^https?:\/\//i.test(record.contentUrl))
      observables.push({ kind: "url", value: record.contentUrl, field: "contentUrl" });
    record.attachments?.forEach((a, i) => {
      if (a.contentUrl !== undefined && /^https?:\/\//i.test(a.contentUrl))
        observables.push({ kind: "url", value: a.contentUrl, field: `attachments[${i}].contentUrl` });
    });
    if (record.contentLinks !== undefined)
      observables.push(...urlObservables(record.contentLinks, "contentLinks"));
    return observables;
  },
  events(record) {
    const events: TimelineEvent[] = [];
    const app = record.bundleId ?? "unknown app";
    const from = record.sender === undefined ? "" : ` from ${describeContact(record.sender)}`;
    const count = record.recipientCount ?? record.recipients?.length;
    const to = count === undefined || count === 0 ? "" : ` to ${count} recipient${count === 1 ? "" : "s"}`;
    const base = `[${app}] ${record.direction ?? "interaction"}${from}${to}`;
    if (record.startAt !== undefined)
      events.push({ at: record.startAt, event: "interaction_start", description: base });
    if (record.createdAt !== undefined && record.createdAt !== record.startAt)
      events.push({
        at: record.createdAt,
        event: "interaction_created",
        description: `${base}${record.createdDivergesFromStart === true ? " (created an hour or more away from its start)" : ""}`,
      });
    // The same contact's dates repeat on each of its interactions; the timeline drops the repeats.
    const people = [record.sender, ...(record.recipients ?? []).slice(0, MAX_EVENT_RECIPIENTS)];
    for (const person of people) {
      if (person === undefined) continue;
      for (const [field, event, words] of CONTACT_DATES) {
        const at = person[field];
        if (at !== undefined) events.push({ at, event, description: `${words} ${describeContact(person)}` });
      }
    }
    return events;
  },
});

/** The ZCONTACTS columns of a contact joined as `alias`, NULL where this schema lacks them. */
function contactSelect(tables: ColumnMap, alias: string): string {
  const parts = [
    `${cappedColumn(`${alias}.ZDISPLAYNAME`, MAX_SHORT)} AS contactName`,
    `${cappedColumn(`${alias}.ZIDENTIFIER`, MAX_SHORT)} AS contactId`,
  ];
  for (const [field, column] of CONTACT_COLUMNS) {
    const value = field === "personId" ? cappedColumn(`${alias}.${column}`, MAX_SHORT) : `${alias}.${column}`;
    parts.push(`${hasColumns(tables, "ZCONTACTS", column) ? value : "NULL"} AS ${field}`);
  }
  return parts.join(", ");
}

/** A contact from a row selected with contactSelect, or undefined when it has nothing. */
function contact(row: Record<string, unknown>): InteractionContact | undefined {
  const out = assignDefined<InteractionContact>(
    {},
    { displayName: short(row.contactName), identifier: short(row.contactId) },
  );
  for (const [field] of CONTACT_COLUMNS) {
    const value = field === "personId" ? short(row[field]) : fromCocoaSeconds(row[field]);
    if (value !== undefined) out[field] = value;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

/** A non-empty string cut to MAX_SHORT characters (queries read one more to notice long values). */
function short(value: unknown): string | undefined {
  return asNonEmpty(value)?.slice(0, MAX_SHORT);
}

function describeContact(c: InteractionContact): string {
  if (c.displayName !== undefined && c.identifier !== undefined) return `${c.displayName} (${c.identifier})`;
  return c.displayName ?? c.identifier ?? "unknown";
}

function directionName(value: unknown): string | undefined {
  const n = asNumber(value);
  if (n === 0) return "incoming";
  if (n === 1) return "outgoing";
  return n === undefined ? undefined : String(n);
}

/**
 * Finds the recipients join table (Core Data names it Z_<entity>INTERACTIONRECIPIENT with columns
 * Z_<n>RECIPIENTS and Z_<m>INTERACTIONRECIPIENT; the numbers vary by model version) and returns a reader.
 */
function recipientReader(
  db: SqliteDatabase,
  tables: ColumnMap,
): ((interaction: number) => { count: number; contacts: InteractionContact[] }) | undefined {
  for (const [table, columns] of tables) {
    if (!/^z_\d+interactionrecipient$/.test(table)) continue;
    const contactColumn = [...columns].find((c) => /^z_\d+recipients$/.test(c));
    const interactionColumn = [...columns].find((c) => /^z_\d+interactionrecipient$/.test(c));
    if (contactColumn === undefined || interactionColumn === undefined) continue;
    const count = db.prepare(`SELECT count(*) AS n FROM "${table}" WHERE "${interactionColumn}" = ?`);
    const list = db.prepare(
      `SELECT ${contactSelect(tables, "c")}
       FROM "${table}" j JOIN ZCONTACTS c ON c.Z_PK = j."${contactColumn}"
       WHERE j."${interactionColumn}" = ? ORDER BY c.Z_PK LIMIT ${MAX_RECIPIENTS}`,
    );
    return (interaction) => {
      const n = asNumber((count.get(interaction) as { n: unknown } | undefined)?.n) ?? 0;
      const contacts = (list.all(interaction) as Record<string, unknown>[])
        .map((row) => contact(row))
        .filter((c): c is InteractionContact => c !== undefined);
      return { count: n, contacts };
    };
  }
  return undefined;
}

/**
 * Finds the attachments join table (Z_<n>INTERACTIONS with columns Z_<n>ATTACHMENTS and Z_<m>INTERACTIONS)
 * and returns a reader of each interaction's shared items.
 */
function attachmentReader(
  db: SqliteDatabase,
  tables: ColumnMap,
): ((interaction: number) => { items: InteractionAttachment[]; texts: string[] }) | undefined {
  if (!hasColumns(tables, "ZATTACHMENT", "Z_PK")) return undefined;
  const column = (name: string, alias: string): string =>
    hasColumns(tables, "ZATTACHMENT", name)
      ? `${cappedColumn(`a.${name}`, MAX_SHORT)} AS ${alias}`
      : `NULL AS ${alias}`;
  for (const [table, columns] of tables) {
    if (!/^z_\d+interactions$/.test(table)) continue;
    const attachmentColumn = [...columns].find((c) => /^z_\d+attachments$/.test(c));
    const interactionColumn = [...columns].find((c) => /^z_\d+interactions$/.test(c));
    if (attachmentColumn === undefined || interactionColumn === undefined) continue;
    const list = db.prepare(
      `SELECT ${column("ZUTI", "uti")}, ${column("ZCONTENTURL", "url")},
         ${hasColumns(tables, "ZATTACHMENT", "ZCONTENTTEXT") ? cappedColumn("a.ZCONTENTTEXT", MAX_CONTENT) : "NULL"} AS text
       FROM "${table}" j JOIN ZATTACHMENT a ON a.Z_PK = j."${attachmentColumn}"
       WHERE j."${interactionColumn}" = ? ORDER BY a.Z_PK LIMIT ${MAX_RECIPIENTS}`,
    );
    return (interaction) => {
      const rows = list.all(interaction) as Record<string, unknown>[];
      const items = rows
        .map((row) =>
          assignDefined<InteractionAttachment>({}, { uti: short(row.uti), contentUrl: short(row.url) }),
        )
        .filter((a) => Object.keys(a).length > 0);
      const texts = rows.map((row) => asNonEmpty(row.text)).filter((t) => t !== undefined);
      return { items, texts };
    };
  }
  return undefined;
}
