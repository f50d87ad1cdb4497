import { createCipheriv } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { prng } from "../testing/prng.js";
import {
  BtreeError,
  filePages,
  imagePages,
  type PageSource,
  TableWalker,
  tableColumnNames,
} from "./btree.js";

// Fixtures are built with better-sqlite3 in memory; files go to one temporary folder removed at the end.
const dir = mkdtempSync(join(tmpdir(), "spyglass-btree-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function tempFile(bytes: Uint8Array): string {
  fileCounter += 1;
  const path = join(dir, `db-${fileCounter}.bin`);
  writeFileSync(path, bytes);
  return path;
}

const KEY = Buffer.from("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex");

/** AES-256-CBC, zero IV, PKCS#7: how an encrypted backup stores Manifest.db. */
function encrypt(plain: Buffer, key: Buffer = KEY): Buffer {
  const cipher = createCipheriv("aes-256-cbc", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

function bytesOf(seed: number, length: number): Buffer {
  const next = prng(seed);
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** Text of about `length` UTF-8 bytes mixing one- to four-byte characters. */
function mixedText(length: number): string {
  const pieces = ["a", "é", "ß", "€", "日", "😀", "z", " ", "Ω"];
  let out = "";
  let bytes = 0;
  for (let i = 0; bytes < length; i++) {
    const piece = pieces[i % pieces.length]!;
    out += piece;
    bytes += Buffer.byteLength(piece);
  }
  return out;
}

/** Comparable form of a column value: blobs as hex, bigints in the safe range as numbers. */
function norm(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return { blob: value.toString("hex") };
  if (typeof value === "bigint")
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  return value;
}

function quoteName(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `SELECT rowid, * … ORDER BY rowid` through SQLite, 64-bit integers exact. */
function sqliteRows(db: Database.Database, table: string): unknown[][] {
  const rows = db
    .prepare(`SELECT rowid, * FROM ${quoteName(table)} ORDER BY rowid`)
    .raw()
    .safeIntegers(true)
    .all() as unknown[][];
  return rows.map((row) => row.map(norm));
}

/** The same rows through the walker: one walker for the schema, a new one for the table scan. */
function walkerRows(pages: PageSource, table: string): unknown[][] {
  const entry = new TableWalker(pages).schema().find((e) => e.type === "table" && e.name === table);
  if (entry === undefined) throw new Error(`no table ${table}`);
  const names = tableColumnNames(entry.sql);
  if (names === undefined) throw new Error(`unreadable schema ${entry.sql}`);
  const rows: unknown[][] = [];
  new TableWalker(pages).scan(entry.rootPage, names.length, (values, rowid) => {
    rows.push([rowid, ...values.map(norm)]);
  });
  return rows;
}

function tableNames(db: Database.Database): string[] {
  return (
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .pluck()
      .all() as string[]
  ).filter((name) => name !== "");
}

/** Every table of `db` read from `pages` equals SQLite's rows. */
function expectSameTables(db: Database.Database, pages: PageSource): void {
  for (const table of tableNames(db)) expect(walkerRows(pages, table), table).toEqual(sqliteRows(db, table));
}

function memoryDb(pageSize: number): Database.Database {
  const db = new Database(":memory:");
  db.pragma(`page_size = ${pageSize}`);
  return db;
}

/** Depth of a table b-tree along its left-most path, read straight from the image. */
function treeDepth(image: Buffer, pageSize: number, root: number): number {
  let depth = 1;
  let n = root;
  for (;;) {
    const start = (n - 1) * pageSize;
    const base = start + (n === 1 ? 100 : 0);
    if (image[base] !== 0x05) return depth;
    const firstCell = image.readUInt16BE(base + 12);
    n = image.readUInt32BE(start + firstCell);
    depth += 1;
  }
}

function rootOf(db: Database.Database, table: string): number {
  return db.prepare("SELECT rootpage FROM sqlite_master WHERE name = ?").pluck().get(table) as number;
}

/** Pages of `table` by dbstat kind ('internal', 'leaf', 'overflow'), in b-tree path order. */
function pagesOf(db: Database.Database, table: string, kind: string): number[] {
  return db
    .prepare("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = ? ORDER BY path")
    .pluck()
    .all(table, kind) as number[];
}

function expectBtreeError(run: () => unknown, message?: RegExp): BtreeError {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BtreeError);
  if (message !== undefined) expect((caught as BtreeError).message).toMatch(message);
  return caught as BtreeError;
}

/** Reads the schema and every table (row values touched), as a consumer would. */
function scanEverything(pages: PageSource): number {
  let rows = 0;
  const schema = new TableWalker(pages).schema();
  for (const entry of schema) {
    if (entry.type !== "table" || entry.rootPage < 1) continue;
    const columns = tableColumnNames(entry.sql)?.length ?? 4;
    new TableWalker(pages).scan(entry.rootPage, columns, (values, rowid) => {
      expect(typeof rowid).toBe("number");
      for (const value of values) {
        if (
          value !== null &&
          typeof value !== "number" &&
          typeof value !== "bigint" &&
          typeof value !== "string" &&
          !Buffer.isBuffer(value)
        )
          throw new Error(`unexpected value ${String(value)}`);
      }
      rows += 1;
    });
  }
  return rows;
}

// --- Fixtures --------------------------------------------------------------------------------

/** 20,000 rows at page_size 512 (a 3+ level tree), and a sqlite_master large enough that page 1 is interior. */
function buildDeep(): Database.Database {
  const db = memoryDb(512);
  for (let i = 0; i < 40; i++)
    db.exec(
      `CREATE TABLE side_${i} (${Array.from({ length: 12 }, (_, c) => `column_${c} TEXT`).join(", ")})`,
    );
  db.exec("CREATE TABLE t (a INTEGER, b TEXT, c BLOB)");
  const insert = db.prepare("INSERT INTO t (rowid, a, b, c) VALUES (?, ?, ?, ?)");
  db.transaction(() => {
    for (let i = 1; i <= 20_000; i++)
      insert.run(i * 3, ((i * 7919) % 100_003) - 50_000, `row ${i} ü`, bytesOf(i, i % 9));
    // Rowids whose varints take 3 to 8 bytes.
    for (const rowid of [2 ** 21, 2 ** 28 + 5, 2 ** 35, 2 ** 42 + 1, 2 ** 49, Number.MAX_SAFE_INTEGER])
      insert.run(rowid, rowid, "far", null);
  })();
  db.exec("DELETE FROM t WHERE rowid % 7 = 0");
  db.exec("INSERT INTO side_3 (column_0) VALUES ('x'), ('y')");
  return db;
}

const SERIAL_VALUES: unknown[] = [
  null,
  0,
  1,
  2,
  -1,
  127,
  128,
  -128,
  -129,
  32767,
  32768,
  -32768,
  -32769,
  8388607,
  8388608,
  -8388608,
  -8388609,
  2147483647,
  2147483648,
  -2147483648,
  -2147483649,
  140737488355327,
  140737488355328,
  -140737488355328,
  -140737488355329,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  2n ** 53n,
  2n ** 53n + 1n,
  -(2n ** 53n) - 1n,
  2n ** 62n + 12345n,
  2n ** 63n - 1n,
  -(2n ** 63n),
  1.5,
  -2.25,
  3.0,
  1e308,
  -1e-308,
  5e-324,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -0,
  "",
  "a",
  "héllo wörld",
  "日本語 😀 ✓ Ω",
  "\u0000inside",
  Buffer.alloc(0),
  Buffer.from([0, 255, 1, 128]),
];

function buildSerials(): Database.Database {
  const db = new Database(":memory:");
  db.exec("CREATE TABLE s (v, label TEXT, r REAL, i INTEGER)");
  const insert = db.prepare("INSERT INTO s (v, label, r, i) VALUES (?, ?, ?, ?)");
  SERIAL_VALUES.forEach((value, index) => {
    insert.run(value, `#${index}`, index % 2 === 0 ? index * 1.0 : index + 0.5, value);
  });
  // REAL affinity keeps integral values as integers on disk (up to 2^51), beyond as REAL.
  for (const r of [0, 7, -7, 1e15, 2 ** 51, 2 ** 52, 2 ** 60, 0.1]) insert.run(r, "r", r, null);
  // Every value in every column position, so the serial types also sit before other values.
  const wide = db.prepare("INSERT INTO s (v, label, r, i) VALUES (?, ?, ?, ?)");
  for (let i = 0; i + 3 < SERIAL_VALUES.length; i++)
    wide.run(SERIAL_VALUES[i], SERIAL_VALUES[i + 1], SERIAL_VALUES[i + 2], SERIAL_VALUES[i + 3]);
  return db;
}

/** Overflow payloads (3 KB, 200 KB, and sizes around the local/overflow thresholds). */
function buildOverflow(pageSize: number): Database.Database {
  const db = memoryDb(pageSize);
  db.exec("CREATE TABLE o (k TEXT, v)");
  const insert = db.prepare("INSERT INTO o (k, v) VALUES (?, ?)");
  db.transaction(() => {
    insert.run("blob3k", bytesOf(1, 3 * 1024));
    insert.run("text3k", mixedText(3 * 1024));
    insert.run("blob200k", bytesOf(2, 200 * 1024));
    insert.run("text200k", mixedText(200 * 1024));
    insert.run("small", "after the big ones");
  })();
  // Payload sizes around maxLocal and where the local part drops to minLocal.
  db.exec("CREATE TABLE edge (v)");
  const edge = db.prepare("INSERT INTO edge (v) VALUES (?)");
  const usable = pageSize;
  const maxLocal = usable - 35;
  const minLocal = Math.floor(((usable - 12) * 32) / 255) - 23;
  const sizes = new Set<number>();
  for (let d = -12; d <= 12; d++) {
    sizes.add(maxLocal + d);
    // K = minLocal + (P - minLocal) % (usable - 4) crosses maxLocal here.
    sizes.add(minLocal + (usable - 4) + (maxLocal - minLocal) + d);
    sizes.add(minLocal + 3 * (usable - 4) + (maxLocal - minLocal) + d);
  }
  db.transaction(() => {
    for (const size of [...sizes].sort((a, b) => a - b)) {
      edge.run(bytesOf(size, Math.max(0, size)));
      edge.run(mixedText(Math.max(0, size)));
    }
  })();
  return db;
}

function buildPage64k(): Database.Database {
  const db = memoryDb(65536);
  db.exec("CREATE TABLE big (k INTEGER, v)");
  const insert = db.prepare("INSERT INTO big (k, v) VALUES (?, ?)");
  db.transaction(() => {
    for (let i = 0; i < 3000; i++) insert.run(i, `value ${i} ${"x".repeat(i % 50)}`);
    insert.run(-1, bytesOf(9, 70_000));
    insert.run(-2, mixedText(200 * 1024));
  })();
  return db;
}

const deep = buildDeep();
const deepImage = deep.serialize();

// --- Reading ---------------------------------------------------------------------------------

describe("TableWalker reads what SQLite reads", () => {
  it("walks a 3+ level table b-tree of 20,000 rows at page_size 512 (page 1 interior)", () => {
    const root = rootOf(deep, "t");
    expect(treeDepth(deepImage, 512, root)).toBeGreaterThanOrEqual(3);
    // sqlite_master itself spans pages: page 1 is an interior page behind the 100-byte header.
    expect(deepImage[100]).toBe(0x05);
    const pages = imagePages(deepImage);
    expect(pages.pageSize).toBe(512);
    expect(pages.usable).toBe(512);
    expect(pages.pageCount).toBe(deepImage.length / 512);
    const rows = walkerRows(pages, "t");
    expect(rows.length).toBeGreaterThan(17_000);
    expect(rows).toEqual(sqliteRows(deep, "t"));
    expectSameTables(deep, imagePages(deepImage));
  });

  it("schema() lists sqlite_master rows", () => {
    const expected = (
      deep
        .prepare("SELECT type, name, tbl_name, rootpage, sql FROM sqlite_master ORDER BY rowid")
        .raw()
        .all() as [string, string, string, number, string | null][]
    ).map(([type, name, tableName, rootPage, sql]) => ({ type, name, tableName, rootPage, sql: sql ?? "" }));
    expect(new TableWalker(imagePages(deepImage)).schema()).toEqual(expected);
  });

  it("decodes every serial type (ints of 1-8 bytes, bigints beyond 2^53, reals, 0/1, UTF-8, empty blobs)", () => {
    const db = buildSerials();
    const rows = walkerRows(imagePages(db.serialize()), "s");
    expect(rows).toEqual(sqliteRows(db, "s"));
    // Spot checks on the types handed out.
    const byLabel = new Map(rows.map((row) => [row[2], row[1]]));
    expect(byLabel.get("#27")).toBe(2n ** 53n);
    expect(byLabel.get("#32")).toBe(-(2n ** 63n));
    expect(byLabel.get("#25")).toBe(Number.MAX_SAFE_INTEGER);
    expect(Object.is(byLabel.get("#41"), -0)).toBe(true);
    expect(byLabel.get("#45")).toBe("日本語 😀 ✓ Ω");
    expect(byLabel.get("#47")).toEqual({ blob: "" });
    db.close();
  });

  for (const pageSize of [512, 1024, 4096]) {
    it(`reads overflow chains at page_size ${pageSize} (3 KB and 200 KB blobs and texts, threshold sizes)`, () => {
      const db = buildOverflow(pageSize);
      const image = db.serialize();
      expect(pagesOf(db, "o", "overflow").length).toBeGreaterThan(50);
      expectSameTables(db, imagePages(image));
      db.close();
    });
  }

  it("reads a table extended with ALTER TABLE ADD COLUMN (old rows lack the trailing columns)", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE a (x INTEGER, y TEXT)");
    const first = db.prepare("INSERT INTO a (x, y) VALUES (?, ?)");
    for (let i = 0; i < 200; i++) first.run(i, `old ${i}`);
    db.exec("ALTER TABLE a ADD COLUMN z BLOB");
    db.exec("ALTER TABLE a ADD COLUMN w TEXT");
    const second = db.prepare("INSERT INTO a (x, y, z, w) VALUES (?, ?, ?, ?)");
    for (let i = 200; i < 400; i++) second.run(i, `new ${i}`, Buffer.from([i & 255]), `w${i}`);
    db.exec("UPDATE a SET y = 'updated' WHERE x = 5");
    const rows = walkerRows(imagePages(db.serialize()), "a");
    expect(rows).toEqual(sqliteRows(db, "a"));
    expect(rows[0]).toEqual([1, 0, "old 0", null, null]);
    expect(
      tableColumnNames(db.prepare("SELECT sql FROM sqlite_master WHERE name = 'a'").pluck().get() as string),
    ).toEqual(["x", "y", "z", "w"]);
    // Asking for fewer columns than the record holds is fine too.
    const firstOnly: unknown[] = [];
    new TableWalker(imagePages(db.serialize())).scan(rootOf(db, "a"), 1, (values) => {
      firstOnly.push(values.length === 1 ? values[0] : values);
    });
    expect(firstOnly).toEqual(Array.from({ length: 400 }, (_, i) => i));
    db.close();
  });

  it("reads page_size 65536 (header value 1)", () => {
    const db = buildPage64k();
    const image = db.serialize();
    expect(image.readUInt16BE(16)).toBe(1);
    const pages = imagePages(image);
    expect(pages.pageSize).toBe(65536);
    expectSameTables(db, pages);
    db.close();
  });

  it("hands blob values as views that are valid during the callback", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE b (v BLOB)");
    const insert = db.prepare("INSERT INTO b (v) VALUES (?)");
    for (let i = 0; i < 50; i++) insert.run(bytesOf(i, 10 + i));
    const seen: string[] = [];
    new TableWalker(imagePages(db.serialize())).scan(rootOf(db, "b"), 1, (values) => {
      const [v] = values;
      expect(Buffer.isBuffer(v)).toBe(true);
      seen.push((v as Buffer).toString("hex"));
    });
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => bytesOf(i, 10 + i).toString("hex")));
    db.close();
  });

  it("visits each page once per walker: a second scan of the same tree with the same walker throws", () => {
    const pages = imagePages(deepImage);
    const walker = new TableWalker(pages);
    const root = rootOf(deep, "side_3");
    walker.scan(root, 12, () => undefined);
    expectBtreeError(() => walker.scan(root, 12, () => undefined));
  });
});

describe("filePages", () => {
  const sources: Array<[string, () => Database.Database]> = [
    ["deep tree, page_size 512", () => deep],
    ["overflow, page_size 1024", () => buildOverflow(1024)],
    ["overflow, page_size 4096", () => buildOverflow(4096)],
    ["page_size 65536", buildPage64k],
    ["serial types", buildSerials],
  ];
  for (const [name, build] of sources) {
    it(`plain and encrypted files give the rows of the image: ${name}`, () => {
      const db = build();
      const image = db.serialize();
      // SQLite files are whole pages: a multiple of 16, so PKCS#7 adds a whole padding block.
      expect(image.length % 16).toBe(0);
      const cipher = encrypt(image);
      expect(cipher.length).toBe(image.length + 16);
      const expected = tableNames(db).map((table) => walkerRows(imagePages(image), table));
      for (const pages of [filePages(tempFile(image)), filePages(tempFile(cipher), KEY)]) {
        try {
          expect(pages.pageSize).toBe(imagePages(image).pageSize);
          expect(pages.pageCount).toBe(image.length / pages.pageSize);
          expect(pages.usable).toBe(imagePages(image).usable);
          expect(tableNames(db).map((table) => walkerRows(pages, table))).toEqual(expected);
          expectSameTables(db, pages);
        } finally {
          pages.close();
          pages.close();
        }
      }
      if (db !== deep) db.close();
    });
  }

  it("reads databases of many read chunks (64 KiB each) and more than the four kept at a time", () => {
    expect(deepImage.length).toBeGreaterThan(8 * 64 * 1024);
    const pages = filePages(tempFile(encrypt(deepImage)), KEY);
    try {
      expect(walkerRows(pages, "t")).toEqual(sqliteRows(deep, "t"));
    } finally {
      pages.close();
    }
  });

  it("reads a database file SQLite wrote itself (journal_mode = DELETE)", () => {
    const path = join(dir, "written.db");
    const db = new Database(path);
    db.pragma("page_size = 4096");
    db.pragma("journal_mode = DELETE");
    db.exec("CREATE TABLE w (id TEXT PRIMARY KEY, n INTEGER, payload BLOB)");
    const insert = db.prepare("INSERT INTO w (id, n, payload) VALUES (?, ?, ?)");
    db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`id-${i}`, i * 1000, bytesOf(i, i % 300));
    })();
    const pages = filePages(path);
    try {
      expectSameTables(db, pages);
    } finally {
      pages.close();
      db.close();
    }
    const cipherPath = tempFile(encrypt(readFileSync(path)));
    const reopened = new Database(path, { readonly: true });
    const encrypted = filePages(cipherPath, KEY);
    try {
      expectSameTables(reopened, encrypted);
    } finally {
      encrypted.close();
      reopened.close();
    }
  });
});

// --- Hostile input ---------------------------------------------------------------------------

describe("hostile input throws BtreeError", () => {
  const root = rootOf(deep, "t");
  const at = (n: number): number => (n - 1) * 512;
  const scanT = (image: Buffer): void => {
    const pages = imagePages(image);
    new TableWalker(pages).scan(root, 3, () => undefined);
  };
  const copy = (): Buffer => Buffer.from(deepImage);

  it("an interior page whose child pointer points to itself", () => {
    expect(deepImage[at(root)]).toBe(0x05);
    const rightMost = copy();
    rightMost.writeUInt32BE(root, at(root) + 8);
    expectBtreeError(() => scanT(rightMost), /twice/);
    const firstChild = copy();
    const cell = firstChild.readUInt16BE(at(root) + 12);
    firstChild.writeUInt32BE(root, at(root) + cell);
    expectBtreeError(() => scanT(firstChild), /twice/);
    // A deeper loop: a leaf's parent pointing back to the root.
    const [interior] = pagesOf(deep, "t", "internal").filter((n) => n !== root);
    const deeper = copy();
    deeper.writeUInt32BE(root, at(interior!) + 8);
    expectBtreeError(() => scanT(deeper), /twice/);
  });

  it("a child page number beyond the file, or 0", () => {
    for (const child of [deepImage.length / 512 + 1, 0xffffffff, 0]) {
      const image = copy();
      image.writeUInt32BE(child, at(root) + 8);
      expectBtreeError(() => scanT(image), /outside the file/);
    }
  });

  it("a cell pointer outside the page, or a cell count past the page", () => {
    const [leaf] = pagesOf(deep, "t", "leaf");
    expect(deepImage[at(leaf!)]).toBe(0x0d);
    for (const pointer of [0xffff, 512, 3]) {
      const image = copy();
      image.writeUInt16BE(pointer, at(leaf!) + 8);
      expectBtreeError(() => scanT(image), /cell offset outside the page/);
    }
    const interiorCell = copy();
    interiorCell.writeUInt16BE(510, at(root) + 12);
    expectBtreeError(() => scanT(interiorCell), /cell offset outside the page/);
    for (const page of [leaf!, root]) {
      const count = copy();
      count.writeUInt16BE(0xffff, at(page) + 3);
      expectBtreeError(() => scanT(count), /cell pointer array overflows/);
    }
  });

  it("a payload size that runs off the page, a record header larger than the payload", () => {
    const [leaf] = pagesOf(deep, "t", "leaf");
    const base = at(leaf!);
    const cells = deepImage.readUInt16BE(base + 3);
    let last = 0;
    for (let i = 0; i < cells; i++) last = Math.max(last, deepImage.readUInt16BE(base + 8 + i * 2));
    expect(deepImage[base + last]).toBeLessThan(0x80); // one-byte payload size
    expect(last + 3 + 127).toBeGreaterThan(512);
    const runs = copy();
    runs[base + last] = 0x7f;
    expectBtreeError(() => scanT(runs), /payload overflows the page/);
    // A two-byte payload size past maxLocal (0x84 0x..: at least 512) whose local part runs off the page.
    const big = copy();
    big[base + last] = 0x84;
    expectBtreeError(() => scanT(big), /payload overflows the page/);
    // Record header size (first payload byte) larger than the payload.
    const header = copy();
    const payload = header[base + last]!;
    const rowidLength = header[base + last + 1]! < 0x80 ? 1 : header[base + last + 2]! < 0x80 ? 2 : 3;
    expect(payload).toBeGreaterThan(0);
    header[base + last + 1 + rowidLength] = 0x7f;
    expectBtreeError(() => scanT(header), /record header overflows/);
  });

  it("an overflow chain that loops, ends early or leaves the file", () => {
    const db = new Database(":memory:");
    db.pragma("page_size = 1024");
    db.exec("CREATE TABLE o (v BLOB)");
    db.prepare("INSERT INTO o (v) VALUES (?)").run(bytesOf(3, 20_000));
    const image = db.serialize();
    const chain = pagesOf(db, "o", "overflow");
    expect(chain.length).toBeGreaterThan(10);
    const oRoot = rootOf(db, "o");
    const scanO = (bytes: Buffer): void => {
      new TableWalker(imagePages(bytes)).scan(oRoot, 1, () => undefined);
    };
    scanO(image);
    const cases: Array<[number, number]> = [
      [chain[3]!, chain[3]!], // to itself
      [chain[5]!, chain[1]!], // back to an earlier page
      [chain[2]!, 0], // ends before the payload does
      [chain[2]!, image.length / 1024 + 3], // beyond the file
      [chain[2]!, oRoot], // into the b-tree page already visited
    ];
    for (const [page, next] of cases) {
      const bad = Buffer.from(image);
      bad.writeUInt32BE(next, (page - 1) * 1024);
      expectBtreeError(() => scanO(bad), /twice|outside the file/);
    }
    db.close();
  });

  it("a b-tree deeper than the walker allows", () => {
    // A chain of 60 interior pages with no cells, each pointing to the next, ending in an empty leaf.
    const db = new Database(":memory:");
    db.pragma("page_size = 512");
    db.exec("CREATE TABLE t (x)");
    const small = db.serialize();
    const tRoot = rootOf(db, "t");
    const extra = 60;
    const image = Buffer.concat([small, Buffer.alloc(extra * 512)]);
    let page = tRoot;
    for (let i = 0; i < extra; i++) {
      const next = small.length / 512 + 1 + i;
      const start = (page - 1) * 512;
      image.fill(0, start, start + 512);
      image[start] = 0x05;
      image.writeUInt16BE(512, start + 5);
      image.writeUInt32BE(next, start + 8);
      page = next;
    }
    const last = (page - 1) * 512;
    image[last] = 0x0d;
    image.writeUInt16BE(512, last + 5);
    expectBtreeError(() => new TableWalker(imagePages(image)).scan(tRoot, 1, () => undefined), /deeper/);
    db.close();
  });

  it("a table scan rooted at an index page or a free page", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE k (id TEXT PRIMARY KEY, v)");
    db.prepare("INSERT INTO k VALUES ('a', 1)").run();
    const index = db
      .prepare("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'k'")
      .pluck()
      .get() as number;
    const image = db.serialize();
    expectBtreeError(
      () => new TableWalker(imagePages(image)).scan(index, 2, () => undefined),
      /not a table b-tree page/,
    );
    const zeroed = Buffer.from(image);
    zeroed.fill(0, (rootOf(db, "k") - 1) * 4096, rootOf(db, "k") * 4096);
    expectBtreeError(() => new TableWalker(imagePages(zeroed)).scan(rootOf(db, "k"), 2, () => undefined));
    db.close();
  });

  it("a file cut in the middle of the b-tree (image, plain file, encrypted file)", () => {
    const half = Math.floor(deepImage.length / 2 / 512) * 512;
    for (const length of [half, half + 100, 512 * 3]) {
      const cut = deepImage.subarray(0, length);
      expectBtreeError(() => scanT(Buffer.from(cut)));
      const plain = filePages(tempFile(cut));
      try {
        expectBtreeError(() => new TableWalker(plain).scan(root, 3, () => undefined));
      } finally {
        plain.close();
      }
    }
    // Ciphertext cut at a block boundary: the padding is whatever the last block decrypts to.
    const cipher = encrypt(deepImage);
    for (const length of [half, half + 16 * 7, 4096]) {
      expectBtreeError(() => {
        const pages = filePages(tempFile(cipher.subarray(0, length)), KEY);
        try {
          new TableWalker(pages).scan(root, 3, () => undefined);
        } finally {
          pages.close();
        }
      });
    }
  });

  it("not a SQLite header, a short file, a bad page size, reserved bytes or encoding", () => {
    for (const bytes of [
      Buffer.from("hello, this is not a database ".repeat(40)),
      Buffer.alloc(0),
      deepImage.subarray(0, 50),
    ]) {
      expectBtreeError(() => imagePages(Buffer.from(bytes)));
      const path = tempFile(bytes);
      expectBtreeError(() => filePages(path));
    }
    for (const raw of [3, 0, 256, 513, 1000]) {
      const image = copy();
      image.writeUInt16BE(raw, 16);
      expectBtreeError(() => imagePages(image), /invalid page size/);
      expectBtreeError(() => filePages(tempFile(image)));
      expectBtreeError(() => filePages(tempFile(encrypt(image)), KEY));
    }
    const reserved = copy();
    reserved[20] = 255;
    expectBtreeError(() => imagePages(reserved));
    const encoding = copy();
    encoding.writeUInt32BE(0x01000002, 56);
    expectBtreeError(() => imagePages(encoding));
  });

  // Known bug (see the report): the encoding check reads byte 56 only, the high byte of the
  // big-endian field, so UTF-16le (2) and UTF-16be (3) databases pass and their text is decoded as
  // UTF-8. Flip to \`it\` once headerInfo checks readUInt32BE(56) for 0 or 1.
  it("a UTF-16 database", () => {
    const db = new Database(":memory:");
    db.pragma("encoding = 'UTF-16le'");
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('text')");
    const image = db.serialize();
    expect(image.readUInt32BE(56)).toBe(2);
    db.close();
    expectBtreeError(() => imagePages(image));
  });

  it("a page size field that is valid but wrong for the file", () => {
    for (const raw of [1, 1024, 32768]) {
      const image = copy();
      image.writeUInt16BE(raw, 16);
      try {
        scanEverything(imagePages(image));
      } catch (error) {
        expect(error).toBeInstanceOf(BtreeError);
      }
    }
  });

  it("an encrypted file whose size is not a multiple of 16, a wrong key, a bad padding byte", () => {
    const cipher = encrypt(deepImage);
    for (const length of [cipher.length - 1, cipher.length - 15, 17, 100]) {
      const path = tempFile(cipher.subarray(0, length));
      expectBtreeError(() => filePages(path, KEY), /AES blocks/);
    }
    const wrongKey = Buffer.alloc(32, 0x42);
    expectBtreeError(() => {
      const pages = filePages(tempFile(cipher), wrongKey);
      pages.close();
    });
    // A final block that decrypts to padding 0 (or > 16).
    for (const pad of [0, 17, 255]) {
      const plain = Buffer.concat([deepImage, Buffer.alloc(16, pad)]);
      const raw = createCipheriv("aes-256-cbc", KEY, Buffer.alloc(16)).setAutoPadding(false);
      const noPad = Buffer.concat([raw.update(plain), raw.final()]);
      expectBtreeError(() => filePages(tempFile(noPad), KEY), /padding/);
    }
  });

  // Known bug (see the report): an empty encrypted file throws a RangeError from readSync
  // (negative position) instead of BtreeError. Flip to `it` once filePages checks size < 16.
  it("an empty encrypted file", () => {
    const path = tempFile(Buffer.alloc(0));
    expectBtreeError(() => filePages(path, KEY));
  });

  it("an encrypted file of one block that decrypts to padding only", () => {
    const path = tempFile(encrypt(Buffer.alloc(0)));
    expectBtreeError(() => filePages(path, KEY));
  });

  it("300 seeded random corruptions: rows or BtreeError, never another exception or a hang", {
    timeout: 120_000,
  }, () => {
    const db = new Database(":memory:");
    db.pragma("page_size = 1024");
    db.exec(
      "CREATE TABLE t (a INTEGER, b TEXT, c BLOB); CREATE TABLE u (k TEXT PRIMARY KEY, v REAL); CREATE INDEX ta ON t(a)",
    );
    const insertT = db.prepare("INSERT INTO t (a, b, c) VALUES (?, ?, ?)");
    const insertU = db.prepare("INSERT INTO u (k, v) VALUES (?, ?)");
    db.transaction(() => {
      for (let i = 0; i < 300; i++) insertT.run(i * 1_000_003, `text ${i} ü`, bytesOf(i, i % 20));
      insertT.run(-1, mixedText(5000), bytesOf(77, 4000));
      for (let i = 0; i < 150; i++) insertU.run(`key-${i}`, i / 3);
    })();
    const image = db.serialize();
    expect(image.length).toBeGreaterThan(30 * 1024);
    expect(image.length).toBeLessThan(60 * 1024);
    expect(scanEverything(imagePages(image))).toBe(451);
    const cipherPath = join(dir, "fuzz.enc");
    const random = prng(20240301);
    let succeeded = 0;
    let failed = 0;
    for (let variant = 0; variant < 300; variant++) {
      const bytes = Buffer.from(image);
      const flips = 1 + Math.floor(random() * 8);
      const changes: string[] = [];
      for (let f = 0; f < flips; f++) {
        const offset = 100 + Math.floor(random() * (bytes.length - 100));
        const value = Math.floor(random() * 256);
        bytes[offset] = value;
        changes.push(`${offset}=${value}`);
      }
      const readers: Array<() => PageSource> = [() => imagePages(bytes)];
      if (variant % 10 === 0) {
        writeFileSync(cipherPath, encrypt(bytes));
        readers.push(() => filePages(cipherPath, KEY));
      }
      for (const open of readers) {
        let pages: PageSource | undefined;
        try {
          pages = open();
          scanEverything(pages);
          succeeded += 1;
        } catch (error) {
          if (!(error instanceof BtreeError))
            throw new Error(`variant ${variant} (${changes.join(", ")}): ${String(error)}`);
          failed += 1;
        } finally {
          pages?.close();
        }
      }
    }
    expect(succeeded).toBeGreaterThan(0);
    expect(failed).toBeGreaterThan(0);
    db.close();
  });
});

// --- tableColumnNames ------------------------------------------------------------------------

describe("tableColumnNames", () => {
  it("reads the Manifest.db Files table", () => {
    expect(
      tableColumnNames(
        "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)",
      ),
    ).toEqual(["fileID", "domain", "relativePath", "flags", "file"]);
  });

  it("unquotes quoted names", () => {
    expect(tableColumnNames('CREATE TABLE t ("a b" TEXT, [x] INT, `y`, "q""uote", plain)')).toEqual([
      "a b",
      "x",
      "y",
      'q"uote',
      "plain",
    ]);
  });

  it("skips table constraints", () => {
    expect(
      tableColumnNames(
        "CREATE TABLE t (a INT, b TEXT, c, PRIMARY KEY(a,b), UNIQUE (b, c), CHECK(a > (1)), " +
          "CONSTRAINT fk FOREIGN KEY (c) REFERENCES other(id) ON DELETE CASCADE)",
      ),
    ).toEqual(["a", "b", "c"]);
    expect(
      tableColumnNames("CREATE TABLE t (a, b, FOREIGN KEY (a) REFERENCES p(x), CHECK (b <> ','))"),
    ).toEqual(["a", "b"]);
  });

  it("keeps types with parentheses, commas and quotes; leaves columns with a DEFAULT to SQLite", () => {
    expect(
      tableColumnNames(
        "CREATE TABLE t (a VARCHAR(10, 2), b DECIMAL(5,2) NOT NULL CHECK (b > ','), c TEXT, d)",
      ),
    ).toEqual(["a", "b", "c", "d"]);
    // Rows written before an ADD COLUMN … DEFAULT read as the default in SQLite, not as null.
    expect(
      tableColumnNames(
        "CREATE TABLE t (a VARCHAR(10, 2), b DECIMAL(5,2) NOT NULL DEFAULT (1 + 2), c TEXT DEFAULT 'x, (y', d)",
      ),
    ).toBeUndefined();
    expect(tableColumnNames('CREATE TABLE IF NOT EXISTS "main"."t" (a) STRICT')).toEqual(["a"]);
  });

  it("returns undefined for WITHOUT ROWID, rowid aliases and generated columns", () => {
    expect(tableColumnNames("CREATE TABLE t (a TEXT PRIMARY KEY, b) WITHOUT ROWID")).toBeUndefined();
    expect(tableColumnNames("CREATE TABLE t (a TEXT PRIMARY KEY, b) without  rowid")).toBeUndefined();
    expect(tableColumnNames("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")).toBeUndefined();
    expect(
      tableColumnNames("CREATE TABLE t (id integer primary key autoincrement, name TEXT)"),
    ).toBeUndefined();
    expect(tableColumnNames("CREATE TABLE t (a, b GENERATED ALWAYS AS (a * 2) VIRTUAL)")).toBeUndefined();
    expect(tableColumnNames("CREATE TABLE t (a, b AS (a * 2) STORED)")).toBeUndefined();
    expect(tableColumnNames("CREATE TABLE t (a, b AS(a || 'x'))")).toBeUndefined();
  });

  it("names match PRAGMA table_info for every table SQLite accepts here", () => {
    const db = new Database(":memory:");
    const statements = [
      "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)",
      'CREATE TABLE q ("a b" TEXT, [x] INT, `y`, "q""uote", plain)',
      "CREATE TABLE c (a INT, b TEXT, c, PRIMARY KEY(a,b), UNIQUE (b, c), CHECK(a > (1)))",
      "CREATE TABLE p (a VARCHAR(10, 2), b DECIMAL(5,2) NOT NULL, c TEXT CHECK (c <> 'x, (y'), d)",
      "CREATE TABLE n (id INT PRIMARY KEY, primary_key TEXT, unique_id, checked, foreignKey, constraints)",
    ];
    for (const sql of statements) {
      db.exec(sql);
      const name = /CREATE TABLE (\w+)/.exec(sql)![1]!;
      const expected = db.prepare(`PRAGMA table_info(${name})`).all() as Array<{ name: string }>;
      expect(tableColumnNames(sql), sql).toEqual(expected.map((c) => c.name));
    }
    db.close();
  });

  // Known bugs (see the report). Flip to `it` once tableColumnNames handles them.
  it("returns undefined for rowid aliases declared with NOT NULL or a table PRIMARY KEY", () => {
    expect(tableColumnNames("CREATE TABLE n (id INTEGER NOT NULL PRIMARY KEY, x)")).toBeUndefined();
  });
  it("returns undefined for a rowid alias declared by a table-level PRIMARY KEY", () => {
    expect(tableColumnNames("CREATE TABLE n (id INTEGER, x, PRIMARY KEY(id))")).toBeUndefined();
  });
  it("ignores a '(' inside a quoted table name", () => {
    expect(tableColumnNames('CREATE TABLE "a(b" (x, y)')).toEqual(["x", "y"]);
  });
});

describe("rowids", () => {
  // A negative rowid is a nine-byte varint: it must not come back as an unsigned number (~1.8e19).
  it("returns negative rowids", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE neg (x); INSERT INTO neg (rowid, x) VALUES (-5, 'neg'), (3, 'pos')");
    expect(walkerRows(imagePages(db.serialize()), "neg")).toEqual(sqliteRows(db, "neg"));
    db.close();
  });
});
