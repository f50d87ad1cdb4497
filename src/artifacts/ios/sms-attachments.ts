/**
 * SMS/iMessage attachments from sms.db (`attachment` ⟕ `message_attachment_join` ⟕ `message` ⟕ `handle`);
 * format: ../shared/reference/mvt.md §2 (SMSAttachments), kaspersky.md §2.2 (watchface trace).
 */
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
  hasColumns,
  iterateRows,
  MAX_TEXT,
  toDevicePath,
} from "./_shared/comms.js";

/** One attachment row (repeated once per message it is joined to). */
export interface SmsAttachmentRecord {
  rowId: number;
  guid?: string;
  /** As stored: usually `~/Library/SMS/Attachments/…`, sometimes `/var/tmp/…`. */
  filename?: string;
  /** The name the sender gave the file. */
  transferName?: string;
  uti?: string;
  mimeType?: string;
  totalBytes?: number;
  isOutgoing: boolean;
  /** attachment.created_date. */
  createdAt?: string;
  /** attachment.start_date (transfer start). */
  startAt?: string;
  messageRowId?: number;
  messageAt?: string;
  handle?: string;
  service?: string;
  hideAttachment?: boolean;
  isSticker?: boolean;
  /** Fields cut at 64 KiB. */
  truncatedFields?: string[];
}

export const smsAttachmentsArtifact = defineArtifact<SmsAttachmentRecord>({
  id: "ios/sms-attachments",
  title: "SMS and iMessage attachments",
  description:
    "Attachments listed in sms.db; exploit deliveries leave traces here (Triangulation's invisible .watchface attachment, Pegasus files under /var/tmp).",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/SMS/sms.db"],
  iosVersions: "iOS 9–18",
  input: {
    kind: "sqlite",
    schema: {
      attachment: ["guid", "filename", "created_date"],
      message_attachment_join: ["message_id", "attachment_id"],
      message: ["date"],
      handle: ["id"],
    },
    *parse(db) {
      const tables = tableColumns(db);
      const a = (column: string, alias: string, capped = false): string =>
        hasColumns(tables, "attachment", column)
          ? `${capped ? cappedColumn(`a.${column}`) : `a.${column}`} AS ${alias}`
          : `NULL AS ${alias}`;
      const m = (column: string, alias: string): string =>
        hasColumns(tables, "message", column) ? `m.${column} AS ${alias}` : `NULL AS ${alias}`;
      const handleJoin = hasColumns(tables, "message", "handle_id")
        ? "LEFT JOIN handle h ON h.ROWID = m.handle_id"
        : "LEFT JOIN handle h ON 0";
      const sql = `SELECT a.ROWID AS rowId, a.guid AS guid, ${cappedColumn("a.filename")} AS filename,
          ${a("transfer_name", "transferName", true)}, ${a("uti", "uti", true)}, ${a("mime_type", "mimeType", true)},
          ${a("total_bytes", "totalBytes")}, ${a("is_outgoing", "isOutgoing")}, a.created_date AS createdDate,
          ${a("start_date", "startDate")}, ${a("hide_attachment", "hideAttachment")}, ${a("is_sticker", "isSticker")},
          m.ROWID AS messageRowId, m.date AS messageDate, ${m("is_from_me", "isFromMe")}, ${m("service", "service")},
          h.id AS handle
        FROM attachment a
        LEFT JOIN message_attachment_join j ON j.attachment_id = a.ROWID
        LEFT JOIN message m ON m.ROWID = j.message_id
        ${handleJoin}
        ORDER BY a.ROWID, m.ROWID`;
      for (const row of iterateRows(db, sql)) yield buildAttachmentRecord(row);
    },
  },
  observables(record) {
    const observables: Observable[] = [];
    const path = toDevicePath(record.filename);
    if (path !== undefined) observables.push({ kind: "path", value: path, field: "filename" });
    const transfer = record.transferName;
    if (transfer !== undefined) {
      const absolute = toDevicePath(transfer);
      if (absolute !== undefined) observables.push({ kind: "path", value: absolute, field: "transferName" });
      else if (!transfer.includes("/"))
        observables.push({ kind: "file-name", value: transfer, field: "transferName" });
    }
    return observables;
  },
  events(record) {
    const events: TimelineEvent[] = [];
    if (record.createdAt === undefined) return events;
    const name = record.transferName ?? record.filename?.split("/").pop() ?? "unnamed";
    const details = [
      record.uti ?? record.mimeType,
      record.totalBytes === undefined ? undefined : `${record.totalBytes} bytes`,
    ]
      .filter((part) => part !== undefined)
      .join(", ");
    const party = record.handle ?? "an unknown handle";
    const what = `${record.service ?? "Message"} attachment ${name}${details === "" ? "" : ` (${details})`}`;
    events.push(
      record.isOutgoing
        ? { at: record.createdAt, event: "sms_attachment_sent", description: `${what} sent to ${party}` }
        : {
            at: record.createdAt,
            event: "sms_attachment_received",
            description: `${what} received from ${party}`,
          },
    );
    return events;
  },
});

function buildAttachmentRecord(row: Record<string, unknown>): SmsAttachmentRecord {
  const truncated: string[] = [];
  const capped = (value: unknown, field: string): string | undefined => {
    const text = asNonEmpty(value);
    if (text === undefined) return undefined;
    const result = capText(text, MAX_TEXT);
    if (result.truncated) truncated.push(field);
    return result.text;
  };
  const record: SmsAttachmentRecord = {
    rowId: asNumber(row.rowId) ?? 0,
    isOutgoing: asFlag(row.isOutgoing) ?? asFlag(row.isFromMe) ?? false,
  };
  const messageRowId = asNumber(row.messageRowId);
  assignDefined(record, {
    guid: asNonEmpty(row.guid),
    filename: capped(row.filename, "filename"),
    transferName: capped(row.transferName, "transferName"),
    uti: capped(row.uti, "uti"),
    mimeType: capped(row.mimeType, "mimeType"),
    totalBytes: asNumber(row.totalBytes),
    createdAt: fromCocoaNanoseconds(row.createdDate),
    startAt: fromCocoaNanoseconds(row.startDate),
    messageRowId,
    messageAt: messageRowId === undefined ? undefined : fromCocoaNanoseconds(row.messageDate),
    handle: asNonEmpty(row.handle),
    service: asNonEmpty(row.service),
    hideAttachment: asFlag(row.hideAttachment),
    isSticker: asFlag(row.isSticker),
    truncatedFields: truncated.length > 0 ? truncated : undefined,
  });
  return record;
}
