import { describe, expect, it } from "vitest";
import type { ArtifactStatus } from "../artifacts/define.js";
import type { ScanResults } from "./results.js";
import { renderSummary } from "./summary.js";

const SMS_DB = "/private/var/mobile/Library/SMS/sms.db";
const CHAT = "/private/var/mobile/Containers/Shared/AppGroup/A/ChatStorage.sqlite";

function results(artifacts: ArtifactStatus[]): ScanResults {
  return {
    schemaVersion: 2,
    tool: { name: "spyglass", version: "test" },
    startedAt: "2024-01-01T00:00:00.000Z",
    finishedAt: "2024-01-01T00:00:01.000Z",
    inputs: [],
    indicatorSets: [],
    indicatorWarnings: [],
    devices: [
      {
        id: "d1",
        input: "dump.tar",
        kind: "fs-dump",
        device: {},
        verdict: "incomplete",
        explanation: "Incomplete.",
        notChecked: [],
        findingCounts: {},
      },
    ],
    verdict: "incomplete",
    findings: [],
    warnings: [],
    artifacts: artifacts.map((a) => ({ ...a, device: "d1" })),
  };
}

describe("renderSummary artifact lines", () => {
  it("lists every artifact: found with its warnings, partial with where it stopped, failed, absent, not applicable", () => {
    const text = renderSummary(
      results([
        { id: "ios/datausage", status: "found", records: 12, files: [], warnings: [] },
        {
          id: "ios/cache-files",
          status: "found",
          records: 0,
          files: ["/c/Cache.db"],
          warnings: [
            {
              code: "CORRUPT",
              message: "3 cache rows without an id or URL were skipped",
              count: 3,
              file: "/c/Cache.db",
            },
            {
              code: "MISSING_PAYLOAD",
              message: "listed in the backup but its payload is absent",
              file: "/d/Cache.db",
            },
          ],
        },
        {
          id: "ios/sms",
          status: "partial",
          records: 553,
          files: [SMS_DB],
          warnings: [
            {
              code: "CORRUPT",
              message: "553 records read, then: database disk image is malformed",
              file: SMS_DB,
            },
          ],
        },
        {
          id: "ios/whatsapp-messages",
          status: "failed",
          records: 0,
          files: [CHAT],
          warnings: [{ code: "UNKNOWN_SCHEMA", message: "unknown schema: missing ZWAMESSAGE", file: CHAT }],
        },
        { id: "ios/tcc", status: "not_present", records: 0, files: [], warnings: [] },
        { id: "ios/backup-info", status: "not_applicable", records: 0, files: [], warnings: [] },
      ]),
      { color: false },
    );
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.startsWith("  Artifacts:"));
    expect(lines.slice(start, start + 8)).toEqual([
      "  Artifacts: 2 found, 1 partial, 1 not present, 1 failed, 1 not applicable",
      "    found: datausage (12), cache-files (0)",
      "    warning: cache-files — 3 cache rows without an id or URL were skipped (/c/Cache.db) (and 1 more warning)",
      `    partial: ios/sms — 553 records read, then: database disk image is malformed (${SMS_DB})`,
      `    failed: ios/whatsapp-messages — unknown schema: missing ZWAMESSAGE (${CHAT})`,
      "    not present: tcc",
      "    not applicable to this evidence: backup-info",
      "",
    ]);
  });
});
