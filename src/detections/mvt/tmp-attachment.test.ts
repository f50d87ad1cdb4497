import { describe, expect, it } from "vitest";
import { contextOf, record } from "../test-context.js";
import { isTmpAttachment, tmpAttachmentDetection } from "./tmp-attachment.js";

const SMS = "/private/var/mobile/Library/SMS/sms.db";

describe("mvt/tmp-attachment", () => {
  const cases: [string, string | undefined, boolean][] = [
    ["/var/tmp/…-1", "/var/tmp/com.apple.messages/ABCD-1", true],
    ["/private/var/tmp/…-1", "/private/var/tmp/x-1", true],
    ["ordinary attachment", "~/Library/SMS/Attachments/65/05/G/IMG-1", false],
    ["/var/tmp/ but not ending in -1", "/var/tmp/x-12", false],
    ["no filename", undefined, false],
  ];
  for (const [name, filename, expected] of cases)
    it(name, () => expect(isTmpAttachment(filename)).toBe(expected));

  it("received only, medium", () => {
    const row = (isOutgoing: boolean) =>
      record("ios/sms-attachments", SMS, {
        rowId: isOutgoing ? 2 : 1,
        isOutgoing,
        filename: "/var/tmp/abc-1",
      });
    const { findings } = tmpAttachmentDetection.run(contextOf([row(false), row(true)]));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: "medium", certainty: "heuristic", evidence: [{ rowId: 1 }] });
    expect(findings[0]!.heuristic?.condition).toMatch(/starts with \/var\/tmp\/.*ends with "-1"/);
    // No created or message time in this record: the event says where it is, not when.
    expect(findings[0]!.heuristic?.events).toEqual([
      {
        event: "attachment_received",
        description: "attachment /var/tmp/abc-1",
        artifact: "ios/sms-attachments",
        path: SMS,
        rowId: 1,
      },
    ]);
  });
});
