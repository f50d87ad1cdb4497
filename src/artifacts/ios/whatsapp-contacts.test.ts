import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { type WhatsAppContactRecord, whatsappContactsArtifact } from "./whatsapp-contacts.js";

const PATH =
  "/private/var/mobile/Containers/Shared/AppGroup/group.net.whatsapp.WhatsApp.shared/ContactsV2.sqlite";

async function run(sql: string) {
  const { status, data } = await collectArtifact(whatsappContactsArtifact, { [PATH]: { sql } });
  return { status, records: data as WhatsAppContactRecord[] };
}

describe("ios/whatsapp-contacts", () => {
  it("reads the LID-era schema", async () => {
    const { status, records } = await run(`
      CREATE TABLE ZWAADDRESSBOOKCONTACT (Z_PK INTEGER PRIMARY KEY, ZWHATSAPPID VARCHAR, ZLID VARCHAR, ZPHONENUMBER VARCHAR,
        ZFULLNAME VARCHAR, ZGIVENNAME VARCHAR, ZLASTNAME VARCHAR, ZABOUTTEXT VARCHAR, ZABOUTTIMESTAMP TIMESTAMP, ZLASTUPDATED TIMESTAMP);
      INSERT INTO ZWAADDRESSBOOKCONTACT VALUES
        (1, '14155550100@s.whatsapp.net', '100000000000001@lid', '+1 415 555 0100', 'Alice Example', 'Alice', 'Example', 'Hey there', 777000000, 777000100),
        (2, NULL, NULL, NULL, NULL, 'Bo', 'Sample', NULL, NULL, NULL);`);
    expect(status.status).toBe("found");
    expect(records).toEqual([
      {
        rowId: 1,
        whatsappId: "14155550100@s.whatsapp.net",
        lid: "100000000000001@lid",
        phoneNumber: "+1 415 555 0100",
        name: "Alice Example",
        about: "Hey there",
        aboutAt: "2025-08-16T01:20:00.000Z",
        lastUpdatedAt: "2025-08-16T01:21:40.000Z",
      },
      { rowId: 2, name: "Bo Sample" },
    ]);
    expect(whatsappContactsArtifact.events(records[0]!)).toEqual([
      {
        at: "2025-08-16T01:20:00.000Z",
        event: "whatsapp_about_set",
        description: 'WhatsApp "about" text set by +1 415 555 0100',
      },
    ]);
    expect(whatsappContactsArtifact.observables(records[0]!)).toEqual([]);
  });

  it("reads an older schema without LIDs, and hostile values", async () => {
    const { records } = await run(`
      CREATE TABLE ZWAADDRESSBOOKCONTACT (Z_PK INTEGER PRIMARY KEY, ZWHATSAPPID VARCHAR, ZPHONENUMBER VARCHAR, ZFULLNAME VARCHAR, ZABOUTTEXT VARCHAR);
      INSERT INTO ZWAADDRESSBOOKCONTACT VALUES (3, x'3439313531403c2e', 4915100000002, NULL, printf('%.*c', 100000, 'a'));`);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ rowId: 3, whatsappId: "49151@<.", phoneNumber: "4915100000002" });
    expect(records[0]?.about).toHaveLength(4096);
  });
});
