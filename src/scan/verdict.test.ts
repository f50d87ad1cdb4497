import { describe, expect, it } from "vitest";
import type { ArtifactStatus } from "../artifacts/define.js";
import { decideVerdict } from "./verdict.js";

const SMS_DB = "/private/var/mobile/Library/SMS/sms.db";

function status(id: string, overrides: Partial<ArtifactStatus> = {}): ArtifactStatus {
  return { id, status: "found", records: 1, files: [], warnings: [], ...overrides };
}

/** The verdict of a dump without findings or limitations, given its artifact statuses. */
function verdictOf(statuses: ArtifactStatus[]) {
  return decideVerdict({ kind: "fs-dump", findings: [], limitations: [], statuses });
}

describe("decideVerdict and artifact statuses", () => {
  it("is incomplete when an important source was only partly read, and says what stopped the read", () => {
    const result = verdictOf([
      status("ios/datausage"),
      status("ios/sms", {
        status: "partial",
        records: 553,
        files: [SMS_DB],
        warnings: [
          {
            code: "CORRUPT",
            message: "2 attributedBody blob(s) could not be decoded",
            count: 2,
            file: SMS_DB,
          },
          {
            code: "CORRUPT",
            message: "553 records read, then: database disk image is malformed",
            file: SMS_DB,
          },
        ],
      }),
    ]);
    expect(result.verdict).toBe("incomplete");
    expect(result.notChecked).toEqual([
      `ios/sms: only partly read (553 records read, then: database disk image is malformed (${SMS_DB})); the rest was not checked`,
    ]);
  });

  it("names partly read and failed artifacts that are not important without changing the verdict", () => {
    const result = verdictOf([
      status("ios/datausage"),
      status("ios/sms"),
      status("ios/cache-files", {
        status: "partial",
        files: ["/a/Cache.db"],
        warnings: [{ code: "UNKNOWN_SCHEMA", message: "unknown schema", file: "/a/Cache.db" }],
      }),
      status("ios/whatsapp-messages", {
        status: "failed",
        records: 0,
        files: ["/w/ChatStorage.sqlite"],
        warnings: [
          { code: "MISSING_PAYLOAD", message: "listed but absent", file: "/v/ChatStorage.sqlite" },
          { code: "CORRUPT", message: "Not a SQLite database", file: "/w/ChatStorage.sqlite" },
        ],
      }),
    ]);
    expect(result.verdict).toBe("no_known_traces");
    expect(result.notChecked).toEqual([
      "ios/cache-files: only partly read (unknown schema (/a/Cache.db)); the rest was not checked",
      "ios/whatsapp-messages: could not be read (Not a SQLite database)",
    ]);
  });
});
