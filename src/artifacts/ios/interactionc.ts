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
  emailObservable,
  hasColumns,
  iterateRows,
} from "./_shared/comms.js";

/** A contact as CoreDuet knows it. */
export interface InteractionContact {
  displayName?: string;
  /** Phone number, e-mail or app-specific id. */
  identifier?: string;
}

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
  groupName?: string;
  /** Creation and start dates differ by an hour or more (back-filled or tampered rows). */
  createdDivergesFromStart?: boolean;
}

export const MAX_RECIPIENTS = 50;
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
          ${cappedColumn("s.ZDISPLAYNAME", MAX_SHORT)} AS senderName, ${cappedColumn("s.ZIDENTIFIER", MAX_SHORT)} AS senderId
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
        const sender = contact(row.senderName, row.senderId);
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
          attachments: shared === undefined || shared.length === 0 ? undefined : shared,
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
    return events;
  },
});

function contact(name: unknown, identifier: unknown): InteractionContact | undefined {
  const out = assignDefined<InteractionContact>(
    {},
    { displayName: short(name), identifier: short(identifier) },
  );
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
      `SELECT ${cappedColumn("c.ZDISPLAYNAME", MAX_SHORT)} AS name, ${cappedColumn("c.ZIDENTIFIER", MAX_SHORT)} AS id
       FROM "${table}" j JOIN ZCONTACTS c ON c.Z_PK = j."${contactColumn}"
       WHERE j."${interactionColumn}" = ? ORDER BY c.Z_PK LIMIT ${MAX_RECIPIENTS}`,
    );
    return (interaction) => {
      const n = asNumber((count.get(interaction) as { n: unknown } | undefined)?.n) ?? 0;
      const contacts = (list.all(interaction) as Record<string, unknown>[])
        .map((row) => contact(row.name, row.id))
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
): ((interaction: number) => InteractionAttachment[]) | undefined {
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
      `SELECT ${column("ZUTI", "uti")}, ${column("ZCONTENTURL", "url")}
       FROM "${table}" j JOIN ZATTACHMENT a ON a.Z_PK = j."${attachmentColumn}"
       WHERE j."${interactionColumn}" = ? ORDER BY a.Z_PK LIMIT ${MAX_RECIPIENTS}`,
    );
    return (interaction) =>
      (list.all(interaction) as Record<string, unknown>[])
        .map((row) =>
          assignDefined<InteractionAttachment>({}, { uti: short(row.uti), contentUrl: short(row.url) }),
        )
        .filter((a) => Object.keys(a).length > 0);
  }
  return undefined;
}
