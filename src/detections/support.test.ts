import { describe, expect, it } from "vitest";
import { evidenceOf, lowerLevel, publicPart } from "./support.js";
import { record } from "./test-context.js";

const context = { evidenceKind: "ios-backup" as const };

describe("evidence references", () => {
  it("name the file the record was read from, with origin and row id", () => {
    const r = record(
      "ios/sms",
      "/private/var/mobile/Library/SMS/sms.db",
      { rowId: 9, text: "body", links: [] },
      { origin: "HomeDomain::Library/SMS/sms.db" },
    );
    expect(evidenceOf(context, r, { field: "links" })).toEqual({
      kind: "ios-backup",
      artifact: "ios/sms",
      path: "/private/var/mobile/Library/SMS/sms.db",
      origin: "HomeDomain::Library/SMS/sms.db",
      rowId: 9,
      field: "links",
      record: { rowId: 9, links: [] },
    });
  });

  it("use the record's own device path for listings and WhatsApp messages", () => {
    expect(
      evidenceOf(
        context,
        record("ios/file-listing", "/backups/x", { path: "/private/var/tmp/a", kind: "file" }),
      ).path,
    ).toBe("/private/var/tmp/a");
    const wa = record("ios/whatsapp-messages", "/backups/x", {
      rowId: 1,
      database: "/private/var/mobile/Containers/Shared/AppGroup/U/ChatStorage.sqlite",
      text: "hi",
    });
    const evidence = evidenceOf(context, wa);
    expect(evidence.path).toBe("/private/var/mobile/Containers/Shared/AppGroup/U/ChatStorage.sqlite");
    expect(evidence.origin).toBeUndefined();
    expect(JSON.stringify(evidence)).not.toContain("hi");
  });

  it("drop message bodies from any record, keep scalars", () => {
    expect(publicPart({ text: "a", body: "b", about: "c", keep: 1 })).toEqual({ keep: 1 });
    expect(publicPart("x")).toBe("x");
  });

  it("lower levels one step", () => {
    expect(["critical", "high", "medium", "low", "info"].map((l) => lowerLevel(l as never))).toEqual([
      "high",
      "medium",
      "low",
      "info",
      "info",
    ]);
  });
});
