import { describe, expect, it } from "vitest";
import { smsArtifact } from "../../artifacts/ios/sms.js";
import { memorySource } from "../../testing/memory-source.js";
import { collect, contextOf } from "../test-context.js";
import { threatNotificationDetection } from "./threat-notification.js";

const SMS = "/private/var/mobile/Library/SMS/sms.db";
const ALERT =
  "ALERT: Apple detected a targeted mercenary spyware attack against your iPhone. Details follow.";

async function run(rows: [string, number][]) {
  const sql = `CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);
    CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, text TEXT, handle_id INTEGER, date INTEGER, is_from_me INTEGER);
    INSERT INTO handle VALUES (1, 'threat-notifications@apple.com');
    ${rows.map(([text, fromMe], i) => `INSERT INTO message VALUES (${i + 1}, 'g${i}', '${text.replaceAll("'", "''")}', 1, 700000000000000000, ${fromMe});`).join("\n")}`;
  const { records } = await collect(memorySource({ [SMS]: { sql } }), [smsArtifact]);
  return threatNotificationDetection.run(contextOf(records)).findings;
}

describe("mvt/threat-notification", () => {
  it("a received notification is high, without the message body", async () => {
    const findings = await run([[ALERT, 0]]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      level: "high",
      certainty: "heuristic",
      evidence: [{ rowId: 1, path: SMS }],
    });
    expect(findings[0]!.heuristic?.condition).toContain("ALERT: Apple detected a targeted mercenary spyware");
    expect(findings[0]!.heuristic?.events).toEqual([
      {
        at: "2023-03-08T20:26:40.000Z",
        event: "message_received",
        description: "message from threat-notifications@apple.com (text withheld)",
        artifact: "ios/sms",
        path: SMS,
        rowId: 1,
      },
    ]);
    expect(JSON.stringify(findings)).not.toContain("Details follow");
  });

  const negatives: [string, [string, number][]][] = [
    ["the same text sent by the user (quoting it)", [[ALERT, 1]]],
    ["a message mentioning the alert in the middle", [[`My friend got this: ${ALERT}`, 0]]],
    ["an ordinary message", [["ALERT: your parcel is waiting", 0]]],
  ];
  for (const [name, rows] of negatives) it(name, async () => expect(await run(rows)).toEqual([]));
});
