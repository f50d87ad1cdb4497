import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { corpusPath } from "../../testing/corpus.js";
import { type MemoryFile, memorySource } from "../../testing/memory-source.js";
import type { ArtifactStatus } from "../define.js";
import { runArtifact } from "../run.js";
import { type ContactRecord, contactsArtifact } from "./contacts.js";

const PATH = "/private/var/mobile/Library/AddressBook/AddressBook.sqlitedb";

async function run(file: MemoryFile): Promise<{ status: ArtifactStatus; records: ContactRecord[] }> {
  const records: ContactRecord[] = [];
  const status = await runArtifact(
    memorySource({ [PATH]: file }, { kind: "ios-backup" }),
    contactsArtifact,
    (r) => {
      records.push(r.data as ContactRecord);
    },
  );
  return { status, records };
}

describe("ios/contacts", () => {
  it("reads people with labelled values", async () => {
    const { status, records } = await run({
      sql: `CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY AUTOINCREMENT, First TEXT, Last TEXT, Middle TEXT, Organization TEXT,
          CreationDate INTEGER, ModificationDate INTEGER);
        CREATE TABLE ABMultiValue (UID INTEGER PRIMARY KEY, record_id INTEGER, property INTEGER, identifier INTEGER, label INTEGER, value TEXT, guid TEXT);
        CREATE TABLE ABMultiValueLabel (value TEXT, UNIQUE(value));
        INSERT INTO ABMultiValueLabel (ROWID, value) VALUES (1, '_$!<Mobile>!$_'), (2, 'work');
        INSERT INTO ABPerson VALUES (1, 'Ada', 'Tester', NULL, 'Example Ltd', 707301000, 707392800);
        INSERT INTO ABMultiValue VALUES (1, 1, 3, 0, 1, '+447700900111', 'g1'), (2, 1, 4, 1, 2, 'Ada@Example.org', 'g2'),
          (3, 1, 22, 2, NULL, 'https://ada.example/', 'g3'), (4, 1, 5, 3, NULL, NULL, 'g4');`,
    });
    expect(status.status).toBe("found");
    expect(records).toEqual([
      {
        rowId: 1,
        first: "Ada",
        last: "Tester",
        organization: "Example Ltd",
        createdAt: "2023-06-01T08:30:00.000Z",
        modifiedAt: "2023-06-02T10:00:00.000Z",
        values: [
          { property: 3, kind: "phone", label: "Mobile", value: "+447700900111" },
          { property: 4, kind: "email", label: "work", value: "Ada@Example.org" },
          { property: 22, kind: "url", value: "https://ada.example/" },
        ],
      },
    ]);
    expect(contactsArtifact.observables(records[0]!)).toEqual([
      { kind: "email", value: "Ada@Example.org", field: "values[1].value" },
      { kind: "url", value: "https://ada.example/", field: "values[2].value" },
    ]);
    expect(contactsArtifact.events(records[0]!).map((e) => e.description)).toEqual([
      'Contact "Ada Tester" (3 values) created',
      'Contact "Ada Tester" (3 values) modified',
    ]);
  });

  it("reads a minimal schema (no label table, no dates) and hostile values", async () => {
    const { records } = await run({
      sql: `CREATE TABLE ABPerson (ROWID INTEGER PRIMARY KEY, First TEXT, Last TEXT);
        CREATE TABLE ABMultiValue (record_id INTEGER, property INTEGER, value TEXT);
        INSERT INTO ABPerson VALUES (1, NULL, NULL), (2, x'426f', 7);
        INSERT INTO ABMultiValue VALUES (1, 'x', 'odd@example.com'), (2, 4, printf('%.*c', 10000, 'e')), (3, 4, 'orphan@example.com');`,
    });
    expect(records[0]).toEqual({ rowId: 1, values: [{ value: "odd@example.com" }] });
    expect(contactsArtifact.observables(records[0]!)).toEqual([
      { kind: "email", value: "odd@example.com", field: "values[0].value" },
    ]);
    expect(records[1]).toMatchObject({ rowId: 2, first: "Bo", last: "7" });
    expect(records[1]?.values[0]?.value).toHaveLength(4096);
    expect(contactsArtifact.observables(records[1]!)).toEqual([]);
    expect(contactsArtifact.events(records[0]!)).toEqual([]);
  });

  it("reads the corpus backup's AddressBook", async () => {
    const path = corpusPath("backups", "dev-ios16-plain", "31", "31bb7ba8914766d4ba40d6dfb6113c8b614be442");
    if (path === undefined) return;
    const { status, records } = await run(readFileSync(path));
    expect(status.status).toBe("found");
    expect(records).toEqual([
      {
        rowId: 1,
        first: "Ada",
        last: "Tester",
        organization: "Example Ltd",
        createdAt: "2023-06-01T08:30:00.000Z",
        modifiedAt: "2023-06-01T08:30:00.000Z",
        values: [{ property: 3, kind: "phone", value: "+447700900111" }],
      },
      {
        rowId: 2,
        first: "Bo",
        last: "Sample",
        createdAt: "2023-06-02T10:00:00.000Z",
        modifiedAt: "2023-07-01T10:00:00.000Z",
        values: [{ property: 4, kind: "email", value: "bo.sample@example.org" }],
      },
    ]);
    expect(contactsArtifact.observables(records[1]!)).toEqual([
      { kind: "email", value: "bo.sample@example.org", field: "values[0].value" },
    ]);
  });

  it("reads AddressBook.sqlitedb through the backup reader", async () => {
    const dir = corpusPath("backups", "dev-ios16-plain");
    if (dir === undefined) return;
    const backup = await openIosBackup(dir);
    try {
      const records: ContactRecord[] = [];
      const status = await runArtifact(backup, contactsArtifact, (r) =>
        records.push(r.data as ContactRecord),
      );
      expect(status.warnings).toEqual([]);
      expect(status.files).toEqual([PATH]);
      expect(records.map((r) => r.values.map((v) => v.value))).toEqual([
        ["+447700900111"],
        ["bo.sample@example.org"],
      ]);
    } finally {
      await backup.close();
    }
  });
});
