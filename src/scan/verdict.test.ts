import { describe, expect, it } from "vitest";
import type { ArtifactStatus } from "../artifacts/define.js";
import { decideVerdict } from "./verdict.js";

const found = (id: string): ArtifactStatus => ({ id, status: "found", records: 1, files: [], warnings: [] });
const statuses = [found("ios/datausage"), found("ios/sms")];

describe("verdict", () => {
  it("an important evidence warning (a corrupt backup index) makes no known traces incomplete", () => {
    const base = { kind: "ios-backup" as const, findings: [], limitations: [], statuses };
    expect(decideVerdict(base).verdict).toBe("no_known_traces");
    expect(
      decideVerdict({ ...base, warnings: [{ code: "CORRUPT", message: "not important", file: "x" }] })
        .verdict,
    ).toBe("no_known_traces");
    const result = decideVerdict({
      ...base,
      warnings: [
        { code: "CORRUPT", message: "Manifest.db is corrupt", file: "/b/Manifest.db", important: true },
      ],
    });
    expect(result.verdict).toBe("incomplete");
    expect(result.notChecked).toContain("evidence: Manifest.db is corrupt (/b/Manifest.db)");
  });
});
