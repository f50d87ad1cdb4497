import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { openSqliteImage } from "./open.js";
import { applyWal } from "./wal.js";

/** A WAL-mode database whose newest rows live only in its -wal file (no checkpoint). */
async function walPair(): Promise<{ main: Buffer; wal: Buffer; dir: string }> {
  const dir = await fs.mkdtemp(join(tmpdir(), "spyglass-wal-"));
  const path = join(dir, "test.db");
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('checkpointed')");
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.pragma("wal_autocheckpoint = 0");
  db.exec("INSERT INTO t (v) VALUES ('in wal 1')");
  db.exec("BEGIN; INSERT INTO t (v) VALUES ('in wal 2'); INSERT INTO t (v) VALUES ('in wal 3'); COMMIT");
  const main = await fs.readFile(path);
  const wal = await fs.readFile(`${path}-wal`);
  db.close();
  return { main, wal, dir };
}

const rows = (bytes: Buffer, wal?: Buffer): string[] => {
  const { db } = openSqliteImage(bytes, wal === undefined ? {} : { wal });
  const values = (db.prepare("SELECT v FROM t ORDER BY id").all() as Array<{ v: string }>).map((r) => r.v);
  db.close();
  return values;
};

/** A WAL of `frames` frames writing page 1 over and over in one transaction (valid salts and checksums). */
function hugeTransactionWal(database: Buffer, frames: number): Buffer {
  const pageSize = database.readUInt16BE(16);
  const wal = Buffer.alloc(32 + frames * (24 + pageSize));
  wal.writeUInt32BE(0x377f0683, 0);
  wal.writeUInt32BE(3007000, 4);
  wal.writeUInt32BE(pageSize, 8);
  wal.writeUInt32BE(0x1234, 16);
  wal.writeUInt32BE(0x5678, 20);
  let a = 0;
  let b = 0;
  const sum = (start: number, length: number): void => {
    for (let i = start; i < start + length; i += 8) {
      a = (a + wal.readUInt32BE(i) + b) >>> 0;
      b = (b + wal.readUInt32BE(i + 4) + a) >>> 0;
    }
  };
  sum(0, 24);
  wal.writeUInt32BE(a, 24);
  wal.writeUInt32BE(b, 28);
  const pages = database.length / pageSize;
  for (let f = 0; f < frames; f++) {
    const at = 32 + f * (24 + pageSize);
    wal.writeUInt32BE(1, at);
    wal.writeUInt32BE(f === frames - 1 ? pages : 0, at + 4);
    wal.writeUInt32BE(0x1234, at + 8);
    wal.writeUInt32BE(0x5678, at + 12);
    database.copy(wal, at + 24, 0, pageSize);
    sum(at, 8);
    sum(at + 24, pageSize);
    wal.writeUInt32BE(a, at + 16);
    wal.writeUInt32BE(b, at + 20);
  }
  return wal;
}

describe("write-ahead log replay in memory", () => {
  it("shows the rows that live only in the -wal file, without touching any file", async () => {
    const { main, wal, dir } = await walPair();
    try {
      expect(rows(main)).toEqual(["checkpointed"]);
      expect(rows(main, wal)).toEqual(["checkpointed", "in wal 1", "in wal 2", "in wal 3"]);
      const result = applyWal(main, wal);
      expect(result.framesApplied).toBeGreaterThan(0);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("stops at a frame whose checksum is wrong, keeping the transactions committed before it", async () => {
    const { main, wal, dir } = await walPair();
    try {
      const pageSize = wal.readUInt32BE(8);
      const frames = (wal.length - 32) / (24 + pageSize);
      const lastFrame = 32 + (frames - 1) * (24 + pageSize);
      const damaged = Buffer.from(wal);
      damaged[lastFrame + 24 + 100] = (damaged[lastFrame + 24 + 100] ?? 0) ^ 0xff;
      const seen = rows(main, damaged);
      expect(seen.slice(0, 2)).toEqual(["checkpointed", "in wal 1"]);
      expect(seen).not.toContain("in wal 3");
      // A truncated log keeps every complete committed frame.
      expect(rows(main, wal.subarray(0, wal.length - 10))).toEqual(["checkpointed", "in wal 1"]);
      expect(rows(main, wal.subarray(0, 20))).toEqual(["checkpointed"]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("replays one transaction of 150,000 frames (no argument-list overflow)", () => {
    const db = new Database(":memory:");
    db.pragma("page_size = 512");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('kept')");
    const image = db.serialize();
    db.close();
    const result = applyWal(image, hugeTransactionWal(Buffer.from(image), 150_000));
    expect(result.framesApplied).toBe(150_000);
    expect(rows(result.image)).toEqual(["kept"]);
  });

  it("rejects a log with a bad magic number or page size, naming the -wal file", async () => {
    const { main, wal, dir } = await walPair();
    try {
      const badMagic = Buffer.from(wal);
      badMagic.writeUInt32BE(0x12345678, 0);
      expect(() => applyWal(main, badMagic, "sms.db-wal")).toThrow(/bad magic/);
      const badPage = Buffer.from(wal);
      badPage.writeUInt32BE(1000, 8);
      try {
        applyWal(main, badPage, "sms.db-wal");
        expect.unreachable();
      } catch (error) {
        expect(isSpyglassError(error, "CORRUPT")).toBe(true);
        expect((error as { file?: string }).file).toBe("sms.db-wal");
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it("reports a malformed database image as CORRUPT instead of crashing", () => {
    expect(() => openSqliteImage(Buffer.from("not a database at all"), { file: "x.db" })).toThrow(
      /Not a SQLite database/,
    );
    const header = Buffer.alloc(4096);
    Buffer.from("SQLite format 3\0", "latin1").copy(header);
    header.writeUInt16BE(4096, 16);
    for (let i = 100; i < header.length; i++) header[i] = (i * 31) & 0xff;
    try {
      openSqliteImage(header, { file: "garbage.db" });
    } catch (error) {
      expect(isSpyglassError(error, "CORRUPT")).toBe(true);
    }
  });
});
