import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type SmsAttachmentRecord, smsAttachmentsArtifact } from "./sms-attachments.js";

const SMS_DB = "/private/var/mobile/Library/SMS/sms.db";

const MODERN = `
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, service TEXT NOT NULL);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, handle_id INTEGER DEFAULT 0,
  service TEXT, date INTEGER, is_from_me INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER, attachment_id INTEGER);
CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, created_date INTEGER DEFAULT 0,
  start_date INTEGER DEFAULT 0, filename TEXT, uti TEXT, mime_type TEXT, transfer_state INTEGER DEFAULT 0, is_outgoing INTEGER DEFAULT 0,
  transfer_name TEXT, total_bytes INTEGER DEFAULT 0, is_sticker INTEGER DEFAULT 0, hide_attachment INTEGER DEFAULT 0);
INSERT INTO handle VALUES (1, 'attacker@example.com', 'iMessage');
`;

async function run(sql: string) {
  const { status, data } = await collectArtifact(smsAttachmentsArtifact, { [SMS_DB]: { sql } });
  return { status, records: data as SmsAttachmentRecord[] };
}

describe("ios/sms-attachments", () => {
  it("keeps the fields the Triangulation and Pegasus traces need (iOS 14+ schema)", async () => {
    const watchface = "ABCDEFGH\u2013IJKLMNOPQRSTUVWXYZ0123456789.watchface";
    const { status, records } = await run(`${MODERN}
      INSERT INTO message (ROWID, guid, handle_id, service, date, is_from_me) VALUES (7, 'M7', 1, 'iMessage', 707302800000000000, 0);
      INSERT INTO attachment (ROWID, guid, created_date, start_date, filename, uti, mime_type, is_outgoing, transfer_name, total_bytes, hide_attachment)
        VALUES (1, 'A1', 707302801, 0, '~/Library/SMS/Attachments/ab/11/X/${watchface}', 'com.apple.watchface', NULL, 0, '${watchface}', 242000, 1),
               (2, 'A2', 707302802, 0, '/var/tmp/com.apple.messages/payload-1', 'public.data', 'application/octet-stream', 0, 'payload-1', 10, 0);
      INSERT INTO message_attachment_join VALUES (7, 1), (7, 2);`);
    expect(status.status).toBe("found");
    expect(records[0]).toEqual({
      rowId: 1,
      guid: "A1",
      filename: `~/Library/SMS/Attachments/ab/11/X/${watchface}`,
      transferName: watchface,
      uti: "com.apple.watchface",
      totalBytes: 242000,
      isOutgoing: false,
      createdAt: "2023-06-01T09:00:01.000Z",
      messageRowId: 7,
      messageAt: "2023-06-01T09:00:00.000Z",
      handle: "attacker@example.com",
      service: "iMessage",
      hideAttachment: true,
      isSticker: false,
    });
    expect(records[0]?.transferName?.[8]).toBe("\u2013");
    expect(records[1]?.filename).toBe("/var/tmp/com.apple.messages/payload-1");

    expect(smsAttachmentsArtifact.observables(records[0]!)).toEqual([
      {
        kind: "path",
        value: `/private/var/mobile/Library/SMS/Attachments/ab/11/X/${watchface}`,
        field: "filename",
      },
      { kind: "file-name", value: watchface, field: "transferName" },
    ]);
    expect(smsAttachmentsArtifact.observables(records[1]!)[0]).toEqual({
      kind: "path",
      value: "/private/var/tmp/com.apple.messages/payload-1",
      field: "filename",
    });
    expect(smsAttachmentsArtifact.events(records[0]!)).toEqual([
      {
        at: "2023-06-01T09:00:01.000Z",
        event: "sms_attachment_received",
        description: `iMessage attachment ${watchface} (com.apple.watchface, 242000 bytes) received from attacker@example.com`,
      },
    ]);
  });

  it("reads the older schema (no is_sticker, hide_attachment, start_date) and orphan attachments", async () => {
    const { records } = await run(`
      CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);
      CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, handle_id INTEGER, date INTEGER, is_from_me INTEGER);
      CREATE TABLE message_attachment_join (message_id INTEGER, attachment_id INTEGER);
      CREATE TABLE attachment (ROWID INTEGER PRIMARY KEY, guid TEXT, created_date INTEGER, filename TEXT, mime_type TEXT, transfer_name TEXT);
      INSERT INTO message VALUES (1, 'M1', 0, 500000000, 1);
      INSERT INTO attachment VALUES (1, 'A1', 500000001, '~/Library/SMS/Attachments/x.jpg', 'image/jpeg', 'x.jpg'),
                                    (2, 'ORPHAN', 500000002, NULL, NULL, NULL);
      INSERT INTO message_attachment_join VALUES (1, 1);`);
    expect(records).toEqual([
      {
        rowId: 1,
        guid: "A1",
        filename: "~/Library/SMS/Attachments/x.jpg",
        transferName: "x.jpg",
        mimeType: "image/jpeg",
        isOutgoing: true,
        createdAt: "2016-11-05T00:53:21.000Z",
        messageRowId: 1,
        messageAt: "2016-11-05T00:53:20.000Z",
      },
      { rowId: 2, guid: "ORPHAN", isOutgoing: false, createdAt: "2016-11-05T00:53:22.000Z" },
    ]);
    expect(smsAttachmentsArtifact.events(records[0]!)[0]?.event).toBe("sms_attachment_sent");
  });

  it("survives hostile values: wrong types, blobs, huge names", async () => {
    const { status, records } = await run(`${MODERN}
      INSERT INTO attachment (ROWID, guid, created_date, filename, uti, transfer_name, total_bytes, is_outgoing)
        VALUES (1, 'H1', 'soon', x'2f7661722f746d702f612d31', 42, printf('%.*c', 100000, 'n'), 'big', 'no');`);
    expect(status.status).toBe("found");
    expect(records[0]).toMatchObject({
      rowId: 1,
      filename: "/var/tmp/a-1",
      uti: "42",
      isOutgoing: false,
      truncatedFields: ["transferName"],
    });
    expect(records[0]?.transferName).toHaveLength(64 * 1024);
    expect(records[0]?.createdAt).toBeUndefined();
    expect(records[0]?.totalBytes).toBeUndefined();
    expect(smsAttachmentsArtifact.events(records[0]!)).toEqual([]);
  });

  it("reads the corpus backup's attachment", async () => {
    const path = corpusPath("backups", "dev-ios16-plain", "3d", "3d0d7e5fb2ce288813306e4d4636395e047a3d28");
    if (path === undefined) return;
    const records: SmsAttachmentRecord[] = [];
    await runArtifact(memorySource({ [SMS_DB]: readFileSync(path) }), smsAttachmentsArtifact, (r) => {
      records.push(r.data as SmsAttachmentRecord);
    });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      guid: "at_0_A2A71AB5-A231-49EF-9F90-ED2F7C946497",
      transferName: "IMG_0101.PNG",
      uti: "public.png",
      totalBytes: 73,
      createdAt: "2023-07-14T18:20:07.000Z",
      messageRowId: 3,
      messageAt: "2023-07-14T18:20:05.000Z",
      handle: "+447700900111",
    });
    expect(smsAttachmentsArtifact.observables(records[0]!)[0]?.value).toBe(
      "/private/var/mobile/Library/SMS/Attachments/0a/10/A2A71AB5-A231-49EF-9F90-ED2F7C946497/IMG_0101.PNG",
    );
  });

  it("reads the attachment through the backup reader", async () => {
    const dir = corpusPath("backups", "dev-ios16-plain");
    if (dir === undefined) return;
    const backup = await openIosBackup(dir);
    try {
      const records: SmsAttachmentRecord[] = [];
      const status = await runArtifact(backup, smsAttachmentsArtifact, (r) =>
        records.push(r.data as SmsAttachmentRecord),
      );
      expect(status.warnings).toEqual([]);
      const path = smsAttachmentsArtifact.observables(records[0]!)[0]?.value;
      // The attachment's canonical path is a file the backup holds (MediaDomain maps onto the same tree).
      expect(path === undefined ? undefined : backup.get(path)?.kind).toBe("file");
    } finally {
      await backup.close();
    }
  });
});
