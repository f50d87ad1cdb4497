/**
 * WhatsApp messages from every ChatStorage.sqlite (ZWAMESSAGE with media and link-preview items),
 * with `@lid` JIDs resolved through the container's LID map; format: ../shared/reference/mvt.md §2 (Whatsapp).
 *
 * A `source` artifact because one record needs two files: the LID map lives in LID.sqlite beside
 * ChatStorage.sqlite (older versions keep it in ChatStorage.sqlite itself). The engine names the
 * evidence, not the database, as the record's file; `database` in each record says which one.
 */
import { isSpyglassError } from "../../errors.js";
import { fromCocoaSeconds } from "../../model/time.js";
import type { EvidenceEntry, EvidenceSource } from "../../readers/types.js";
import { missingSchema, type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext, type SourceContext, type TimelineEvent } from "../define.js";
import { absentWarning, readFailure } from "../run.js";
import {
  asFlag,
  asNonEmpty,
  asNumber,
  assignDefined,
  type ColumnMap,
  cappedColumn,
  capText,
  extractLinks,
  hasColumns,
  iterateRows,
  LINK_SCAN_MAX,
  linksInLongText,
  MAX_TEXT,
  urlObservables,
} from "./_shared/comms.js";

/** One WhatsApp message. */
export interface WhatsAppMessageRecord {
  /** ZWAMESSAGE.Z_PK. */
  rowId: number;
  /** Device path of the ChatStorage.sqlite the message comes from (a device can hold several). */
  database: string;
  /** The chat: the partner's or the group's JID. */
  chatJid?: string;
  /** Phone number behind an `@lid` chat JID, from the LID map. */
  chatPhoneNumber?: string;
  /** The author: the partner, or the group member who wrote it; absent for own messages. */
  fromJid?: string;
  fromPhoneNumber?: string;
  isFromMe: boolean;
  /** ZMESSAGEDATE. */
  sentAt?: string;
  messageType?: number;
  /** ZTEXT, cut at 64 KiB. */
  text?: string;
  textTruncated?: boolean;
  /** URLs from the text, link previews and media URL, without WhatsApp's own media hosts. */
  links: string[];
}

export const CHAT_STORAGE_GLOB = "/private/var/mobile/Containers/Shared/AppGroup/*/ChatStorage.sqlite";
/** Newer WhatsApp keeps its LID ↔ phone pairs in this file beside ChatStorage.sqlite. */
export const LID_GLOB = "/private/var/mobile/Containers/Shared/AppGroup/*/LID.sqlite";
const REQUIRED = {
  ZWAMESSAGE: ["Z_PK", "ZISFROMME", "ZMESSAGEDATE", "ZFROMJID", "ZTOJID", "ZTEXT"],
} as const;

/** WhatsApp's own media download hosts: their URLs are attachments, not links someone sent. */
export function isWhatsAppMediaUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    host === "mmg.whatsapp.net" ||
    host === "mmg-fna.whatsapp.net" ||
    (host.startsWith("media") && host.endsWith(".whatsapp.net"))
  );
}

export const whatsappMessagesArtifact = defineArtifact<WhatsAppMessageRecord>({
  id: "ios/whatsapp-messages",
  title: "WhatsApp messages",
  description:
    "WhatsApp messages and the links they carry (text, link previews, media); exploit links and zero-click deliveries have used WhatsApp (Pegasus, Paragon Graphite).",
  sources: ["ios-backup", "fs-dump"],
  paths: [CHAT_STORAGE_GLOB, LID_GLOB],
  iosVersions: "iOS 12–18 (WhatsApp 2.19–25.x)",
  contentFields: ["text"],
  input: {
    kind: "source",
    collect(source, context) {
      return collectWhatsAppMessages(source, context);
    },
  },
  observables(record) {
    return urlObservables(record.links, "links");
  },
  events(record) {
    if (record.sentAt === undefined) return [];
    const chat = record.chatPhoneNumber ?? record.chatJid ?? "an unknown chat";
    const links = record.links.length;
    const extra = links === 0 ? "" : ` (${links} link${links === 1 ? "" : "s"})`;
    const event: TimelineEvent = record.isFromMe
      ? {
          at: record.sentAt,
          event: "whatsapp_message_sent",
          description: `WhatsApp message sent to ${chat}${extra}`,
        }
      : {
          at: record.sentAt,
          event: "whatsapp_message_received",
          description: `WhatsApp message from ${record.fromPhoneNumber ?? record.fromJid ?? "unknown"}${
            record.fromJid !== undefined && record.fromJid === record.chatJid ? "" : ` in ${chat}`
          }${extra}`,
        };
    return [event];
  },
});

async function* collectWhatsAppMessages(
  source: EvidenceSource,
  context: SourceContext,
): AsyncGenerator<WhatsAppMessageRecord> {
  yield* eachChatStorage(source, context, REQUIRED, async function* (db, entry) {
    const lids = await loadLidMap(source, entry, db, context);
    yield* parseWhatsAppMessages(db, { database: entry.path, lids, warn: context.warn });
  });
}

/**
 * Runs `parse` over each WhatsApp database among `entries`: absent payloads become warnings, files
 * that cannot be read (from the start or part-way) are reported as unreadable naming the file, and
 * each database is closed after use.
 */
export async function* eachWhatsAppDatabase<R>(
  source: EvidenceSource,
  entries: readonly EvidenceEntry[],
  context: SourceContext,
  parse: (db: SqliteDatabase, entry: EvidenceEntry) => AsyncIterable<R> | Iterable<R>,
): AsyncGenerator<R> {
  for (const entry of entries) {
    if (entry.kind !== "file") continue;
    if (!entry.present) {
      context.warn({ ...absentWarning(entry, source.kind), file: entry.path });
      continue;
    }
    let db: SqliteDatabase | undefined;
    let kept = 0;
    try {
      db = (await source.openDatabase(entry)).db;
      for await (const record of parse(db, entry)) {
        kept += 1;
        yield record;
      }
    } catch (error) {
      context.unreadable({ ...readFailure(error, kept), file: entry.path });
    } finally {
      db?.close();
    }
  }
}

/** Runs `parse` over every ChatStorage.sqlite that has the `required` tables and columns (others warn). */
export function eachChatStorage<R>(
  source: EvidenceSource,
  context: SourceContext,
  required: Record<string, readonly string[]>,
  parse: (db: SqliteDatabase, entry: EvidenceEntry) => AsyncIterable<R> | Iterable<R>,
): AsyncGenerator<R> {
  return eachWhatsAppDatabase(source, source.glob(CHAT_STORAGE_GLOB), context, async function* (db, entry) {
    const missing = missingSchema(db, required);
    if (missing.length > 0) {
      context.unreadable({
        code: "UNKNOWN_SCHEMA",
        message: `unknown schema: missing ${missing.join(", ")}; this WhatsApp version may not be supported yet`,
        file: entry.path,
      });
      return;
    }
    yield* parse(db, entry);
  });
}

/** LID digits → phone digits, from LID.sqlite beside ChatStorage.sqlite, else from ChatStorage.sqlite itself. */
export async function loadLidMap(
  source: EvidenceSource,
  chatStorage: EvidenceEntry,
  chatDb: SqliteDatabase,
  context: Omit<ParseContext, "file">,
): Promise<Map<string, string>> {
  const sibling = source.get(`${chatStorage.path.slice(0, chatStorage.path.lastIndexOf("/"))}/LID.sqlite`);
  if (sibling !== undefined && sibling.kind === "file" && sibling.present) {
    let lidDb: SqliteDatabase | undefined;
    try {
      lidDb = (await source.openDatabase(sibling)).db;
      return readLidMap(lidDb);
    } catch (error) {
      context.warn({
        code: "CORRUPT",
        message: `LID map unreadable, @lid JIDs stay unresolved: ${isSpyglassError(error) ? error.toLine() : (error as Error).message}`,
        file: sibling.path,
      });
      return new Map();
    } finally {
      lidDb?.close();
    }
  }
  return readLidMap(chatDb);
}

/** Reads ZWAPHONENUMBERLIDPAIR (ZLID, ZPHONENUMBER) when the table is there. */
export function readLidMap(db: SqliteDatabase): Map<string, string> {
  const map = new Map<string, string>();
  if (!hasColumns(tableColumns(db), "ZWAPHONENUMBERLIDPAIR", "ZLID", "ZPHONENUMBER")) return map;
  for (const row of iterateRows(db, "SELECT ZLID AS lid, ZPHONENUMBER AS phone FROM ZWAPHONENUMBERLIDPAIR")) {
    const lid = asNonEmpty(row.lid)?.split("@")[0];
    const phone = asNonEmpty(row.phone)?.split("@")[0]?.replace(/^\+/, "");
    if (lid !== undefined && phone !== undefined && phone !== "") map.set(lid, phone);
  }
  return map;
}

/** Parses the messages of one ChatStorage.sqlite (schema checked by the caller). */
export function* parseWhatsAppMessages(
  db: SqliteDatabase,
  options: {
    database: string;
    lids: ReadonlyMap<string, string>;
    warn?: Omit<ParseContext, "file">["warn"];
  },
): Generator<WhatsAppMessageRecord> {
  const tables = tableColumns(db);
  const part = db.prepare("SELECT substr(CAST(ZTEXT AS BLOB), ?, ?) FROM ZWAMESSAGE WHERE Z_PK = ?").pluck();
  for (const row of iterateRows(db, messageQuery(tables))) {
    const isFromMe = asFlag(row.isFromMe) ?? false;
    const record: WhatsAppMessageRecord = {
      rowId: asNumber(row.rowId) ?? 0,
      database: options.database,
      isFromMe,
      links: [],
    };
    const text = asNonEmpty(row.text);
    const capped = text === undefined ? undefined : capText(text, MAX_TEXT);
    const ownJid = isFromMe ? asNonEmpty(row.toJid) : asNonEmpty(row.fromJid);
    const chatJid = asNonEmpty(row.chatJid) ?? ownJid;
    const fromJid = isFromMe ? undefined : (asNonEmpty(row.memberJid) ?? asNonEmpty(row.fromJid));
    assignDefined(record, {
      chatJid,
      chatPhoneNumber: resolveLid(chatJid, options.lids),
      fromJid,
      fromPhoneNumber: resolveLid(fromJid, options.lids),
      sentAt: fromCocoaSeconds(row.messageDate),
      messageType: asNumber(row.messageType),
      text: capped?.text,
      textTruncated: capped?.truncated === true ? true : undefined,
    });
    const found: string[] = [];
    // A text longer than the cap: its links are looked for in the whole value.
    if (capped?.truncated === true) {
      if (!linksInLongText((start, length) => part.get(start, length, record.rowId), found))
        options.warn?.({
          code: "BUDGET",
          message: `message Z_PK ${record.rowId} has a text longer than ${LINK_SCAN_MAX / 1024 / 1024} MB; links were looked for in the first ${LINK_SCAN_MAX / 1024 / 1024} MB only`,
          file: options.database,
        });
    } else extractLinks(capped?.text, found);
    for (const field of [asNonEmpty(row.previews), asNonEmpty(row.mediaUrl)]) extractLinks(field, found);
    record.links = found.filter((url) => !isWhatsAppMediaUrl(url));
    yield record;
  }
}

/** The `+<phone>` behind an `@lid` JID, when the LID map knows it. */
export function resolveLid(jid: string | undefined, lids: ReadonlyMap<string, string>): string | undefined {
  if (jid === undefined || !jid.endsWith("@lid")) return undefined;
  const phone = lids.get(jid.slice(0, jid.indexOf("@")).split(":")[0] ?? "");
  return phone === undefined ? undefined : `+${phone}`;
}

function messageQuery(tables: ColumnMap): string {
  const message = (column: string, alias: string): string =>
    hasColumns(tables, "ZWAMESSAGE", column) ? `m.${column} AS ${alias}` : `NULL AS ${alias}`;
  const chatJoin =
    hasColumns(tables, "ZWAMESSAGE", "ZCHATSESSION") &&
    hasColumns(tables, "ZWACHATSESSION", "Z_PK", "ZCONTACTJID");
  const memberJoin =
    hasColumns(tables, "ZWAMESSAGE", "ZGROUPMEMBER") &&
    hasColumns(tables, "ZWAGROUPMEMBER", "Z_PK", "ZMEMBERJID");
  const media = hasColumns(tables, "ZWAMEDIAITEM", "ZMESSAGE", "ZMEDIAURL")
    ? `(SELECT ${cappedColumn("ZMEDIAURL", 8192)} FROM ZWAMEDIAITEM WHERE ZMESSAGE = m.Z_PK LIMIT 1)`
    : "NULL";
  // Link previews: every data item's content and matched text, joined; read only for link extraction.
  const previewColumns = ["ZCONTENT1", "ZCONTENT2", "ZMATCHEDTEXT"].filter((c) =>
    hasColumns(tables, "ZWAMESSAGEDATAITEM", "ZMESSAGE", c),
  );
  const previews =
    previewColumns.length === 0
      ? "NULL"
      : `(SELECT ${cappedColumn(
          `group_concat(${previewColumns.map((c) => `coalesce(${c}, '')`).join(" || ' ' || ")}, ' ')`,
        )} FROM ZWAMESSAGEDATAITEM WHERE ZMESSAGE = m.Z_PK)`;
  return `SELECT m.Z_PK AS rowId, m.ZISFROMME AS isFromMe, m.ZMESSAGEDATE AS messageDate,
      m.ZFROMJID AS fromJid, m.ZTOJID AS toJid, ${cappedColumn("m.ZTEXT")} AS text,
      ${message("ZMESSAGETYPE", "messageType")},
      ${chatJoin ? "s.ZCONTACTJID" : "NULL"} AS chatJid,
      ${memberJoin ? "g.ZMEMBERJID" : "NULL"} AS memberJid,
      ${media} AS mediaUrl, ${previews} AS previews
    FROM ZWAMESSAGE m
    ${chatJoin ? "LEFT JOIN ZWACHATSESSION s ON s.Z_PK = m.ZCHATSESSION" : ""}
    ${memberJoin ? "LEFT JOIN ZWAGROUPMEMBER g ON g.Z_PK = m.ZGROUPMEMBER" : ""}
    ORDER BY m.Z_PK`;
}
