import { describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type KeychainAnalyticsRecord, keychainAnalyticsArtifact } from "./keychain-analytics.js";

const PATH = "/private/var/Keychains/Analytics/localkeychain.db";
const TABLES = ["hard_failures", "soft_failures", "all_events"]
  .map((t) => `CREATE TABLE ${t} (id INTEGER PRIMARY KEY AUTOINCREMENT, timestamp REAL, data BLOB);`)
  .join("\n");

function hex(value: Parameters<typeof writeBinaryPlist>[0]): string {
  return `x'${writeBinaryPlist(value).toString("hex")}'`;
}

async function run(sql: string) {
  const records: KeychainAnalyticsRecord[] = [];
  const status = await runArtifact(memorySource({ [PATH]: { sql } }), keychainAnalyticsArtifact, (r) =>
    records.push(r.data as KeychainAnalyticsRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/keychain-analytics", () => {
  it("reads each table's events with their fields", async () => {
    const event = hex({
      eventType: "SecItemAdd",
      eventClass: 1,
      attributes: { client: "roleaboutd", note: "hello world", link: "https://evil.example/x" },
      errors: [{ domain: "NSOSStatusErrorDomain", code: -25300 }],
    });
    const { records, warnings } = await run(`${TABLES}
      INSERT INTO hard_failures (timestamp, data) VALUES (1625000000.5, ${event});
      INSERT INTO all_events (timestamp, data) VALUES (646700000, ${hex({ eventType: "ckks", process: "two words" })});`);
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        table: "hard_failures",
        rowId: 1,
        at: "2021-06-29T20:53:20.500Z",
        eventType: "SecItemAdd",
        values: {
          eventType: "SecItemAdd",
          eventClass: "1",
          "attributes.client": "roleaboutd",
          "attributes.note": "hello world",
          "attributes.link": "https://evil.example/x",
          "errors[0].domain": "NSOSStatusErrorDomain",
          "errors[0].code": "-25300",
        },
      },
      {
        table: "all_events",
        rowId: 1,
        at: "2021-06-29T22:53:20.000Z",
        eventType: "ckks",
        values: { eventType: "ckks", process: "two words" },
      },
    ]);
    // Every value that is a process name is one, whatever its field is called (MVT's breadth).
    expect(keychainAnalyticsArtifact.observables(records[0]!)).toEqual([
      { kind: "process", value: "SecItemAdd", field: "values.eventType" },
      { kind: "process", value: "roleaboutd", field: "values.attributes.client" },
      { kind: "url", value: "https://evil.example/x", field: "values.attributes.link" },
      { kind: "process", value: "NSOSStatusErrorDomain", field: "values.errors[0].domain" },
    ]);
    expect(keychainAnalyticsArtifact.observables(records[1]!)).toEqual([
      { kind: "process", value: "ckks", field: "values.eventType" },
    ]);
    expect(keychainAnalyticsArtifact.events(records[0]!)).toEqual([
      {
        at: "2021-06-29T20:53:20.500Z",
        event: "keychain_hard_failure",
        description: "Security analytics hard failures: SecItemAdd",
      },
    ]);
    expect(keychainAnalyticsArtifact.events(records[1]!)[0]!.event).toBe("keychain_event");
  });

  it("gives every whole value that is a process, path, URL or host as an observable, and nothing from ids or free text", () => {
    const record: KeychainAnalyticsRecord = {
      table: "all_events",
      rowId: 1,
      values: {
        "a.x": "bh",
        "a.path": "/private/var/db/com.apple.xpc.roleaccountd.staging/roleaboutd",
        "a.bundle": "com.apple.securityd",
        "a.host": "Evil.Example",
        "a.ip": "203.0.113.7",
        "a.scheme": "itms-services://?action=download-manifest&url=https://x.example/m.plist",
        "a.ftp": "ftp://files.example/p",
        "a.file": "keychain-2.db",
        "a.uuid": "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0",
        "a.hex": "00112233445566778899aabb",
        "a.flag": "true",
        "a.number": "-25300",
        "a.text": "sent to evil.example by bh",
        "a.link": "see https://evil.example/x, then bh",
        "a.again": "bh",
      },
    };
    expect(keychainAnalyticsArtifact.observables(record)).toEqual([
      { kind: "process", value: "bh", field: "values.a.x" },
      {
        kind: "process",
        value: "/private/var/db/com.apple.xpc.roleaccountd.staging/roleaboutd",
        field: "values.a.path",
      },
      { kind: "process", value: "com.apple.securityd", field: "values.a.bundle" },
      { kind: "process", value: "Evil.Example", field: "values.a.host" },
      { kind: "domain", value: "evil.example", field: "values.a.host" },
      { kind: "domain", value: "203.0.113.7", field: "values.a.ip" },
      { kind: "url", value: "https://x.example/m.plist", field: "values.a.scheme" },
      { kind: "url", value: "ftp://files.example/p", field: "values.a.ftp" },
      { kind: "process", value: "keychain-2.db", field: "values.a.file" },
      { kind: "url", value: "https://evil.example/x", field: "values.a.link" },
    ]);
    expect(keychainAnalyticsArtifact.observableKinds).toEqual(["process", "url", "domain"]);
  });

  it("copes with garbage blobs, NULLs, huge events and a foreign schema", async () => {
    const many = Object.fromEntries(
      Array.from({ length: 300 }, (_, i) => [`k${i}`, "v".repeat(i === 0 ? 5000 : 10)]),
    );
    const { records, warnings } = await run(`${TABLES}
      INSERT INTO soft_failures (timestamp, data) VALUES ('x', x'00010203');
      INSERT INTO soft_failures (timestamp, data) VALUES (NULL, NULL);
      INSERT INTO soft_failures (timestamp, data) VALUES (-5, 'text');
      INSERT INTO soft_failures (timestamp, data) VALUES (1625000000, ${hex(many)});`);
    expect(records.slice(0, 3)).toEqual([
      { table: "soft_failures", rowId: 1, values: {} },
      { table: "soft_failures", rowId: 2, values: {} },
      { table: "soft_failures", rowId: 3, values: {} },
    ]);
    expect(Object.keys(records[3]!.values)).toHaveLength(256);
    expect(records[3]!.values.k0).toHaveLength(4096);
    expect(records[3]!.truncated).toBe(true);
    expect(warnings).toEqual(["CORRUPT: 2 soft_failures rows hold no readable plist"]);
    const foreign = await run("CREATE TABLE other (a);");
    expect(foreign.warnings).toEqual([
      "UNKNOWN_SCHEMA: no hard_failures, soft_failures or all_events table with timestamp and data",
    ]);
  });
});
