/** SMS and iMessage messages from sms.db (`message` ⟕ `handle`); format: ../shared/reference/mvt.md §2 (SMS). */
import type { Observable } from "../../model/observable.js";
import { fromCocoaNanoseconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type TimelineEvent } from "../define.js";
import {
  asFlag,
  asNonEmpty,
  asNumber,
  assignDefined,
  cappedColumn,
  capText,
  decodeAttributedBody,
  emailObservable,
  extractLinks,
  hasColumns,
  iterateRows,
  LINK_SCAN_MAX,
  linksInLongText,
  MAX_BODY_BYTES,
  MAX_TEXT,
  ProblemCounter,
  urlObservables,
} from "./_shared/comms.js";

/** One message of sms.db. */
export interface SmsRecord {
  rowId: number;
  guid?: string;
  /** "iMessage", "SMS", "RCS"… */
  service?: string;
  /** The other party (handle.id): phone number or Apple ID e-mail. */
  handle?: string;
  /** The conversation (chat.chat_identifier): the party, or a group id; set when handle is not. */
  chatIdentifier?: string;
  isFromMe: boolean;
  /** message.date for outgoing messages. */
  sentAt?: string;
  /** message.date for incoming messages. */
  receivedAt?: string;
  readAt?: string;
  /** The text, cut at 64 KiB; from attributedBody when the text column is empty. */
  text?: string;
  textTruncated?: boolean;
  /** True when the text was recovered from attributedBody. */
  textFromAttributedBody?: boolean;
  /** http(s) URLs in the text. */
  links: string[];
  hasAttachments: boolean;
  /** The text starts like one of Apple's threat notifications (for a later heuristic). */
  threatNotification?: boolean;
}

/** How Apple's threat notifications over iMessage begin (MVT's SMS module checks the same texts). */
export const THREAT_NOTIFICATION_PREFIXES = [
  "ALERT: State-sponsored attackers may be targeting your iPhone",
  "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone",
] as const;

/** True when a message text starts with one of Apple's threat-notification texts. */
export function isThreatNotification(text: string | undefined): boolean {
  const start = text?.trimStart();
  return start !== undefined && THREAT_NOTIFICATION_PREFIXES.some((prefix) => start.startsWith(prefix));
}

export const smsArtifact = defineArtifact<SmsRecord>({
  id: "ios/sms",
  title: "SMS and iMessage messages",
  description:
    "Messages from sms.db with the links they carry; iMessage is the main zero-click entry point (Pegasus, Triangulation) and links in texts point to exploit servers.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/SMS/sms.db"],
  iosVersions: "iOS 9–18",
  contentFields: ["text"],
  input: {
    kind: "sqlite",
    schema: { message: ["guid", "text", "handle_id", "date", "is_from_me"], handle: ["id"] },
    *parse(db, context) {
      const tables = tableColumns(db);
      const has = (column: string): boolean => hasColumns(tables, "message", column);
      const attachmentsJoin = hasColumns(tables, "message_attachment_join", "message_id");
      const hasAttachments = [
        has("cache_has_attachments") ? "coalesce(m.cache_has_attachments, 0) != 0" : undefined,
        attachmentsJoin
          ? "EXISTS (SELECT 1 FROM message_attachment_join j WHERE j.message_id = m.ROWID)"
          : undefined,
      ].filter((part) => part !== undefined);
      const service = has("service")
        ? "m.service"
        : hasColumns(tables, "handle", "service")
          ? "h.service"
          : "NULL";
      const chat =
        hasColumns(tables, "chat_message_join", "chat_id", "message_id") &&
        hasColumns(tables, "chat", "chat_identifier")
          ? `(SELECT ${cappedColumn("c.chat_identifier", 4096)} FROM chat_message_join cm JOIN chat c ON c.ROWID = cm.chat_id
              WHERE cm.message_id = m.ROWID LIMIT 1)`
          : "NULL";
      const sql = `SELECT m.ROWID AS rowId, m.guid AS guid, ${cappedColumn("m.text")} AS text,
          ${service} AS service, h.id AS handle, ${chat} AS chatIdentifier, m.is_from_me AS isFromMe, m.date AS date,
          ${has("date_read") ? "m.date_read" : "NULL"} AS dateRead,
          ${
            has("attributedBody")
              ? `CASE WHEN trim(coalesce(m.text, '')) = '' THEN substr(m.attributedBody, 1, ${MAX_BODY_BYTES}) END`
              : "NULL"
          } AS body,
          ${hasAttachments.length > 0 ? `(${hasAttachments.join(" OR ")})` : "0"} AS hasAttachments
        FROM message m LEFT JOIN handle h ON h.ROWID = m.handle_id
        ORDER BY m.ROWID`;
      const problems = new ProblemCounter();
      const part = db.prepare("SELECT substr(CAST(text AS BLOB), ?, ?) FROM message WHERE ROWID = ?").pluck();
      try {
        for (const row of iterateRows(db, sql)) {
          const record = buildSmsRecord(row, problems);
          // A text longer than the cap: its links are looked for in the whole value.
          if (record.textTruncated === true && record.textFromAttributedBody !== true) {
            record.links = [];
            if (!linksInLongText((start, length) => part.get(start, length, record.rowId), record.links))
              context.warn({
                code: "BUDGET",
                message: `message ROWID ${record.rowId} has a text longer than ${LINK_SCAN_MAX / 1024 / 1024} MB; links were looked for in the first ${LINK_SCAN_MAX / 1024 / 1024} MB only`,
              });
          }
          yield record;
        }
      } finally {
        problems.flush(
          context.warn,
          (kind, count, example) =>
            `${count} attributedBody blob(s) could not be decoded (${kind}; first at message ROWID ${example}); their links were not extracted`,
        );
      }
    },
  },
  observables(record) {
    const observables: Observable[] = urlObservables(record.links, "links");
    observables.push(...emailObservable(record.handle, "handle"));
    observables.push(...emailObservable(record.chatIdentifier, "chatIdentifier"));
    return observables;
  },
  events(record) {
    const events: TimelineEvent[] = [];
    const what = record.service ?? "Message";
    const who = record.handle ?? record.chatIdentifier ?? "an unknown handle";
    const extras = describeExtras(record);
    if (record.sentAt !== undefined)
      events.push({ at: record.sentAt, event: "sms_sent", description: `${what} sent to ${who}${extras}` });
    if (record.receivedAt !== undefined)
      events.push({
        at: record.receivedAt,
        event: "sms_received",
        description: `${what} received from ${who}${extras}`,
      });
    if (record.readAt !== undefined)
      events.push({ at: record.readAt, event: "sms_read", description: `${what} from ${who} read` });
    return events;
  },
});

function buildSmsRecord(row: Record<string, unknown>, problems: ProblemCounter): SmsRecord {
  const rowId = asNumber(row.rowId) ?? 0;
  const isFromMe = asFlag(row.isFromMe) ?? false;
  const at = fromCocoaNanoseconds(row.date);
  const record: SmsRecord = {
    rowId,
    isFromMe,
    links: [],
    hasAttachments: asFlag(row.hasAttachments) ?? false,
  };
  let text = asNonEmpty(row.text);
  let truncated = false;
  let fromBody = false;
  if (text !== undefined && text.trim() !== "") {
    const capped = capText(text, MAX_TEXT);
    text = capped.text;
    truncated = capped.truncated;
  } else if (row.body instanceof Uint8Array && row.body.length > 0) {
    const decoded = decodeAttributedBody(row.body);
    if ("error" in decoded) problems.add(decoded.error, String(rowId));
    else if (decoded.text !== "") {
      text = decoded.text;
      truncated = decoded.truncated;
      fromBody = true;
    }
  }
  assignDefined(record, {
    guid: asNonEmpty(row.guid),
    service: asNonEmpty(row.service),
    handle: asNonEmpty(row.handle),
    chatIdentifier:
      asNonEmpty(row.handle) === undefined ? asNonEmpty(row.chatIdentifier)?.slice(0, 4096) : undefined,
    sentAt: isFromMe ? at : undefined,
    receivedAt: isFromMe ? undefined : at,
    readAt: fromCocoaNanoseconds(row.dateRead),
    text,
    textTruncated: truncated ? true : undefined,
    textFromAttributedBody: fromBody ? true : undefined,
    threatNotification: isThreatNotification(text) ? true : undefined,
  });
  extractLinks(text, record.links);
  return record;
}

function describeExtras(record: SmsRecord): string {
  const parts: string[] = [];
  if (record.links.length > 0)
    parts.push(`${record.links.length} link${record.links.length === 1 ? "" : "s"}`);
  if (record.hasAttachments) parts.push("with attachments");
  if (record.threatNotification === true) parts.push("Apple threat notification");
  return parts.length === 0 ? "" : ` (${parts.join(", ")})`;
}
