/**
 * WhatsApp chat sessions (ChatStorage.sqlite ZWACHATSESSION): one row per chat with its partner or
 * group, with `@lid` JIDs resolved through the container's LID map; format:
 * ../shared/reference/mvt.md §2 (Whatsapp, record_type "chat_session").
 */
import { fromCocoaSeconds } from "../../model/time.js";
import type { EvidenceSource } from "../../readers/types.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type SourceContext } from "../define.js";
import {
  asFlag,
  asNonEmpty,
  asNumber,
  assignDefined,
  cappedColumn,
  capText,
  hasColumns,
  iterateRows,
} from "./_shared/comms.js";
import { CHAT_STORAGE_GLOB, eachChatStorage, LID_GLOB, loadLidMap, resolveLid } from "./whatsapp-messages.js";

/** One WhatsApp chat. */
export interface WhatsAppChatSessionRecord {
  /** ZWACHATSESSION.Z_PK. */
  rowId: number;
  /** Device path of the ChatStorage.sqlite the chat comes from. */
  database: string;
  /** The partner's or the group's JID. */
  contactJid?: string;
  /** Phone number behind an `@lid` contact JID, from the LID map. */
  contactPhoneNumber?: string;
  /** The partner's name or the group's subject, as WhatsApp shows it (personal data, like a contact's name). */
  partnerName?: string;
  lastMessageAt?: string;
  /** ZSESSIONTYPE as stored (0 is a one-to-one chat, 1 a group in the versions seen). */
  sessionType?: number;
  archived?: boolean;
  hidden?: boolean;
  removed?: boolean;
  unreadCount?: number;
  messageCount?: number;
  /** ZLASTMESSAGETEXT, the preview of the last message: content, cut at 4 KiB. */
  lastMessageText?: string;
}

const REQUIRED = { ZWACHATSESSION: ["Z_PK", "ZCONTACTJID"] } as const;
const MAX_FIELD = 4096;

export const whatsappChatSessionsArtifact = defineArtifact<WhatsAppChatSessionRecord>({
  id: "ios/whatsapp-chat-sessions",
  title: "WhatsApp chats",
  description:
    "WhatsApp's chat list: who each chat is with, when its last message was, and whether it was archived or hidden; a chat outlives its deleted messages.",
  sources: ["ios-backup", "fs-dump"],
  paths: [CHAT_STORAGE_GLOB, LID_GLOB],
  iosVersions: "iOS 12–18 (WhatsApp 2.19–25.x)",
  contentFields: ["lastMessageText"],
  input: {
    kind: "source",
    collect(source, context) {
      return collectChatSessions(source, context);
    },
  },
  // JIDs and phone numbers are not indicator kinds; the records serve attribution.
  observables() {
    return [];
  },
  observableKinds: [],
  events(record) {
    if (record.lastMessageAt === undefined) return [];
    const who = record.contactPhoneNumber ?? record.contactJid ?? `chat ${record.rowId}`;
    const name = record.partnerName === undefined ? "" : ` (${record.partnerName.slice(0, 80)})`;
    return [
      {
        at: record.lastMessageAt,
        event: "whatsapp_chat_last_message",
        description: `Last WhatsApp message in the chat with ${who}${name}`,
      },
    ];
  },
});

function collectChatSessions(
  source: EvidenceSource,
  context: SourceContext,
): AsyncGenerator<WhatsAppChatSessionRecord> {
  return eachChatStorage(source, context, REQUIRED, async function* (db, entry) {
    const lids = await loadLidMap(source, entry, db, context);
    const tables = tableColumns(db);
    const column = (name: string, alias: string, capped = false): string =>
      hasColumns(tables, "ZWACHATSESSION", name)
        ? `${capped ? cappedColumn(name, MAX_FIELD) : name} AS ${alias}`
        : `NULL AS ${alias}`;
    const sql = `SELECT Z_PK AS rowId, ${cappedColumn("ZCONTACTJID", MAX_FIELD)} AS contactJid,
        ${column("ZPARTNERNAME", "partnerName", true)}, ${column("ZLASTMESSAGEDATE", "lastMessageDate")},
        ${column("ZSESSIONTYPE", "sessionType")}, ${column("ZARCHIVED", "archived")}, ${column("ZHIDDEN", "hidden")},
        ${column("ZREMOVED", "removed")}, ${column("ZUNREADCOUNT", "unreadCount")},
        ${column("ZMESSAGECOUNTER", "messageCount")}, ${column("ZLASTMESSAGETEXT", "lastMessageText", true)}
      FROM ZWACHATSESSION ORDER BY Z_PK`;
    const short = (value: unknown): string | undefined => {
      const text = asNonEmpty(value);
      return text === undefined ? undefined : capText(text, MAX_FIELD).text;
    };
    for (const row of iterateRows(db, sql)) {
      const contactJid = short(row.contactJid);
      const record: WhatsAppChatSessionRecord = { rowId: asNumber(row.rowId) ?? 0, database: entry.path };
      yield assignDefined(record, {
        contactJid,
        contactPhoneNumber: resolveLid(contactJid, lids),
        partnerName: short(row.partnerName),
        lastMessageAt: fromCocoaSeconds(row.lastMessageDate),
        sessionType: asNumber(row.sessionType),
        archived: asFlag(row.archived),
        hidden: asFlag(row.hidden),
        removed: asFlag(row.removed),
        unreadCount: asNumber(row.unreadCount),
        messageCount: asNumber(row.messageCount),
        lastMessageText: short(row.lastMessageText),
      });
    }
  });
}
