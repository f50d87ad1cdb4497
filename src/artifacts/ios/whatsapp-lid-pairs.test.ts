import { describe, expect, it } from "vitest";
import { collectArtifact } from "../../testing/artifact-harness.js";
import type { MemoryFile } from "../../testing/memory-source.js";
import { type WhatsAppLidPairRecord, whatsappLidPairsArtifact } from "./whatsapp-lid-pairs.js";

const GROUP = "/private/var/mobile/Containers/Shared/AppGroup";
const PAIRS = `CREATE TABLE ZWAPHONENUMBERLIDPAIR (Z_PK INTEGER PRIMARY KEY, ZLID VARCHAR, ZPHONENUMBER VARCHAR, ZTIMESTAMP TIMESTAMP);
INSERT INTO ZWAPHONENUMBERLIDPAIR VALUES (1, '100000000000001@lid', '14155550100@s.whatsapp.net', 777000000),
  (2, NULL, 4915100000002, 'soon');`;
const MESSAGES = "CREATE TABLE ZWAMESSAGE (Z_PK INTEGER PRIMARY KEY);";

async function run(files: Record<string, MemoryFile>) {
  const { status, data } = await collectArtifact(whatsappLidPairsArtifact, files);
  return { status, records: data as WhatsAppLidPairRecord[] };
}

describe("ios/whatsapp-lid-pairs", () => {
  it("reads LID.sqlite, and not the ChatStorage.sqlite beside it", async () => {
    const lid = `${GROUP}/group.net.whatsapp.WhatsApp.shared/LID.sqlite`;
    const { status, records } = await run({
      [lid]: { sql: PAIRS },
      [`${GROUP}/group.net.whatsapp.WhatsApp.shared/ChatStorage.sqlite`]: { sql: `${MESSAGES}${PAIRS}` },
    });
    expect(status.status).toBe("found");
    expect(status.warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 1,
        database: lid,
        lid: "100000000000001@lid",
        phoneNumber: "14155550100@s.whatsapp.net",
        pairedAt: "2025-08-16T01:20:00.000Z",
      },
      { rowId: 2, database: lid, phoneNumber: "4915100000002" },
    ]);
    expect(whatsappLidPairsArtifact.observables(records[0]!)).toEqual([]);
    expect(whatsappLidPairsArtifact.events(records[0]!)).toEqual([
      {
        at: "2025-08-16T01:20:00.000Z",
        event: "whatsapp_lid_paired",
        description: "WhatsApp LID 100000000000001@lid paired with 14155550100@s.whatsapp.net",
      },
    ]);
    expect(whatsappLidPairsArtifact.events(records[1]!)).toEqual([]);
  });

  it("reads pairs kept in ChatStorage.sqlite (no time column), is silent for one without, warns for a LID.sqlite without", async () => {
    const old = `${GROUP}/AAAA/ChatStorage.sqlite`;
    const { status, records } = await run({
      [old]: {
        sql: `${MESSAGES} CREATE TABLE ZWAPHONENUMBERLIDPAIR (Z_PK INTEGER PRIMARY KEY, ZLID VARCHAR, ZPHONENUMBER VARCHAR);
          INSERT INTO ZWAPHONENUMBERLIDPAIR VALUES (7, '1@lid', '+1');`,
      },
      [`${GROUP}/BBBB/ChatStorage.sqlite`]: { sql: MESSAGES },
      [`${GROUP}/CCCC/LID.sqlite`]: { sql: "CREATE TABLE other (a);" },
      [`${GROUP}/DDDD/LID.sqlite`]: Buffer.from("not a database"),
    });
    expect(records).toEqual([{ rowId: 7, database: old, lid: "1@lid", phoneNumber: "+1" }]);
    expect(status.warnings.map((w) => [w.code, w.file])).toEqual([
      ["UNKNOWN_SCHEMA", `${GROUP}/CCCC/LID.sqlite`],
      ["CORRUPT", `${GROUP}/DDDD/LID.sqlite`],
    ]);
  });
});
