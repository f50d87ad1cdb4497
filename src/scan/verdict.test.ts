import { describe, expect, it } from "vitest";
import type { ArtifactStatus } from "../artifacts/define.js";
import type { Finding } from "../model/finding.js";
import type { EvidenceKind } from "../readers/types.js";
import { decideVerdict, distinctNames, ENCRYPTED_BACKUP_ONLY, unencryptedBackupNote } from "./verdict.js";

function exact(collection: string, campaign?: string): Finding {
  return {
    rule: "indicator/process",
    level: "critical",
    certainty: "exact",
    summary: "s",
    evidence: [],
    indicator: {
      value: "BackupAgent",
      type: "process:name",
      collection,
      source: "/x.stix2",
      reason: "exact",
    },
    ...(campaign === undefined ? {} : { campaign }),
  };
}

describe("verdict", () => {
  it("names a campaign once when packs spell it differently (case, spaces, hyphens, underscores)", () => {
    const { verdict, explanation } = decideVerdict({
      kind: "ios-backup",
      findings: [
        exact("OperationTriangulation"),
        exact("Operation Triangulation"),
        exact("operation_triangulation"),
        exact("x", "Operation-Triangulation"),
        exact("Pegasus"),
      ],
      limitations: [],
      statuses: [],
    });
    expect(verdict).toBe("detected");
    expect(explanation).toMatch(
      /found 5 exact traces of known spyware \(OperationTriangulation, Pegasus\)\./,
    );
  });

  it("keeps the first spelling and names that differ in more than separators and case", () => {
    expect(
      distinctNames(["Operation Triangulation", "OperationTriangulation", "Predator", "Predator 2"]),
    ).toEqual(["Operation Triangulation", "Predator", "Predator 2"]);
    expect(distinctNames([])).toEqual([]);
  });
});

const status = (id: string, state: ArtifactStatus["status"], warning?: string): ArtifactStatus => ({
  id,
  status: state,
  records: state === "found" ? 1 : 0,
  files: [],
  warnings: warning === undefined ? [] : [{ code: "CORRUPT", message: warning }],
});

function verdictOf(kind: EvidenceKind, statuses: ArtifactStatus[]) {
  return decideVerdict({ kind, findings: [], limitations: [], statuses });
}

describe("decideVerdict: important sources", () => {
  it("a backup without DataUsage.sqlite is incomplete", () => {
    const v = verdictOf("ios-backup", [status("ios/sms", "found"), status("ios/netusage", "not_applicable")]);
    expect(v.verdict).toBe("incomplete");
    expect(v.notChecked).toEqual(["ios/datausage: not present in this evidence"]);
  });

  for (const [present, absent] of [
    ["ios/netusage", "ios/datausage"],
    ["ios/datausage", "ios/netusage"],
  ] as const)
    it(`a file-system dump with ${present} but not ${absent} is complete`, () => {
      const v = verdictOf("fs-dump", [
        status("ios/sms", "found"),
        status(present, "found"),
        status(absent, "not_present"),
      ]);
      expect(v.verdict).toBe("no_known_traces");
      expect(v.notChecked).toEqual([]);
    });

  it("a file-system dump with neither is incomplete and names both", () => {
    const v = verdictOf("fs-dump", [
      status("ios/sms", "found"),
      status("ios/datausage", "failed", "file is not a database"),
    ]);
    expect(v.verdict).toBe("incomplete");
    expect(v.notChecked).toEqual([
      "ios/datausage: could not be read (file is not a database); ios/netusage: not present in this evidence (any one would do)",
    ]);
  });

  it("an unreadable alternative is still listed when the other one was read", () => {
    const v = verdictOf("fs-dump", [
      status("ios/sms", "found"),
      status("ios/datausage", "failed", "file is not a database"),
      status("ios/netusage", "found"),
    ]);
    expect(v.verdict).toBe("no_known_traces");
    expect(v.notChecked).toEqual(["ios/datausage: could not be read (file is not a database)"]);
  });

  it("sms.db stays important on both kinds", () => {
    for (const kind of ["ios-backup", "fs-dump"] as const)
      expect(verdictOf(kind, [status("ios/datausage", "found")]).verdict).toBe("incomplete");
  });
});

describe("unencryptedBackupNote", () => {
  it("names only the encrypted-only artifacts that are really absent", () => {
    expect(
      unencryptedBackupNote([
        status("ios/safari-history", "found"),
        status("ios/safari-browser-state", "not_present"),
        status("ios/interactionc", "found"),
      ]),
    ).toBe(
      "unencrypted backup: Safari tabs and call history are not in it (iOS leaves them out of unencrypted backups); an encrypted backup gives a fuller check",
    );
  });

  it("says nothing when the backup holds them all (e.g. made by another tool)", () => {
    expect(unencryptedBackupNote(ENCRYPTED_BACKUP_ONLY.map(([id]) => status(id, "found")))).toBeUndefined();
  });

  it("one absent artifact reads in the singular", () => {
    const statuses = ENCRYPTED_BACKUP_ONLY.map(([id]) =>
      status(id, id === "ios/calls" ? "not_present" : "found"),
    );
    expect(unencryptedBackupNote(statuses)).toMatch(/: call history is not in it \(iOS leaves it out/);
  });
});

const SMS_DB = "/private/var/mobile/Library/SMS/sms.db";

function statusOf(id: string, overrides: Partial<ArtifactStatus> = {}): ArtifactStatus {
  return { id, status: "found", records: 1, files: [], warnings: [], ...overrides };
}

/** The verdict of a dump without findings or limitations, given its artifact statuses. */
function dumpVerdictOf(statuses: ArtifactStatus[]) {
  return decideVerdict({ kind: "fs-dump", findings: [], limitations: [], statuses });
}

describe("decideVerdict and artifact statuses", () => {
  it("is incomplete when an important source was only partly read, and says what stopped the read", () => {
    const result = dumpVerdictOf([
      statusOf("ios/datausage"),
      statusOf("ios/sms", {
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
    const result = dumpVerdictOf([
      statusOf("ios/datausage"),
      statusOf("ios/sms"),
      statusOf("ios/cache-files", {
        status: "partial",
        files: ["/a/Cache.db"],
        warnings: [{ code: "UNKNOWN_SCHEMA", message: "unknown schema", file: "/a/Cache.db" }],
      }),
      statusOf("ios/whatsapp-messages", {
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

describe("decideVerdict and evidence warnings", () => {
  const found = (id: string): ArtifactStatus => ({
    id,
    status: "found",
    records: 1,
    files: [],
    warnings: [],
  });
  const statuses = [found("ios/datausage"), found("ios/sms")];

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
