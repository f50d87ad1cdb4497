import { promises as fs } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../testing/temp.js";
import { openSqliteImage } from "./open.js";

const tempDir = useTempDirs("sqlite-open");

/** A database written by SQLite in WAL mode (header bytes 18-19 = 2), checkpointed into the file. */
async function walModeImage(): Promise<Buffer> {
  const path = join(await tempDir(), "wal.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('kept');");
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
  return fs.readFile(path);
}

describe("openSqliteImage", () => {
  it("opens a WAL-mode image without changing the caller's bytes (SQLite gets its own copy)", async () => {
    const image = await walModeImage();
    expect([image[18], image[19]]).toEqual([2, 2]);
    const before = Buffer.from(image);
    const { db } = openSqliteImage(image);
    expect(db.prepare("SELECT v FROM t").pluck().all()).toEqual(["kept"]);
    expect(image.equals(before)).toBe(true);
    // The database does not share the buffer: changing it afterwards changes nothing SQLite reads.
    image.fill(0);
    expect(db.prepare("SELECT v FROM t").pluck().all()).toEqual(["kept"]);
    db.close();
  });
});
