import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backupFileId, writeBackup } from "../../generate/backup-writer.js";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { type MemoryFile, sqliteImage } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import {
  isWhatsAppMediaUrl,
  type WhatsAppMessageRecord,
  whatsappMessagesArtifact,
} from "./whatsapp-messages.js";

const GROUP = "/private/var/mobile/Containers/Shared/AppGroup";

const MODERN = `
CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, ZCONTACTJID VARCHAR, ZPARTNERNAME VARCHAR);
CREATE TABLE ZWAGROUPMEMBER (Z_PK INTEGER PRIMARY KEY, ZMEMBERJID VARCHAR, ZCHATSESSION INTEGER);
CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, ZISFROMME INTEGER, ZCHATSESSION INTEGER, ZGROUPMEMBER INTEGER,
  ZMEDIAITEM INTEGER, ZMESSAGETYPE INTEGER, ZMESSAGEDATE TIMESTAMP, ZSENTDATE TIMESTAMP, ZFROMJID VARCHAR, ZTOJID VARCHAR, ZTEXT VARCHAR);
CREATE TABLE ZWAMEDIAITEM (Z_PK INTEGER PRIMARY KEY, ZMESSAGE INTEGER, ZMEDIAURL VARCHAR, ZAUTHORNAME VARCHAR, ZTITLE VARCHAR);
CREATE TABLE ZWAMESSAGEDATAITEM (Z_PK INTEGER PRIMARY KEY, ZMESSAGE INTEGER, ZCONTENT1 VARCHAR, ZCONTENT2 VARCHAR,
  ZMATCHEDTEXT VARCHAR, ZSUMMARY VARCHAR, ZTITLE VARCHAR);
INSERT INTO ZWACHATSESSION VALUES (1, '100000000000001@lid', 'Alice'), (2, '120363000000000001@g.us', 'Group');
INSERT INTO ZWAGROUPMEMBER VALUES (1, '4915100000002@s.whatsapp.net', 2);
INSERT INTO ZWAMESSAGE VALUES
  (1, 0, 1, NULL, NULL, 0, 777777777, NULL, '100000000000001@lid', NULL, 'look at https://exploit.example/a and https://mmg.whatsapp.net/d/f/x.enc'),
  (2, 1, 1, NULL, NULL, 0, 777777800, NULL, NULL, '100000000000001@lid', 'thanks'),
  (3, 0, 2, 1, 1, 1, 777777900, NULL, '120363000000000001@g.us', NULL, NULL),
  (4, 0, 2, 1, NULL, 0, 777778000, NULL, '120363000000000001@g.us', NULL, 'preview');
INSERT INTO ZWAMEDIAITEM VALUES (1, 3, 'https://media-frt3-1.cdn.whatsapp.net/v/t62/x.enc', 'Bob', NULL);
INSERT INTO ZWAMESSAGEDATAITEM VALUES (1, 4, 'https://news.example/story', NULL, 'news.example/story', 'summary', 'title'),
  (2, 4, NULL, 'https://second.example/', NULL, NULL, NULL);
`;

const LID = `CREATE TABLE ZWAPHONENUMBERLIDPAIR (Z_PK INTEGER PRIMARY KEY, ZLID VARCHAR, ZPHONENUMBER VARCHAR, ZTIMESTAMP TIMESTAMP);
INSERT INTO ZWAPHONENUMBERLIDPAIR VALUES (1, '100000000000001@lid', '14155550100@s.whatsapp.net', 777000000);`;

async function run(files: Record<string, MemoryFile>) {
  const { status, data } = await collectArtifact(whatsappMessagesArtifact, files);
  return { status, records: data as WhatsAppMessageRecord[] };
}

describe("ios/whatsapp-messages", () => {
  it("reads messages with links from text, previews and media, resolving @lid through LID.sqlite", async () => {
    const db = `${GROUP}/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite`;
    const { status, records } = await run({
      [db]: { sql: MODERN },
      [`${GROUP}/group.net.whatsapp.WhatsApp.shared/LID.sqlite`]: { sql: LID },
    });
    expect(status.status).toBe("found");
    expect(records).toHaveLength(4);
    expect(records[0]).toEqual({
      rowId: 1,
      database: db,
      chatJid: "100000000000001@lid",
      chatPhoneNumber: "+14155550100",
      fromJid: "100000000000001@lid",
      fromPhoneNumber: "+14155550100",
      isFromMe: false,
      sentAt: "2025-08-25T01:22:57.000Z",
      messageType: 0,
      text: "look at https://exploit.example/a and https://mmg.whatsapp.net/d/f/x.enc",
      links: ["https://exploit.example/a"],
    });
    expect(records[1]).toMatchObject({ isFromMe: true, chatJid: "100000000000001@lid", links: [] });
    expect(records[1]?.fromJid).toBeUndefined();
    expect(records[2]).toMatchObject({
      fromJid: "4915100000002@s.whatsapp.net",
      chatJid: "120363000000000001@g.us",
      links: [],
    });
    expect(records[3]?.links).toEqual(["https://news.example/story", "https://second.example/"]);

    expect(whatsappMessagesArtifact.observables(records[3]!)).toEqual([
      { kind: "url", value: "https://news.example/story", field: "links[0]" },
      { kind: "url", value: "https://second.example/", field: "links[1]" },
    ]);
    expect(whatsappMessagesArtifact.events(records[0]!)).toEqual([
      {
        at: "2025-08-25T01:22:57.000Z",
        event: "whatsapp_message_received",
        description: "WhatsApp message from +14155550100 (1 link)",
      },
    ]);
    expect(whatsappMessagesArtifact.events(records[3]!)[0]?.description).toBe(
      "WhatsApp message from 4915100000002@s.whatsapp.net in 120363000000000001@g.us (2 links)",
    );
  });

  it("reads every container; older schema without data items, LID pairs inside ChatStorage; bad files warn", async () => {
    const old = `${GROUP}/AAAA/ChatStorage.sqlite`;
    const { status, records } = await run({
      [old]: {
        sql: `CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, ZISFROMME INTEGER, ZMESSAGEDATE TIMESTAMP, ZFROMJID VARCHAR, ZTOJID VARCHAR, ZTEXT VARCHAR);
          ${LID}
          INSERT INTO ZWAMESSAGE VALUES (9, 0, 600000000, '100000000000001@lid', NULL, 'http://old.example/'),
                                        (10, 'x', 'never', 42, NULL, x'68747470733a2f2f626c6f622e6578616d706c652f');`,
      },
      [`${GROUP}/BBBB/ChatStorage.sqlite`]: Buffer.from("not a database"),
      [`${GROUP}/CCCC/ChatStorage.sqlite`]: { sql: "CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY);" },
    });
    // Two of the three databases could not be read: what came from the first is kept, but not all was read.
    expect(status.status).toBe("partial");
    expect(status.files).toEqual([`${GROUP}/BBBB/ChatStorage.sqlite`, `${GROUP}/CCCC/ChatStorage.sqlite`]);
    expect(records).toEqual([
      {
        rowId: 9,
        database: old,
        chatJid: "100000000000001@lid",
        chatPhoneNumber: "+14155550100",
        fromJid: "100000000000001@lid",
        fromPhoneNumber: "+14155550100",
        isFromMe: false,
        sentAt: "2020-01-06T10:40:00.000Z",
        text: "http://old.example/",
        links: ["http://old.example/"],
      },
      {
        rowId: 10,
        database: old,
        chatJid: "42",
        fromJid: "42",
        isFromMe: false,
        text: "https://blob.example/",
        links: ["https://blob.example/"],
      },
    ]);
    expect(status.warnings.map((w) => [w.code, w.file])).toEqual([
      ["CORRUPT", `${GROUP}/BBBB/ChatStorage.sqlite`],
      ["UNKNOWN_SCHEMA", `${GROUP}/CCCC/ChatStorage.sqlite`],
    ]);
  });

  it("fails, naming the files and why, when every database it located is unreadable", async () => {
    const { status, records } = await run({
      [`${GROUP}/BBBB/ChatStorage.sqlite`]: Buffer.from("not a database"),
      [`${GROUP}/CCCC/ChatStorage.sqlite`]: { sql: "CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY);" },
    });
    expect(records).toEqual([]);
    expect(status.status).toBe("failed");
    expect(status.files).toEqual([`${GROUP}/BBBB/ChatStorage.sqlite`, `${GROUP}/CCCC/ChatStorage.sqlite`]);
    expect(status.warnings.map((w) => w.code)).toEqual(["CORRUPT", "UNKNOWN_SCHEMA"]);
  });

  it("is not present when no ChatStorage.sqlite is there, and when the one listed has no payload", async () => {
    expect((await run({})).status.status).toBe("not_present");
    const { status } = await collectArtifact(whatsappMessagesArtifact, {
      [`${GROUP}/A/ChatStorage.sqlite`]: [Buffer.alloc(0), { present: false }],
    });
    expect(status.status).toBe("not_present");
    expect(status.warnings.map((w) => w.code)).toEqual(["MISSING_PAYLOAD"]);
  });

  it("caps huge text and still finds its links, also past the cap", async () => {
    const { records } = await run({
      [`${GROUP}/X/ChatStorage.sqlite`]: {
        sql: `CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY, ZISFROMME INTEGER, ZMESSAGEDATE TIMESTAMP, ZFROMJID VARCHAR, ZTOJID VARCHAR, ZTEXT VARCHAR);
          INSERT INTO ZWAMESSAGE VALUES (1, 0, 1, 'a@s.whatsapp.net', NULL, 'https://a.example/ ' || printf('%.*c', 200000, 'x') || ' https://z.example/');`,
      },
    });
    expect(records[0]?.textTruncated).toBe(true);
    expect(records[0]?.text).toHaveLength(64 * 1024);
    expect(records[0]?.links).toEqual(["https://a.example/", "https://z.example/"]);
  });

  it("recognises WhatsApp media hosts only", () => {
    expect(isWhatsAppMediaUrl("https://mmg-fna.whatsapp.net/x")).toBe(true);
    expect(isWhatsAppMediaUrl("https://media.fmad1-1.fna.whatsapp.net/x")).toBe(true);
    expect(isWhatsAppMediaUrl("https://chat.whatsapp.com/invite")).toBe(false);
    expect(isWhatsAppMediaUrl("https://mmg.whatsapp.net.evil.example/")).toBe(false);
    expect(isWhatsAppMediaUrl("not a url")).toBe(false);
  });

  it("reads the app group of an iOS backup (MVT's fileID), with the LID map beside it", async () => {
    const domain = "AppDomainGroup-group.net.whatsapp.WhatsApp.shared";
    expect(backupFileId(domain, "ChatStorage.sqlite")).toBe("7c7fba66680ef796b916b067077cc246adacf01d");
    expect(backupFileId(domain, "LID.sqlite")).toBe("e794f6ffcc3c222535f47684a63d5178da3c4500");
    const dir = await mkdtemp(join(tmpdir(), "spyglass-whatsapp-"));
    try {
      await writeBackup(dir, {
        seed: "whatsapp-messages",
        date: new Date("2025-09-01T00:00:00Z"),
        files: [
          { domain, relativePath: "", kind: "directory" },
          { domain, relativePath: "ChatStorage.sqlite", data: sqliteImage(MODERN) },
          { domain, relativePath: "LID.sqlite", data: sqliteImage(LID) },
        ],
      });
      const backup = await openIosBackup(dir);
      try {
        const records: WhatsAppMessageRecord[] = [];
        const status = await runArtifact(backup, whatsappMessagesArtifact, (r) =>
          records.push(r.data as WhatsAppMessageRecord),
        );
        expect(status.warnings).toEqual([]);
        expect(records).toHaveLength(4);
        expect(records[0]).toMatchObject({
          database: `${GROUP}/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite`,
          chatPhoneNumber: "+14155550100",
          links: ["https://exploit.example/a"],
        });
      } finally {
        await backup.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  // The corpus has no WhatsApp database: iLEAPP's whatsApp zip was not copied (../shared/corpus/ileapp/SOURCE.md).
  it.skip("reads a real ChatStorage.sqlite (none in ../shared/corpus)", () => {});
});
