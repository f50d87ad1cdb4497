import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { collectArtifact } from "../testing/artifact-harness.js";
import { defineArtifact } from "./define.js";
import { smsArtifact } from "./ios/sms.js";

const SMS_DB = "/private/var/mobile/Library/SMS/sms.db";

/** An sms.db written by SQLite itself, with `messages` rows of about 1 KiB each (several per page). */
async function writeSmsDb(messages: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "spyglass-run-"));
  try {
    const path = join(dir, "sms.db");
    const db = new Database(path);
    db.pragma("page_size = 4096");
    db.exec(`CREATE TABLE handle (ROWID INTEGER PRIMARY KEY, id TEXT);
      CREATE TABLE message (ROWID INTEGER PRIMARY KEY, guid TEXT, text TEXT, handle_id INTEGER, date INTEGER, is_from_me INTEGER);
      INSERT INTO handle VALUES (1, '+447700900111');`);
    const insert = db.prepare("INSERT INTO message VALUES (?, ?, ?, 1, 700000000000000000, 0)");
    db.transaction(() => {
      for (let i = 1; i <= messages; i++) insert.run(i, `guid-${i}`, `message ${i} ${"x".repeat(1000)}`);
    })();
    db.close();
    return await readFile(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Overwrites page `page` (1-based) with garbage: rows before it stay readable, SQLite fails on it. */
function smashPage(image: Buffer, page: number): Buffer {
  const size = image.readUInt16BE(16);
  const out = Buffer.from(image);
  out.fill(0xa5, (page - 1) * size, page * size);
  return out;
}

describe("artifact status", () => {
  it("is partial when a database breaks part-way: the rows before are kept and the warning says how far it got", async () => {
    const image = await writeSmsDb(400);
    const pages = image.length / image.readUInt16BE(16);
    expect(pages).toBeGreaterThan(50);
    const { status, data } = await collectArtifact(smsArtifact, { [SMS_DB]: smashPage(image, pages - 5) });
    expect(data.length).toBeGreaterThan(0);
    expect(data.length).toBeLessThan(400);
    expect(status.status).toBe("partial");
    expect(status.records).toBe(data.length);
    expect(status.files).toEqual([SMS_DB]);
    expect(status.warnings).toEqual([
      {
        code: "CORRUPT",
        message: `${data.length} records read, then: database disk image is malformed`,
        file: SMS_DB,
      },
    ]);
  });

  it("is found when the same database is whole", async () => {
    const { status } = await collectArtifact(smsArtifact, { [SMS_DB]: await writeSmsDb(400) });
    expect([status.status, status.records, status.warnings]).toEqual(["found", 400, []]);
  });

  it("is failed, with the file and its warning, when a located file gives no record", async () => {
    for (const bytes of [Buffer.from("not a database"), smashPage(await writeSmsDb(400), 2)]) {
      const { status } = await collectArtifact(smsArtifact, { [SMS_DB]: bytes });
      expect(status.status).toBe("failed");
      expect(status.records).toBe(0);
      expect(status.files).toEqual([SMS_DB]);
      expect(status.warnings.map((w) => [w.code, w.file])).toEqual([["CORRUPT", SMS_DB]]);
    }
    const unknown = await collectArtifact(smsArtifact, {
      [SMS_DB]: { sql: "CREATE TABLE message (ROWID INTEGER);" },
    });
    expect([unknown.status.status, unknown.status.files, unknown.status.warnings[0]?.code]).toEqual([
      "failed",
      [SMS_DB],
      "UNKNOWN_SCHEMA",
    ]);
  });

  it("gives source artifacts the same statuses, from the files they say they could not read", async () => {
    const probe = (read: number, broken: string[]) =>
      defineArtifact<number>({
        id: "ios/probe",
        title: "probe",
        description: "test",
        sources: ["fs-dump"],
        paths: [],
        iosVersions: "any",
        input: {
          kind: "source",
          async *collect(_source, context) {
            for (let i = 0; i < read; i++) yield i;
            for (const file of broken) context.unreadable({ code: "CORRUPT", message: "broken", file });
          },
        },
        observables: () => [],
        events: () => [],
      });
    const statusOf = async (read: number, broken: string[]) =>
      (await collectArtifact(probe(read, broken), {})).status;
    expect(await statusOf(0, [])).toMatchObject({ status: "not_present", files: [] });
    expect(await statusOf(2, [])).toMatchObject({ status: "found", records: 2, files: [] });
    expect(await statusOf(0, ["/a", "/b"])).toMatchObject({ status: "failed", files: ["/a", "/b"] });
    expect(await statusOf(2, ["/a"])).toMatchObject({
      status: "partial",
      records: 2,
      files: ["/a"],
      warnings: [{ code: "CORRUPT", message: "broken", file: "/a" }],
    });
  });
});
