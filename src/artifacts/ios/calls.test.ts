import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { type CallRecord, callsArtifact } from "./calls.js";

const PATH = "/private/var/mobile/Library/CallHistoryDB/CallHistory.storedata";

async function run(sql: string) {
  const { status, data } = await collectArtifact(callsArtifact, { [PATH]: { sql } });
  return { status, records: data as CallRecord[] };
}

describe("ios/calls", () => {
  it("reads the iOS 11+ schema: blob and text addresses, providers", async () => {
    const { status, records } = await run(`
      CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, Z_ENT INTEGER, ZANSWERED INTEGER, ZCALLTYPE INTEGER, ZORIGINATED INTEGER,
        ZDATE TIMESTAMP, ZDURATION FLOAT, ZLOCATION VARCHAR, ZNAME VARCHAR, ZSERVICE_PROVIDER VARCHAR, ZUNIQUE_ID VARCHAR, ZADDRESS BLOB);
      INSERT INTO ZCALLRECORD VALUES
        (1, 2, 1, 1, 0, 700000000, 61.4, 'London', NULL, 'com.apple.Telephony', 'UID-1', x'2b343437373030393030313131'),
        (2, 2, 0, 16, 0, 700000100, 0, NULL, NULL, 'com.apple.FaceTime', NULL, 'attacker@example.com'),
        (3, 2, 1, 1, 1, 700000200, 10, NULL, 'Bo', 'net.whatsapp.WhatsApp', NULL, '+447700900222');`);
    expect(status.status).toBe("found");
    expect(records[0]).toEqual({
      rowId: 1,
      at: "2023-03-08T20:26:40.000Z",
      duration: 61.4,
      address: "+447700900111",
      service: "com.apple.Telephony",
      callType: 1,
      originated: false,
      answered: true,
      location: "London",
      uniqueId: "UID-1",
    });
    expect(callsArtifact.observables(records[1]!)).toEqual([
      { kind: "email", value: "attacker@example.com", field: "address" },
    ]);
    expect(callsArtifact.observables(records[2]!)).toEqual([
      { kind: "app-id", value: "net.whatsapp.WhatsApp", field: "service" },
    ]);
    expect(callsArtifact.events(records[0]!)[0]?.description).toBe(
      "Incoming call via com.apple.Telephony from +447700900111, 61 s",
    );
    expect(callsArtifact.events(records[1]!)).toEqual([
      {
        at: "2023-03-08T20:28:20.000Z",
        event: "call",
        description: "Missed incoming call via com.apple.FaceTime from attacker@example.com, 0 s",
      },
    ]);
    expect(callsArtifact.events(records[2]!)[0]?.description).toBe(
      "Outgoing call via net.whatsapp.WhatsApp to +447700900222, 10 s",
    );
  });

  it("reads the iOS 8 schema (no provider, call type or unique id) and hostile values", async () => {
    const { records } = await run(`
      CREATE TABLE ZCALLRECORD (Z_PK INTEGER PRIMARY KEY, ZANSWERED INTEGER, ZORIGINATED INTEGER, ZDATE TIMESTAMP, ZDURATION FLOAT, ZADDRESS VARCHAR);
      INSERT INTO ZCALLRECORD VALUES (1, 1, 1, 500000000, 5, '12345'), (2, 'yes', NULL, 'x', 'long', printf('%.*c', 9000, '9'));`);
    expect(records[0]).toEqual({
      rowId: 1,
      at: "2016-11-05T00:53:20.000Z",
      duration: 5,
      address: "12345",
      originated: true,
      answered: true,
    });
    expect(records[1]).toMatchObject({ rowId: 2, originated: false, answered: false });
    expect(records[1]?.address).toHaveLength(4096);
    expect(records[1]?.at).toBeUndefined();
    expect(callsArtifact.events(records[1]!)).toEqual([]);
  });
});
