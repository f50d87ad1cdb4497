import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import type { MemoryFile } from "../../testing/memory-source.js";
import { type WhatsAppChatSessionRecord, whatsappChatSessionsArtifact } from "./whatsapp-chat-sessions.js";

const GROUP = "/private/var/mobile/Containers/Shared/AppGroup";
const LID = `CREATE TABLE ZWAPHONENUMBERLIDPAIR (Z_PK INTEGER PRIMARY KEY, ZLID VARCHAR, ZPHONENUMBER VARCHAR);
INSERT INTO ZWAPHONENUMBERLIDPAIR VALUES (1, '100000000000001@lid', '14155550100@s.whatsapp.net');`;

async function run(files: Record<string, MemoryFile>) {
  const { status, data } = await collectArtifact(whatsappChatSessionsArtifact, files);
  return { status, records: data as WhatsAppChatSessionRecord[] };
}

describe("ios/whatsapp-chat-sessions", () => {
  it("reads the chat list of the current schema, resolving @lid through LID.sqlite", async () => {
    const db = `${GROUP}/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite`;
    const { status, records } = await run({
      [db]: {
        sql: `CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, ZARCHIVED INTEGER, ZHIDDEN INTEGER, ZREMOVED INTEGER,
            ZSESSIONTYPE INTEGER, ZUNREADCOUNT INTEGER, ZMESSAGECOUNTER INTEGER, ZLASTMESSAGEDATE TIMESTAMP,
            ZCONTACTJID VARCHAR, ZPARTNERNAME VARCHAR, ZLASTMESSAGETEXT VARCHAR);
          INSERT INTO ZWACHATSESSION VALUES
            (1, 0, 0, 0, 0, 2, 40, 777777777, '100000000000001@lid', 'Alice', 'see you'),
            (2, 1, 1, 0, 1, 0, 7, NULL, '120363000000000001@g.us', 'Group', NULL),
            (3, 'x', NULL, NULL, 'y', NULL, NULL, 'never', NULL, printf('%.*c', 5000, 'n'), x'00');`,
      },
      [`${GROUP}/group.net.whatsapp.WhatsApp.shared/LID.sqlite`]: { sql: LID },
    });
    expect(status.status).toBe("found");
    expect(status.warnings).toEqual([]);
    expect(records[0]).toEqual({
      rowId: 1,
      database: db,
      contactJid: "100000000000001@lid",
      contactPhoneNumber: "+14155550100",
      partnerName: "Alice",
      lastMessageAt: "2025-08-25T01:22:57.000Z",
      sessionType: 0,
      archived: false,
      hidden: false,
      removed: false,
      unreadCount: 2,
      messageCount: 40,
      lastMessageText: "see you",
    });
    expect(records[1]).toMatchObject({
      contactJid: "120363000000000001@g.us",
      sessionType: 1,
      archived: true,
    });
    expect(records[1]?.contactPhoneNumber).toBeUndefined();
    expect(records[2]?.partnerName).toHaveLength(4096);
    expect(records[2]).toMatchObject({ rowId: 3 });
    expect(records[2]?.lastMessageAt).toBeUndefined();
    expect(whatsappChatSessionsArtifact.contentFields).toEqual(["lastMessageText"]);
    expect(whatsappChatSessionsArtifact.observables(records[0]!)).toEqual([]);
    expect(whatsappChatSessionsArtifact.events(records[0]!)).toEqual([
      {
        at: "2025-08-25T01:22:57.000Z",
        event: "whatsapp_chat_last_message",
        description: "Last WhatsApp message in the chat with +14155550100 (Alice)",
      },
    ]);
    expect(whatsappChatSessionsArtifact.events(records[1]!)).toEqual([]);
  });

  it("reads an old schema with the LID pairs inside ChatStorage; unknown schemas and bad files warn", async () => {
    const old = `${GROUP}/AAAA/ChatStorage.sqlite`;
    const { status, records } = await run({
      [old]: {
        sql: `CREATE TABLE ZWACHATSESSION (Z_PK INTEGER PRIMARY KEY, ZCONTACTJID VARCHAR, ZPARTNERNAME VARCHAR);
          ${LID}
          INSERT INTO ZWACHATSESSION VALUES (4, '100000000000001@lid', NULL);`,
      },
      [`${GROUP}/BBBB/ChatStorage.sqlite`]: Buffer.from("not a database"),
      [`${GROUP}/CCCC/ChatStorage.sqlite`]: { sql: "CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY);" },
    });
    expect(records).toEqual([
      { rowId: 4, database: old, contactJid: "100000000000001@lid", contactPhoneNumber: "+14155550100" },
    ]);
    expect(status.warnings.map((w) => [w.code, w.file])).toEqual([
      ["CORRUPT", `${GROUP}/BBBB/ChatStorage.sqlite`],
      ["UNKNOWN_SCHEMA", `${GROUP}/CCCC/ChatStorage.sqlite`],
    ]);
    expect(status.warnings[1]?.message).toContain("ZWACHATSESSION");
  });
});
