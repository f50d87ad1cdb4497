import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { type InteractionRecord, interactionCArtifact } from "./interactionc.js";

const PATH = "/private/var/mobile/Library/CoreDuet/People/interactionC.db";

async function run(sql: string) {
  const { status, data } = await collectArtifact(interactionCArtifact, { [PATH]: { sql } });
  return { status, records: data as InteractionRecord[] };
}

const CONTACTS = `CREATE TABLE ZCONTACTS (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, ZDISPLAYNAME VARCHAR, ZIDENTIFIER VARCHAR,
  ZPERSONID VARCHAR, ZCREATIONDATE TIMESTAMP);
INSERT INTO ZCONTACTS VALUES (1, 2, 'Attacker', 'attacker@example.com', NULL, NULL), (2, 2, 'Me', '+447700900654', NULL, NULL),
  (3, 2, NULL, 'other@example.org', NULL, NULL);`;

describe("ios/interactionc", () => {
  it("reads the iOS 14+ schema with recipients join table and flags back-dated rows", async () => {
    const { status, records } = await run(`${CONTACTS}
      CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZDIRECTION INTEGER, ZMECHANISM INTEGER, ZRECIPIENTCOUNT INTEGER,
        ZSENDER INTEGER, ZCREATIONDATE TIMESTAMP, ZENDDATE TIMESTAMP, ZSTARTDATE TIMESTAMP, ZACCOUNT VARCHAR, ZBUNDLEID VARCHAR,
        ZCONTENTURL VARCHAR, ZGROUPNAME VARCHAR, ZTARGETBUNDLEID VARCHAR);
      CREATE TABLE Z_2INTERACTIONRECIPIENT (Z_2RECIPIENTS INTEGER, Z_3INTERACTIONRECIPIENT INTEGER);
      INSERT INTO ZINTERACTIONS VALUES
        (1, 0, 4, 2, 1, 700000000, 700000010, 700000000, 'me@icloud.com', 'com.apple.MobileSMS', NULL, NULL, 'com.apple.messages.ShareExtension'),
        (2, 1, 4, NULL, 2, 700007200, 700000010, 700000000, NULL, 'net.whatsapp.WhatsApp', 'https://x.example/share', 'Friends', NULL);
      INSERT INTO Z_2INTERACTIONRECIPIENT VALUES (2, 1), (3, 1), (1, 2);
      CREATE TABLE ZATTACHMENT (Z_PK INTEGER PRIMARY KEY, ZUTI VARCHAR, ZCONTENTURL VARCHAR, ZCONTENTTEXT VARCHAR);
      CREATE TABLE Z_1INTERACTIONS (Z_1ATTACHMENTS INTEGER, Z_3INTERACTIONS INTEGER);
      INSERT INTO ZATTACHMENT VALUES (1, 'public.url', 'https://shared.example/x', 'text'), (2, 'public.jpeg', NULL, NULL);
      INSERT INTO Z_1INTERACTIONS VALUES (1, 2), (2, 2);`);
    expect(status.status).toBe("found");
    expect(records[0]).toEqual({
      rowId: 1,
      startAt: "2023-03-08T20:26:40.000Z",
      endAt: "2023-03-08T20:26:50.000Z",
      createdAt: "2023-03-08T20:26:40.000Z",
      bundleId: "com.apple.MobileSMS",
      account: "me@icloud.com",
      targetBundleId: "com.apple.messages.ShareExtension",
      direction: "incoming",
      mechanism: 4,
      sender: { displayName: "Attacker", identifier: "attacker@example.com" },
      recipientCount: 2,
      recipients: [{ displayName: "Me", identifier: "+447700900654" }, { identifier: "other@example.org" }],
      createdDivergesFromStart: false,
    });
    expect(records[1]).toMatchObject({
      direction: "outgoing",
      recipientCount: 1,
      contentUrl: "https://x.example/share",
      attachments: [{ uti: "public.url", contentUrl: "https://shared.example/x" }, { uti: "public.jpeg" }],
      groupName: "Friends",
      createdDivergesFromStart: true,
    });
    expect(interactionCArtifact.observables(records[1]!).filter((o) => o.kind === "url")).toEqual([
      { kind: "url", value: "https://x.example/share", field: "contentUrl" },
      { kind: "url", value: "https://shared.example/x", field: "attachments[0].contentUrl" },
    ]);
    expect(interactionCArtifact.observables(records[0]!)).toEqual([
      { kind: "app-id", value: "com.apple.MobileSMS", field: "bundleId" },
      { kind: "app-id", value: "com.apple.messages.ShareExtension", field: "targetBundleId" },
      { kind: "email", value: "attacker@example.com", field: "sender.identifier" },
      { kind: "email", value: "other@example.org", field: "recipients[1].identifier" },
      { kind: "email", value: "me@icloud.com", field: "account" },
    ]);
    expect(interactionCArtifact.events(records[0]!)).toEqual([
      {
        at: "2023-03-08T20:26:40.000Z",
        event: "interaction_start",
        description: "[com.apple.MobileSMS] incoming from Attacker (attacker@example.com) to 2 recipients",
      },
    ]);
    expect(interactionCArtifact.events(records[1]!)[1]).toEqual({
      at: "2023-03-08T22:26:40.000Z",
      event: "interaction_created",
      description:
        "[net.whatsapp.WhatsApp] outgoing from Me (+447700900654) to 1 recipient (created an hour or more away from its start)",
    });
  });

  it("reads per-contact first/last dates, person ids and shared text (content), with their events and links", async () => {
    const { status, records } = await run(`
      CREATE TABLE ZCONTACTS (Z_PK INTEGER PRIMARY KEY, ZDISPLAYNAME VARCHAR, ZIDENTIFIER VARCHAR, ZPERSONID VARCHAR,
        ZFIRSTINCOMINGSENDERDATE TIMESTAMP, ZLASTINCOMINGSENDERDATE TIMESTAMP, ZFIRSTINCOMINGRECIPIENTDATE TIMESTAMP,
        ZLASTINCOMINGRECIPIENTDATE TIMESTAMP, ZFIRSTOUTGOINGRECIPIENTDATE TIMESTAMP, ZLASTOUTGOINGRECIPIENTDATE TIMESTAMP);
      INSERT INTO ZCONTACTS VALUES
        (1, 'Attacker', 'attacker@example.com', 'AB12-CD', 690000000, 700000000, NULL, NULL, 695000000, 'junk'),
        (2, NULL, '+447700900654', NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZDIRECTION INTEGER, ZSENDER INTEGER, ZENDDATE TIMESTAMP,
        ZSTARTDATE TIMESTAMP, ZBUNDLEID VARCHAR);
      CREATE TABLE Z_2INTERACTIONRECIPIENT (Z_2RECIPIENTS INTEGER, Z_3INTERACTIONRECIPIENT INTEGER);
      INSERT INTO ZINTERACTIONS VALUES (1, 0, 1, NULL, 700000000, 'com.apple.MobileSMS'), (2, 1, 2, NULL, 700000100, 'com.apple.MobileSMS');
      INSERT INTO Z_2INTERACTIONRECIPIENT VALUES (2, 1), (1, 2);
      CREATE TABLE ZATTACHMENT (Z_PK INTEGER PRIMARY KEY, ZUTI VARCHAR, ZCONTENTURL VARCHAR, ZCONTENTTEXT VARCHAR);
      CREATE TABLE Z_1INTERACTIONS (Z_1ATTACHMENTS INTEGER, Z_3INTERACTIONS INTEGER);
      INSERT INTO ZATTACHMENT VALUES (1, 'public.plain-text', NULL, 'open https://lure.example/p now'), (2, NULL, NULL, 'second'),
        (3, NULL, NULL, printf('%.*c', 20000, 'c'));
      INSERT INTO Z_1INTERACTIONS VALUES (1, 1), (2, 1), (3, 2);`);
    expect(status.warnings).toEqual([]);
    const attacker = {
      displayName: "Attacker",
      identifier: "attacker@example.com",
      personId: "AB12-CD",
      firstIncomingSenderAt: "2022-11-13T02:40:00.000Z",
      lastIncomingSenderAt: "2023-03-08T20:26:40.000Z",
      firstOutgoingRecipientAt: "2023-01-09T23:33:20.000Z",
    };
    expect(records[0]).toEqual({
      rowId: 1,
      startAt: "2023-03-08T20:26:40.000Z",
      bundleId: "com.apple.MobileSMS",
      direction: "incoming",
      sender: attacker,
      recipientCount: 1,
      recipients: [{ identifier: "+447700900654" }],
      attachments: [{ uti: "public.plain-text" }],
      content: "open https://lure.example/p now\n\nsecond",
      contentLinks: ["https://lure.example/p"],
    });
    expect(records[1]).toMatchObject({ sender: { identifier: "+447700900654" }, recipients: [attacker] });
    expect(records[1]?.content).toHaveLength(16 * 1024);
    expect(records[1]?.contentTruncated).toBe(true);
    expect(interactionCArtifact.contentFields).toEqual(["content"]);
    expect(interactionCArtifact.observables(records[0]!)).toContainEqual({
      kind: "url",
      value: "https://lure.example/p",
      field: "contentLinks[0]",
    });
    expect(interactionCArtifact.events(records[0]!)).toEqual([
      {
        at: "2023-03-08T20:26:40.000Z",
        event: "interaction_start",
        description: "[com.apple.MobileSMS] incoming from Attacker (attacker@example.com) to 1 recipient",
      },
      {
        at: "2022-11-13T02:40:00.000Z",
        event: "interaction_contact_first_incoming",
        description: "First interaction from Attacker (attacker@example.com)",
      },
      {
        at: "2023-03-08T20:26:40.000Z",
        event: "interaction_contact_last_incoming",
        description: "Last interaction from Attacker (attacker@example.com)",
      },
      {
        at: "2023-01-09T23:33:20.000Z",
        event: "interaction_contact_first_outgoing",
        description: "First interaction sent to Attacker (attacker@example.com)",
      },
    ]);
    // The recipient's dates give the same rows again (the timeline keeps one of each).
    expect(interactionCArtifact.events(records[1]!).slice(1)).toEqual(
      interactionCArtifact.events(records[0]!).slice(1),
    );
  });

  it("reads the oldest schema (no creation date, account, recipient count or join table)", async () => {
    const { records } = await run(`${CONTACTS}
      CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZDIRECTION INTEGER, ZSENDER INTEGER, ZENDDATE TIMESTAMP,
        ZSTARTDATE TIMESTAMP, ZBUNDLEID VARCHAR);
      INSERT INTO ZINTERACTIONS VALUES (5, 7, 99, NULL, 500000000, 'com.apple.mobilephone');`);
    expect(records).toEqual([
      { rowId: 5, startAt: "2016-11-05T00:53:20.000Z", bundleId: "com.apple.mobilephone", direction: "7" },
    ]);
  });

  it("survives hostile values", async () => {
    const { status, records } = await run(`${CONTACTS}
      CREATE TABLE ZINTERACTIONS (Z_PK INTEGER PRIMARY KEY, ZDIRECTION INTEGER, ZSENDER INTEGER, ZENDDATE TIMESTAMP,
        ZSTARTDATE TIMESTAMP, ZCREATIONDATE TIMESTAMP, ZBUNDLEID VARCHAR, ZRECIPIENTCOUNT INTEGER);
      INSERT INTO ZINTERACTIONS VALUES (1, 'in', 'x', x'00', 'now', 'later', printf('%.*c', 10000, 'b'), 'many');`);
    expect(status.status).toBe("found");
    expect(records[0]?.bundleId).toHaveLength(4096);
    expect(records[0]).toMatchObject({ rowId: 1 });
    expect(records[0]?.startAt).toBeUndefined();
    expect(records[0]?.createdDivergesFromStart).toBeUndefined();
    expect(records[0]?.direction).toBeUndefined();
  });
});
