import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { openSqliteImage } from "../../sqlite/open.js";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { corpusPath } from "../../testing/corpus.js";
import { type memorySource, sqliteImage } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { decodeAttributedBody } from "./_shared/comms.js";
import { type SmsRecord, smsArtifact } from "./sms.js";

const SMS_DB = "/private/var/mobile/Library/SMS/sms.db";

/** An attributedBody as Messages writes it: typedstream of an NSAttributedString around `text`. */
function typedstream(text: string): Buffer {
  const utf8 = Buffer.from(text, "utf8");
  const length =
    utf8.length < 0x80
      ? Buffer.from([utf8.length])
      : utf8.length < 0x10000
        ? Buffer.from([0x81, utf8.length & 0xff, utf8.length >> 8])
        : Buffer.concat([Buffer.from([0x82]), Buffer.from(new Uint32Array([utf8.length]).buffer)]);
  return Buffer.concat([
    Buffer.from("\x04\x0bstreamtyped\x81\xe8\x03\x84\x01@\x84\x84\x84\x12NSAttributedString\x00", "latin1"),
    Buffer.from("\x84\x84\x08NSObject\x00\x85\x92\x84\x84\x84\x08NSString\x01\x94\x84\x01+", "latin1"),
    length,
    utf8,
    Buffer.from("\x86\x84\x02iI\x01\x01\x92\x84\x84\x84\x0cNSDictionary\x00", "latin1"),
  ]);
}

const MODERN_SCHEMA = `
CREATE TABLE handle (ROWID INTEGER PRIMARY KEY AUTOINCREMENT UNIQUE, id TEXT NOT NULL, country TEXT, service TEXT NOT NULL);
CREATE TABLE message (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, text TEXT, handle_id INTEGER DEFAULT 0,
  attributedBody BLOB, service TEXT, date INTEGER, date_read INTEGER, is_from_me INTEGER DEFAULT 0, cache_has_attachments INTEGER DEFAULT 0);
CREATE TABLE message_attachment_join (message_id INTEGER, attachment_id INTEGER);
CREATE TABLE chat (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, guid TEXT UNIQUE NOT NULL, chat_identifier TEXT, service_name TEXT);
CREATE TABLE chat_message_join (chat_id INTEGER, message_id INTEGER, message_date INTEGER DEFAULT 0, PRIMARY KEY (chat_id, message_id));
INSERT INTO chat VALUES (1, 'iMessage;+;chat123', 'chat123', 'iMessage'), (2, 'iMessage;-;group@example.net', 'group@example.net', 'iMessage');
INSERT INTO handle VALUES (1, '+447700900111', 'gb', 'iMessage'), (2, 'attacker@example.com', NULL, 'iMessage');
`;

async function run(files: Parameters<typeof memorySource>[0]) {
  const { status, data } = await collectArtifact(smsArtifact, files);
  return { status, records: data as SmsRecord[] };
}

function parseImage(image: Buffer): SmsRecord[] {
  const { db } = openSqliteImage(image);
  const input = smsArtifact.input;
  if (input.kind !== "sqlite") throw new Error("ios/sms reads SQLite");
  try {
    return [
      ...input.parse(db, {
        file: { path: SMS_DB, kind: "file", size: image.length, origin: SMS_DB, present: true },
        warn: () => {},
      }),
    ];
  } finally {
    db.close();
  }
}

describe("ios/sms", () => {
  it("reads iOS 11+ messages: nanosecond dates, handles, links, read time, attachments", async () => {
    const image = sqliteImage(`${MODERN_SCHEMA}
      INSERT INTO message (ROWID, guid, text, handle_id, service, date, date_read, is_from_me, cache_has_attachments)
        VALUES (1, 'G1', 'Hi! See https://www.example.org/welcome.', 1, 'iMessage', 707302800000000000, 707302805000000000, 0, 0),
               (2, 'G2', 'ok (https://en.wikipedia.org/wiki/Foo_(bar))', 2, 'iMessage', 707302890000000000, 0, 1, 0),
               (3, 'G3', NULL, 1, 'SMS', 707302900000000000, NULL, 0, 0);
      INSERT INTO message_attachment_join VALUES (3, 1);
      INSERT INTO message (ROWID, guid, text, handle_id, service, date, is_from_me) VALUES (4, 'G4', 'to the group', 0, 'iMessage', 707302950000000000, 1);
      INSERT INTO chat_message_join VALUES (1, 1, 0), (2, 4, 0);`);
    const records = parseImage(image);
    expect(records).toHaveLength(4);
    expect(records[3]).toMatchObject({ rowId: 4, chatIdentifier: "group@example.net", isFromMe: true });
    expect(records[3]?.handle).toBeUndefined();
    expect(records[0]?.chatIdentifier).toBeUndefined();
    expect(smsArtifact.observables(records[3]!)).toEqual([
      { kind: "email", value: "group@example.net", field: "chatIdentifier" },
    ]);
    expect(smsArtifact.events(records[3]!)[0]?.description).toBe("iMessage sent to group@example.net");
    expect(records[0]).toEqual({
      rowId: 1,
      guid: "G1",
      service: "iMessage",
      handle: "+447700900111",
      isFromMe: false,
      receivedAt: "2023-06-01T09:00:00.000Z",
      readAt: "2023-06-01T09:00:05.000Z",
      text: "Hi! See https://www.example.org/welcome.",
      links: ["https://www.example.org/welcome"],
      hasAttachments: false,
    });
    expect(records[1]?.sentAt).toBe("2023-06-01T09:01:30.000Z");
    expect(records[1]?.links).toEqual(["https://en.wikipedia.org/wiki/Foo_(bar)"]);
    expect(records[2]?.hasAttachments).toBe(true);
    expect(records[2]?.text).toBeUndefined();

    expect(smsArtifact.observables(records[1]!)).toEqual([
      { kind: "url", value: "https://en.wikipedia.org/wiki/Foo_(bar)", field: "links[0]" },
      { kind: "email", value: "attacker@example.com", field: "handle" },
    ]);
    expect(smsArtifact.observables(records[0]!).map((o) => o.kind)).toEqual(["url"]);
    const events = smsArtifact.events(records[0]!);
    expect(events.map((e) => e.event)).toEqual(["sms_received", "sms_read"]);
    expect(events[0]?.description).toBe("iMessage received from +447700900111 (1 link)");
    expect(JSON.stringify(events)).not.toContain("welcome");
  });

  it("reads the pre-iOS 11 variant: second dates, no service or attributedBody columns", async () => {
    const { status, records } = await run({
      [SMS_DB]: {
        sql: `CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);
          CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, text TEXT, handle_id INTEGER, date INTEGER, is_from_me INTEGER);
          INSERT INTO handle VALUES (1, 'someone@icloud.com');
          INSERT INTO message VALUES (5, 'OLD', 'visit http://evil.example/x?a=1', 1, 500000000, 0);`,
      },
    });
    expect(status.status).toBe("found");
    expect(records).toEqual([
      {
        rowId: 5,
        guid: "OLD",
        handle: "someone@icloud.com",
        isFromMe: false,
        receivedAt: "2016-11-05T00:53:20.000Z",
        text: "visit http://evil.example/x?a=1",
        links: ["http://evil.example/x?a=1"],
        hasAttachments: false,
      },
    ]);
  });

  it("recovers text and links from attributedBody when the text column is empty", () => {
    const long = `https://long.example/${"a".repeat(300)}`;
    const image = sqliteImage(`${MODERN_SCHEMA}
      INSERT INTO message (ROWID, guid, text, attributedBody, handle_id, service, date, is_from_me)
        VALUES (1, 'B1', NULL, x'${typedstream("Tap https://body.example/p now").toString("hex")}', 1, 'iMessage', 707302800000000000, 0),
               (2, 'B2', '', x'${typedstream(long).toString("hex")}', 1, 'iMessage', 707302800000000000, 0);`);
    const records = parseImage(image);
    expect(records[0]?.text).toBe("Tap https://body.example/p now");
    expect(records[0]?.textFromAttributedBody).toBe(true);
    expect(records[0]?.links).toEqual(["https://body.example/p"]);
    expect(records[1]?.links).toEqual([long]);
  });

  it("flags Apple threat notifications", () => {
    const image = sqliteImage(`${MODERN_SCHEMA}
      INSERT INTO message (ROWID, guid, text, handle_id, date, is_from_me) VALUES
        (1, 'T1', 'ALERT: Apple detected a targeted mercenary spyware attack against your iPhone. Visit https://support.apple.com/x', 1, 1, 0),
        (2, 'T2', 'not an ALERT: State-sponsored attackers may be targeting your iPhone', 1, 1, 0);`);
    const records = parseImage(image);
    expect(records[0]?.threatNotification).toBe(true);
    expect(records[1]?.threatNotification).toBeUndefined();
  });

  it("survives broken input: garbage blobs warn once with a count, wrong types, huge text", async () => {
    const huge = `https://first.example/ ${"x".repeat(70_000)} https://late.example/`;
    const { status, records } = await run({
      [SMS_DB]: {
        sql: `${MODERN_SCHEMA}
          INSERT INTO message (ROWID, guid, text, attributedBody, handle_id, date, is_from_me) VALUES
            (1, 'X1', NULL, x'00112233', 1, 'not a date', 'yes'),
            (2, 'X2', NULL, x'040b73747265616d7479706564', 99, NULL, NULL),
            (3, 'X3', NULL, x'${Buffer.from("bplist00garbage").toString("hex")}', 1, 1, 0),
            (4, 'X4', '${huge}', NULL, 1, 1, 0),
            (5, 'X5', x'68747470733a2f2f626c6f622e6578616d706c652f', NULL, 1, 1, 0);`,
      },
    });
    expect(status.status).toBe("found");
    expect(records).toHaveLength(5);
    expect(records[0]).toMatchObject({ rowId: 1, isFromMe: false, links: [] });
    expect(records[0]?.receivedAt).toBeUndefined();
    expect(records[1]?.handle).toBeUndefined();
    expect(records[3]?.textTruncated).toBe(true);
    expect(records[3]?.text).toHaveLength(64 * 1024);
    expect(records[3]?.links).toEqual(["https://first.example/", "https://late.example/"]);
    expect(records[4]?.links).toEqual(["https://blob.example/"]);
    const corrupt = status.warnings.filter((w) => w.code === "CORRUPT");
    expect(corrupt.reduce((n, w) => n + (w.count ?? 0), 0)).toBe(3);
    expect(corrupt.every((w) => w.file === SMS_DB)).toBe(true);
  });

  it("reads a 50 MB text and a 50 MB attributedBody without loading them", async () => {
    const image = sqliteImage(`${MODERN_SCHEMA}
      INSERT INTO message (ROWID, guid, text, attributedBody, handle_id, date, is_from_me) VALUES
        (1, 'BIG1', 'https://big.example/ ' || printf('%.*c', 50000000, 'x') || ' https://hidden-at-the-end.example/x', NULL, 1, 1, 0),
        (2, 'BIG2', NULL, CAST(x'${typedstream("https://body.example/").toString("hex")}' || zeroblob(50000000) AS BLOB), 1, 1, 0);`);
    const records = parseImage(image);
    // The text is capped, but its links are looked for in the whole value.
    expect(records[0]).toMatchObject({
      textTruncated: true,
      links: ["https://big.example/", "https://hidden-at-the-end.example/x"],
    });
    expect(records[0]?.text).toHaveLength(64 * 1024);
    expect(records[1]).toMatchObject({ text: "https://body.example/", links: ["https://body.example/"] });
  });

  it("reports an unknown schema instead of parsing", async () => {
    const { status } = await run({ [SMS_DB]: { sql: "CREATE TABLE message (ROWID INTEGER PRIMARY KEY);" } });
    expect(status.status).toBe("failed");
    expect(status.warnings[0]?.code).toBe("UNKNOWN_SCHEMA");
  });

  it("decodes long typedstream strings and refuses truncated ones safely", () => {
    const text = "é".repeat(40_000);
    expect(decodeAttributedBody(typedstream(text))).toEqual({ text, truncated: false });
    const full = typedstream("hello world");
    const start = full.indexOf("hello");
    expect(decodeAttributedBody(full.subarray(0, start + 5))).toEqual({ text: "hello", truncated: true });
    expect(decodeAttributedBody(full.subarray(0, start - 1))).toHaveProperty("error");
    for (let n = 0; n < 200; n++) {
      const noise = Buffer.concat([typedstream("x").subarray(0, 13), Buffer.from(randomBytes(n, n))]);
      expect(() => decodeAttributedBody(noise)).not.toThrow();
    }
  });

  it("reads the corpus backup's sms.db", async () => {
    const path = corpusPath("backups", "dev-ios16-plain", "3d", "3d0d7e5fb2ce288813306e4d4636395e047a3d28");
    if (path === undefined) return;
    const { status, records } = await run({ [SMS_DB]: readFileSync(path) });
    expect(status.status).toBe("found");
    expect(records).toHaveLength(4);
    expect(records[1]).toMatchObject({
      rowId: 2,
      isFromMe: true,
      sentAt: "2023-06-01T09:01:30.000Z",
      links: ["https://www.example.org/welcome"],
    });
    expect(records[2]?.hasAttachments).toBe(true);
    expect(records[3]).toMatchObject({ service: "SMS", handle: "+447700900222" });
  });

  it("reads plaso's macOS chat.db (same schema family)", async () => {
    const path = corpusPath("plaso", "sqlite", "imessage_chat.db");
    if (path === undefined) return;
    const { status, records } = await run({ [SMS_DB]: readFileSync(path) });
    expect(status.status).toBe("found");
    expect(records).toHaveLength(10);
    const asked = records.find((r) => r.text === "Did you try to send me a message?");
    expect(asked).toMatchObject({ handle: "xxxxxx2015@icloud.com", service: "iMessage", isFromMe: false });
    expect(asked?.receivedAt).toBe("2015-11-30T10:48:40.000Z");
  });

  it("reads sms.db through the backup reader, plain and encrypted", async () => {
    for (const [folder, password] of [
      ["dev-ios16-plain", undefined],
      ["dev-ios16-enc", "spyglass-test"],
    ] as const) {
      const dir = corpusPath("backups", folder);
      if (dir === undefined) return;
      const backup = await openIosBackup(dir, { password: () => password });
      try {
        const records: SmsRecord[] = [];
        const status = await runArtifact(backup, smsArtifact, (r) => records.push(r.data as SmsRecord));
        expect(status.warnings).toEqual([]);
        expect(status.files).toEqual([SMS_DB]);
        expect(records.map((r) => [r.rowId, r.service, r.handle, r.links.length, r.hasAttachments])).toEqual([
          [1, "iMessage", "+447700900111", 0, false],
          [2, "iMessage", "+447700900111", 1, false],
          [3, "iMessage", "+447700900111", 0, true],
          [4, "SMS", "+447700900222", 0, false],
        ]);
      } finally {
        await backup.close();
      }
    }
  });
});

function randomBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}
