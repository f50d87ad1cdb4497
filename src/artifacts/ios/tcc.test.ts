import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type TccRecord, tccArtifact } from "./tcc.js";

const PATH = "/private/var/mobile/Library/TCC/TCC.db";

async function run(db: { sql: string } | Buffer) {
  const records: TccRecord[] = [];
  const status = await runArtifact(memorySource({ [PATH]: db }), tccArtifact, (r) =>
    records.push(r.data as TccRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/tcc", () => {
  it("reads schema v3 (auth_value, auth_reason, last_modified)", async () => {
    const { records, warnings } = await run({
      sql: `CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
        auth_value INTEGER NOT NULL, auth_reason INTEGER NOT NULL, auth_version INTEGER NOT NULL, csreq BLOB,
        policy_id INTEGER, indirect_object_identifier_type INTEGER, indirect_object_identifier TEXT NOT NULL DEFAULT 'UNUSED',
        indirect_object_code_identity BLOB, flags INTEGER, last_modified INTEGER NOT NULL,
        PRIMARY KEY (service, client, client_type, indirect_object_identifier));
      INSERT INTO access (service, client, client_type, auth_value, auth_reason, auth_version, last_modified)
        VALUES ('kTCCServiceCamera', 'com.apple.camera', 0, 2, 2, 1, 1640995200),
               ('kTCCServiceMicrophone', '/private/var/db/com.apple.xpc.roleaccountd.staging/bh', 1, 2, 4, 1, 1640995300),
               ('kTCCServicePhotos', 'com.example.app', 0, 3, 99, 1, 0),
               ('kTCCServiceContacts', 'com.example.other', 0, 7, 1, 1, 1640995400);`,
    });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        rowId: 1,
        service: "kTCCServiceCamera",
        client: "com.apple.camera",
        clientType: "bundle_id",
        authValue: "allowed",
        authReason: 2,
        authReasonText: "user_consent",
        lastModifiedAt: "2022-01-01T00:00:00.000Z",
        schemaVersion: 3,
      },
      {
        rowId: 2,
        service: "kTCCServiceMicrophone",
        client: "/private/var/db/com.apple.xpc.roleaccountd.staging/bh",
        clientType: "absolute_path",
        authValue: "allowed",
        authReason: 4,
        authReasonText: "system_set",
        lastModifiedAt: "2022-01-01T00:01:40.000Z",
        schemaVersion: 3,
      },
      {
        rowId: 3,
        service: "kTCCServicePhotos",
        client: "com.example.app",
        clientType: "bundle_id",
        authValue: "limited",
        authReason: 99,
        schemaVersion: 3,
      },
      {
        rowId: 4,
        service: "kTCCServiceContacts",
        client: "com.example.other",
        clientType: "bundle_id",
        authValueRaw: 7,
        authReason: 1,
        authReasonText: "error",
        lastModifiedAt: "2022-01-01T00:03:20.000Z",
        schemaVersion: 3,
      },
    ]);
    expect(tccArtifact.observables(records[0]!)).toEqual([
      { kind: "process", value: "com.apple.camera", field: "client" },
      { kind: "app-id", value: "com.apple.camera", field: "client" },
    ]);
    expect(tccArtifact.observables(records[1]!)).toEqual([
      { kind: "process", value: "/private/var/db/com.apple.xpc.roleaccountd.staging/bh", field: "client" },
      { kind: "path", value: "/private/var/db/com.apple.xpc.roleaccountd.staging/bh", field: "client" },
      { kind: "process", value: "bh", field: "client" },
    ]);
    expect(tccArtifact.events(records[1]!)).toEqual([
      {
        at: "2022-01-01T00:01:40.000Z",
        event: "tcc_permission_changed",
        description:
          "kTCCServiceMicrophone allowed (system_set) for /private/var/db/com.apple.xpc.roleaccountd.staging/bh",
      },
    ]);
    expect(tccArtifact.events(records[2]!)).toEqual([]);
  });

  it("reads schema v2 (allowed, prompt_count, last_modified)", async () => {
    const { records } = await run({
      sql: `CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
        allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL, csreq BLOB, policy_id INTEGER, last_modified INTEGER);
      INSERT INTO access VALUES ('kTCCServiceAddressBook', 'com.whatsapp.WhatsApp', 0, 0, 1, NULL, NULL, 1500000000);`,
    });
    expect(records).toEqual([
      {
        rowId: 1,
        service: "kTCCServiceAddressBook",
        client: "com.whatsapp.WhatsApp",
        clientType: "bundle_id",
        authValue: "denied",
        promptCount: 1,
        lastModifiedAt: "2017-07-14T02:40:00.000Z",
        schemaVersion: 2,
      },
    ]);
  });

  it("reads schema v1 (allowed, prompt_count)", async () => {
    const { records } = await run({
      sql: `CREATE TABLE access (service TEXT NOT NULL, client TEXT NOT NULL, client_type INTEGER NOT NULL,
        allowed INTEGER NOT NULL, prompt_count INTEGER NOT NULL, csreq BLOB);
      INSERT INTO access VALUES ('kTCCServicePhotos', 'com.example', 0, 1, 2, NULL);`,
    });
    expect(records).toEqual([
      {
        rowId: 1,
        service: "kTCCServicePhotos",
        client: "com.example",
        clientType: "bundle_id",
        authValue: "allowed",
        promptCount: 2,
        schemaVersion: 1,
      },
    ]);
    expect(tccArtifact.events(records[0]!)).toEqual([]);
  });

  it("copes with NULLs, wrong types and an unknown schema", async () => {
    const { records } = await run({
      sql: `CREATE TABLE access (service, client, client_type, auth_value, auth_reason, last_modified);
      INSERT INTO access VALUES (NULL, x'2f62696e2f7368', 'x', 'two', NULL, 'yesterday');`,
    });
    expect(records).toEqual([
      { rowId: 1, service: "", client: "/bin/sh", clientType: "unknown", schemaVersion: 3 },
    ]);
    expect(tccArtifact.observables(records[0]!).map((o) => o.kind)).toEqual(["process", "path", "process"]);
    const unknown = await run({ sql: "CREATE TABLE access (service TEXT);" });
    expect(unknown.warnings[0]).toMatch(/^UNKNOWN_SCHEMA: unknown schema: missing access\.client/);
  });

  it("reads plaso's (macOS) TCC-test.db, the v2 layout", async () => {
    const path = corpusPath("plaso", "macos", "TCC-test.db");
    if (path === undefined) return;
    const { records, warnings } = await run(readFileSync(path));
    expect(warnings).toEqual([]);
    expect(records).toHaveLength(21);
    expect(records.every((r) => r.schemaVersion === 2)).toBe(true);
    expect(records[0]).toEqual({
      rowId: 1,
      service: "kTCCServiceUbiquity",
      client: "com.apple.weather",
      clientType: "bundle_id",
      authValue: "allowed",
      promptCount: 1,
      lastModifiedAt: "2020-05-29T12:09:51.000Z",
      schemaVersion: 2,
    });
  });
});
