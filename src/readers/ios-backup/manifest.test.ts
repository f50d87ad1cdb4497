import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpyglassError } from "../../errors.js";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import { unarchive } from "../../formats/nskeyed.js";
import { buildKeyedArchive } from "../../formats/nskeyed-writer.js";
import { parsePlist, parsePlistDict } from "../../formats/plist.js";
import { isPlistDict, PlistUid, type PlistValue } from "../../formats/plist-value.js";
import { type BackupEntrySpec, backupFileId, writeBackup } from "../../generate/backup-writer.js";
import { encodeMbFile, type MbFileFields } from "../../generate/mbfile-writer.js";
import { type Warning, WarningList } from "../../model/warning.js";
import { filePages, imagePages, type PageSource } from "../../sqlite/btree.js";
import { openSqliteImage } from "../../sqlite/open.js";
import { corpusPath } from "../../testing/corpus.js";
import { deriveKey, splitWrappedKey, unwrapClassKeys, unwrapKey } from "./crypto.js";
import { parseKeybag } from "./keybag.js";
import {
  decodeMbFile,
  FIRST_REFERENCE_KEY,
  type ManifestFile,
  MBFILE_KEYS,
  readManifestFiles,
  readManifestPages,
} from "./manifest.js";

const dir = mkdtempSync(join(tmpdir(), "spyglass-manifest-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let fileCounter = 0;
function tempFile(bytes: Uint8Array): string {
  fileCounter += 1;
  const path = join(dir, `file-${fileCounter}.bin`);
  writeFileSync(path, bytes);
  return path;
}

function encrypt(plain: Buffer, key: Buffer): Buffer {
  const cipher = createCipheriv("aes-256-cbc", key, Buffer.alloc(16));
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

function bytesOf(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let state = createHash("sha256").update(`seed-${seed}`).digest();
  for (let i = 0; i < length; i++) {
    if (i % 32 === 0 && i > 0) state = createHash("sha256").update(state).digest();
    out[i] = state[i % 32]!;
  }
  return out;
}

function sha1(text: string): string {
  return createHash("sha1").update(text, "utf8").digest("hex");
}

function mbFile(overrides: Partial<MbFileFields> = {}): Buffer {
  return encodeMbFile({
    relativePath: "x",
    mode: 0o100644,
    size: 10,
    userId: 501,
    groupId: 501,
    inode: 42,
    birth: 1_700_000_000,
    lastModified: 1_700_000_100,
    lastStatusChange: 1_700_000_200,
    protectionClass: 4,
    ...overrides,
  });
}

const MBFILE_CLASS = { $classname: "MBFile", $classes: ["MBFile", "NSObject"] };

/** A keyed archive written by hand, its root the MBFile at UID 1 of `objects`. */
function mbFileArchive(objects: PlistValue[]): Buffer {
  return writeBinaryPlist({
    $archiver: "NSKeyedArchiver",
    $version: 100000,
    $top: { root: new PlistUid(1) },
    $objects: objects,
  });
}

/** MBFile archives of shapes the generator does not write (each goes down another decoding path). */
function oddArchives(): Buffer[] {
  return [
    // 64-bit size beyond 2^53, a real time, a 16-bit class.
    writeBinaryPlist(
      buildKeyedArchive({
        $class: "MBFile",
        fields: { Mode: 0o100644, Size: 2n ** 60n, LastModified: 1_700_000_000.5, ProtectionClass: 300 },
      }),
    ),
    // Target as an NSMutableString {NS.string}; EncryptionKey's NS.data through another UID.
    writeBinaryPlist(
      buildKeyedArchive({
        $class: "MBFile",
        fields: {
          Mode: 0o120755,
          Size: 0,
          Target: { $class: "NSMutableString", fields: { "NS.string": "../shared/target" } },
        },
      }),
    ),
    mbFileArchive([
      "$null",
      { Mode: 0o100600, Size: 7, EncryptionKey: new PlistUid(3), $class: new PlistUid(2) },
      MBFILE_CLASS,
      { "NS.data": new PlistUid(4) },
      bytesOf(99, 44),
    ]),
    // EncryptionKey and Target inline (no UID), negative and 4-byte numbers.
    mbFileArchive([
      "$null",
      {
        Mode: 0o100644,
        Size: 0xffff_fffe,
        UserID: -2,
        GroupID: 70_000,
        EncryptionKey: bytesOf(7, 44),
        Target: "inline",
        $class: new PlistUid(2),
      },
      MBFILE_CLASS,
    ]),
    // Non-ASCII target (UTF-16 string object), a numeric field holding a string and one holding a date.
    writeBinaryPlist(
      buildKeyedArchive({
        $class: "MBFile",
        fields: { Mode: 0o120755, Target: "résumé/日本語 ✓", Size: "12", Birth: new Date(0) },
      }),
    ),
    // Not a keyed archive, an empty dictionary root, a truncated archive.
    writeBinaryPlist({ Mode: 1, Size: 2 }),
    writeBinaryPlist(buildKeyedArchive({ $class: "MBFile", fields: {} })),
    mbFile({ encryptionKey: bytesOf(3, 44) }).subarray(0, 60),
  ];
}

interface Fixture {
  image: Buffer;
  image1024: Buffer;
  rowCount: number;
  blobs: Buffer[];
}

/** A Manifest.db of every kind of row: a generated backup's, plus rows only a hostile or odd writer makes. */
async function buildFixture(): Promise<Fixture> {
  const domains = [
    "HomeDomain",
    "MediaDomain",
    "AppDomain-com.example.app",
    "AppDomainGroup-group.com.example.shared",
    "RootDomain",
    "WirelessDomain",
    "SysSharedContainerDomain-systemgroup.com.apple.example",
  ];
  const files: BackupEntrySpec[] = [];
  for (let i = 0; i < 200; i++) {
    const domain = domains[i % domains.length]!;
    const relativePath =
      i % 9 === 0
        ? `Documents/résumé ${i}/日本語 ✓ ${i}.txt`
        : `Library/Dir${i % 7}/Sub${i % 3}/file-${i}.dat`;
    files.push({
      domain,
      relativePath,
      data: `content of ${i}`,
      protectionClass: 1 + (i % 4),
      ...(i % 13 === 0 ? { mode: 0o600 } : {}),
      ...(i % 17 === 0 ? { uid: 0, gid: 0 } : {}),
    });
  }
  for (let i = 0; i < 20; i++)
    files.push({ domain: domains[i % 3]!, relativePath: `Folders/d${i}`, kind: "directory", mode: 0o40700 });
  for (let i = 0; i < 25; i++) {
    files.push({
      domain: "HomeDomain",
      relativePath: `Links/link-${i}`,
      kind: "symlink",
      target: i % 5 === 0 ? `/var/mobile/Média/${i}/日本` : `/private/var/db/target-${i}`,
    });
  }
  const backupDir = join(dir, "backup");
  await writeBackup(backupDir, {
    seed: "manifest-test",
    date: new Date("2024-03-01T10:00:00Z"),
    files,
    walManifest: false,
  });

  const db = new Database(readFileSync(join(backupDir, "Manifest.db")));
  const insert = db.prepare(
    "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?)",
  );
  const add = (
    fileId: unknown,
    domain: unknown,
    relativePath: unknown,
    flags: unknown,
    blob: unknown,
  ): void => {
    insert.run(fileId, domain, relativePath, flags, blob);
  };
  const good = (domain: string, relativePath: string, flags: unknown, blob: unknown): void => {
    add(backupFileId(domain, relativePath), domain, relativePath, flags, blob);
  };
  db.transaction(() => {
    // Files of an encrypted backup: EncryptionKey = u32le class + 40-byte wrapped key.
    for (let i = 0; i < 80; i++) {
      const relativePath = `Library/Secure/item-${i}.db`;
      const key = Buffer.concat([Buffer.from([1 + (i % 4), 0, 0, 0]), bytesOf(i, 40)]);
      good(
        "AppDomain-com.example.secure",
        relativePath,
        1,
        mbFile({ relativePath, size: i * 1000, encryptionKey: key, protectionClass: 1 + (i % 4) }),
      );
    }
    // Symlinks and directories written directly, flags 0 rows typed by their mode.
    good("HomeDomain", "Links/direct", 4, mbFile({ mode: 0o120755, size: 0, target: "/etc/hosts" }));
    good("HomeDomain", "Flags0/dir", 0, mbFile({ mode: 0o40755, size: 0 }));
    good("HomeDomain", "Flags0/link", 0, mbFile({ mode: 0o120755, size: 0, target: "x" }));
    good("HomeDomain", "Flags0/file", 0, mbFile({ mode: 0o100644, size: 5 }));
    good("HomeDomain", "Flags0/none", 0, null);
    good("HomeDomain", "Flags/unknown", 3, mbFile());
    good("HomeDomain", "Flags/text", "not a number", mbFile());
    good("HomeDomain", "Flags/real", 1.5, mbFile());
    good("HomeDomain", "Flags/huge", 2n ** 60n + 1n, mbFile());
    // Missing or unreadable metadata.
    good("HomeDomain", "Meta/null-file", 1, null);
    good("HomeDomain", "Meta/null-dir", 2, null);
    good("HomeDomain", "Meta/empty-blob", 1, Buffer.alloc(0));
    good("HomeDomain", "Meta/not-a-plist", 1, Buffer.from("this is not a plist"));
    good("HomeDomain", "Meta/text-in-blob-column", 1, "bplist00 as text");
    good("HomeDomain", "Meta/big-not-a-plist", 1, bytesOf(5, 12_000));
    good("HomeDomain", "Meta/long-target", 4, mbFile({ mode: 0o120755, size: 0, target: "t/".repeat(5000) }));
    oddArchives().forEach((blob, i) => {
      good("HomeDomain", `Meta/odd-${i}`, i % 2 === 0 ? 1 : 4, blob);
    });
    // fileIDs: not SHA-1(domain-relativePath), invalid, upper case, NULL, a blob, an integer.
    add(sha1("something else"), "HomeDomain", "Ids/wrong-hash", 1, mbFile());
    add("not-a-file-id", "HomeDomain", "Ids/invalid", 1, mbFile());
    add("../../etc/passwd", "HomeDomain", "Ids/traversal", 1, mbFile());
    add(backupFileId("HomeDomain", "Ids/upper").toUpperCase(), "HomeDomain", "Ids/upper", 1, mbFile());
    add(null, "HomeDomain", "Ids/null", 1, mbFile());
    add(Buffer.from(backupFileId("HomeDomain", "Ids/blob")), "HomeDomain", "Ids/blob", 1, mbFile());
    add(12345, "HomeDomain", "Ids/integer", 1, mbFile());
    // Odd domains and paths: '..', '//', '.', absolute, trailing slash, empty, NULL, non-ASCII.
    for (const relativePath of [
      "Library/../../../../etc/passwd",
      "..",
      "a/../../b",
      "Library//Preferences//com.example.plist",
      "./a/./b",
      "/absolute/path",
      "trailing/",
      "",
      "Ünïcödé/ファイル/😀.jpg",
      "with\u0000nul",
    ])
      good("KeychainDomain", relativePath, 1, mbFile({ relativePath }));
    add(backupFileId("", "Null/domain"), null, "Null/domain", 1, mbFile());
    add(
      backupFileId("ManagedPreferencesDomain", ""),
      "ManagedPreferencesDomain",
      null,
      2,
      mbFile({ mode: 0o40755 }),
    );
    good("AppDomain-com.example.ünïcode", "Library/x", 1, mbFile());
    good("UnknownDomain-thing", "x", 1, mbFile());
    // Text that is not valid UTF-8 (both readers replace it the same way).
    const bad = db.prepare(
      "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, 'HomeDomain', CAST(? AS TEXT), 1, ?)",
    );
    for (const hex of ["c3", "ff41", "eda080", "f4908080", "c0af", "e282", "41c3284142"])
      bad.run(sha1(hex), Buffer.from(hex, "hex"), mbFile());
  })();
  const image = db.serialize();
  const rowCount = db.prepare("SELECT count(*) FROM Files").pluck().get() as number;
  const blobs = (
    db.prepare("SELECT file FROM Files WHERE typeof(file) = 'blob'").pluck().all() as Buffer[]
  ).map((blob) => Buffer.from(blob));
  // The same rows (same rowids) at page_size 1024: a deeper tree and more overflow pages.
  const small = new Database(":memory:");
  small.pragma("page_size = 1024");
  for (const sql of db
    .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY rowid")
    .pluck()
    .all())
    small.exec(sql as string);
  const copy = small.prepare(
    "INSERT INTO Files (rowid, fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?, ?)",
  );
  small.transaction(() => {
    for (const row of db
      .prepare("SELECT rowid, * FROM Files ORDER BY rowid")
      .raw()
      .safeIntegers(true)
      .iterate())
      copy.run(...(row as unknown[]));
  })();
  const image1024 = small.serialize();
  small.close();
  db.close();
  return { image, image1024, rowCount, blobs };
}

let fixture: Fixture;
beforeAll(async () => {
  fixture = await buildFixture();
});

interface Read {
  files: ManifestFile[] | undefined;
  warnings: Warning[];
}

function viaSqlite(image: Buffer): Read {
  const { db } = openSqliteImage(image, { file: "Manifest.db" });
  try {
    const warnings = new WarningList();
    return { files: readManifestFiles(db, warnings), warnings: warnings.items };
  } finally {
    db.close();
  }
}

function viaPages(pages: PageSource, maxRows = 1_000_000): Read {
  try {
    const warnings = new WarningList();
    return {
      files: readManifestPages(pages, { warnings, maxRows, file: "Manifest.db" }),
      warnings: warnings.items,
    };
  } finally {
    pages.close();
  }
}

describe("readManifestPages reads what readManifestFiles reads through SQLite", () => {
  it("same files (entries, declared sizes, encryption keys) and the same warnings", () => {
    const { image, rowCount } = fixture;
    const sqlite = viaSqlite(image);
    const pages = viaPages(imagePages(image));
    expect(pages.files).toStrictEqual(sqlite.files);
    expect(pages.warnings).toStrictEqual(sqlite.warnings);

    // The fixture holds what it claims to.
    const files = sqlite.files!;
    expect(rowCount).toBeGreaterThan(400);
    expect(files.length).toBeGreaterThan(400);
    expect(files.filter((f) => f.encryptionKey !== undefined).length).toBeGreaterThanOrEqual(80);
    const kinds = new Set(files.map((f) => f.entry.kind));
    expect(kinds).toEqual(new Set(["file", "directory", "symlink"]));
    expect(files.some((f) => f.entry.linkTarget === "/var/mobile/Média/0/日本")).toBe(true);
    expect(files.some((f) => f.entry.linkTarget === "t/".repeat(5000))).toBe(true);
    const codes = new Map(sqlite.warnings.map((w) => [w.code, w.count]));
    expect(codes.get("BAD_FILE_ID")).toBeGreaterThan(0);
    expect(codes.get("UNSAFE_PATH")).toBeGreaterThanOrEqual(3);
    expect(codes.get("BAD_METADATA")).toBeGreaterThan(0);
    // Keys are detached copies, not views into a page.
    const key = files.find((f) => f.encryptionKey !== undefined)!.encryptionKey!;
    expect(Buffer.isBuffer(key)).toBe(true);
    expect(key.length).toBe(44);
  });

  it("the same at page_size 1024 (deeper tree, overflow pages)", () => {
    const { image1024 } = fixture;
    expect(image1024.readUInt16BE(16)).toBe(1024);
    const sqlite = viaSqlite(image1024);
    const pages = viaPages(imagePages(image1024));
    expect(pages.files).toStrictEqual(sqlite.files);
    expect(pages.warnings).toStrictEqual(sqlite.warnings);
    expect(pages.files).toStrictEqual(viaSqlite(fixture.image).files);
  });

  it("the same through filePages, plain and encrypted (AES-256-CBC, zero IV, PKCS#7)", () => {
    const key = bytesOf(1234, 32);
    for (const image of [fixture.image, fixture.image1024]) {
      const sqlite = viaSqlite(image);
      expect(viaPages(filePages(tempFile(image)))).toStrictEqual(sqlite);
      expect(viaPages(filePages(tempFile(encrypt(image, key)), key))).toStrictEqual(sqlite);
    }
  });

  it("throws SpyglassError BUDGET past maxRows, and reads exactly maxRows", () => {
    const { image, rowCount } = fixture;
    let caught: unknown;
    try {
      viaPages(imagePages(image), rowCount - 1);
    } catch (error) {
      caught = error;
    }
    expect(isSpyglassError(caught, "BUDGET")).toBe(true);
    expect(viaPages(imagePages(image), rowCount).files).toStrictEqual(viaSqlite(image).files);
  });

  it("returns undefined (not throws) when the Files table has another shape", () => {
    const shapes = [
      "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, file BLOB)",
      "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, path TEXT, flags INTEGER, file BLOB)",
      "CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB) WITHOUT ROWID",
      "CREATE TABLE Files (id INTEGER PRIMARY KEY, fileID TEXT, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)",
      "CREATE TABLE Files (fileID TEXT, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB, n AS (flags + 1))",
      "CREATE TABLE Other (fileID TEXT, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB)",
      "CREATE TABLE Other (x); CREATE VIEW Files AS SELECT x AS fileID, x AS domain, x AS relativePath, x AS flags, x AS file FROM Other",
    ];
    for (const sql of shapes) {
      const db = new Database(":memory:");
      db.exec(sql);
      const image = db.serialize();
      db.close();
      const warnings = new WarningList();
      expect(
        readManifestPages(imagePages(image), { warnings, maxRows: 1000, file: "Manifest.db" }),
        sql,
      ).toBeUndefined();
      expect(warnings.items).toEqual([]);
    }
  });

  it("reads a Files table whose columns are in another order, in another case, with extra columns", () => {
    const db = new Database(":memory:");
    db.exec(
      'CREATE TABLE files (extra TEXT, "FILE" BLOB, Flags INTEGER, [relativePath] TEXT, `DOMAIN` TEXT, fileid TEXT PRIMARY KEY, more)',
    );
    const insert = db.prepare(
      "INSERT INTO files (extra, FILE, Flags, relativePath, DOMAIN, fileid, more) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    for (let i = 0; i < 300; i++) {
      const relativePath = `Library/x-${i}`;
      insert.run(
        `extra ${i}`,
        mbFile({ relativePath, size: i, ...(i % 2 === 0 ? { encryptionKey: bytesOf(i, 44) } : {}) }),
        1,
        relativePath,
        "HomeDomain",
        backupFileId("HomeDomain", relativePath),
        i,
      );
    }
    const image = db.serialize();
    db.close();
    const pages = viaPages(imagePages(image));
    expect(pages.files).toHaveLength(300);
    expect(pages).toStrictEqual(viaSqlite(image));
  });
});

// --- decodeMbFile ----------------------------------------------------------------------------

const NUMBER_KEYS = MBFILE_KEYS.slice(0, FIRST_REFERENCE_KEY);

/** What the Manifest reader takes from a decoded MBFile: numbers, the key bytes, the target text. */
function effective(meta: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of NUMBER_KEYS) {
    const value = meta[key];
    out[key] = typeof value === "number" || typeof value === "bigint" ? value : undefined;
  }
  const key = meta.EncryptionKey;
  out.EncryptionKey = key instanceof Uint8Array ? Buffer.from(key).toString("hex") : undefined;
  out.Target = typeof meta.Target === "string" ? meta.Target : undefined;
  return out;
}

/** The generic decoder: the whole plist, then the whole keyed archive. */
function referenceDecode(blob: Uint8Array): Record<string, PlistValue> {
  const decoded = unarchive(parsePlist(blob, { file: "Manifest.db" }), { file: "Manifest.db" });
  if (!isPlistDict(decoded)) throw new Error("not a dictionary");
  return decoded;
}

function outcome(decode: (blob: Uint8Array) => Readonly<Record<string, unknown>>, blob: Uint8Array): unknown {
  try {
    return effective(decode(blob));
  } catch {
    return "throws";
  }
}

function expectDecodersAgree(blobs: Buffer[]): void {
  for (const blob of blobs) {
    const label = blob.subarray(0, 48).toString("hex");
    expect(outcome(decodeMbFile, blob), label).toEqual(outcome(referenceDecode, blob));
    // A Uint8Array that is not a Buffer, at an offset inside a larger buffer, reads the same.
    const padded = new Uint8Array(blob.length + 7);
    padded.set(blob, 3);
    expect(outcome(decodeMbFile, padded.subarray(3, 3 + blob.length)), label).toEqual(
      outcome(decodeMbFile, blob),
    );
  }
}

describe("decodeMbFile", () => {
  it("agrees with the generic keyed-archive decoder on every generated blob", () => {
    expect(fixture.blobs.length).toBeGreaterThan(400);
    expectDecodersAgree(fixture.blobs);
  });

  it("agrees on archives of other shapes (UIDs, NSMutableString, inline data, UTF-16, 64-bit)", () => {
    const blobs = oddArchives();
    expectDecodersAgree(blobs);
    const meta = decodeMbFile(blobs[0]!);
    expect(meta.Size).toBe(2n ** 60n);
    expect(meta.LastModified).toBe(1_700_000_000.5);
    expect(decodeMbFile(blobs[1]!).Target).toBe("../shared/target");
    expect(Buffer.from(decodeMbFile(blobs[2]!).EncryptionKey as Uint8Array)).toEqual(bytesOf(99, 44));
    expect(decodeMbFile(blobs[3]!).Size).toBe(0xffff_fffe);
    expect(decodeMbFile(blobs[4]!).Target).toBe("résumé/日本語 ✓");
  });

  it("reads every field the generator writes", () => {
    const key = bytesOf(8, 44);
    const meta = decodeMbFile(
      mbFile({
        mode: 0o100600,
        size: 123_456_789,
        userId: 0,
        groupId: 25,
        protectionClass: 3,
        encryptionKey: key,
      }),
    );
    expect(effective(meta)).toEqual({
      LastModified: 1_700_000_100,
      LastStatusChange: 1_700_000_200,
      Birth: 1_700_000_000,
      Size: 123_456_789,
      Mode: 0o100600,
      UserID: 0,
      GroupID: 25,
      ProtectionClass: 3,
      EncryptionKey: key.toString("hex"),
      Target: undefined,
    });
  });

  it("throws (the caller counts BAD_METADATA) on bytes that are not an archive", () => {
    for (const blob of [Buffer.from("this is not a plist"), Buffer.from("bplist00"), bytesOf(1, 200)])
      expect(() => decodeMbFile(blob)).toThrow();
  });

  // A Target or EncryptionKey that is UID 0 ("$null", nil in NSKeyedArchiver) is null, as the
  // generic unarchiver gives it, never the string "$null".
  it("treats a UID 0 ($null) Target as no target", () => {
    const blob = mbFileArchive([
      "$null",
      { Mode: 0o120755, Size: 0, Target: new PlistUid(0), $class: new PlistUid(2) },
      MBFILE_CLASS,
    ]);
    expect(decodeMbFile(blob).Target).toBeNull();
  });
});

// --- Corpus ----------------------------------------------------------------------------------

const plainCorpus = corpusPath("backups", "dev-ios16-plain");
const encryptedCorpus = corpusPath("backups", "dev-ios16-enc");

describe.skipIf(plainCorpus === undefined)("corpus backup dev-ios16-plain", () => {
  it("readManifestPages = readManifestFiles, and decodeMbFile agrees on every row", () => {
    // Read into memory: SQLite never opens a corpus file in place.
    const image = readFileSync(join(plainCorpus!, "Manifest.db"));
    const sqlite = viaSqlite(image);
    expect(sqlite.files!.length).toBeGreaterThan(0);
    expect(viaPages(imagePages(image))).toStrictEqual(sqlite);
    const { db } = openSqliteImage(image, { file: "Manifest.db" });
    const blobs = (
      db.prepare("SELECT file FROM Files WHERE typeof(file) = 'blob'").pluck().all() as Buffer[]
    ).map((blob) => Buffer.from(blob));
    db.close();
    expect(blobs.length).toBe(sqlite.files!.length);
    expectDecodersAgree(blobs);
  });
});

describe.skipIf(encryptedCorpus === undefined)("corpus backup dev-ios16-enc", () => {
  it("filePages with the ManifestKey reads what SQLite reads from the decrypted image", async () => {
    const manifest = parsePlistDict(readFileSync(join(encryptedCorpus!, "Manifest.plist")));
    const keybag = parseKeybag(manifest.BackupKeyBag as Uint8Array);
    const { keys } = unwrapClassKeys(await deriveKey("spyglass-test", keybag), keybag);
    const split = splitWrappedKey(manifest.ManifestKey as Uint8Array)!;
    const manifestKey = unwrapKey(keys.get(split.protectionClass)!, split.wrapped)!;
    expect(manifestKey).toHaveLength(32);
    // A copy in the temporary folder: the walker reads it in chunks, SQLite gets the decrypted buffer.
    const cipher = readFileSync(join(encryptedCorpus!, "Manifest.db"));
    const path = tempFile(cipher);
    const decipher = createDecipheriv("aes-256-cbc", manifestKey, Buffer.alloc(16));
    const plain = Buffer.concat([decipher.update(cipher), decipher.final()]);
    const sqlite = viaSqlite(plain);
    expect(sqlite.files!.filter((f) => f.encryptionKey !== undefined).length).toBeGreaterThan(0);
    expect(viaPages(filePages(path, manifestKey))).toStrictEqual(sqlite);
    expect(viaPages(imagePages(plain))).toStrictEqual(sqlite);
    const { db } = openSqliteImage(plain, { file: "Manifest.db" });
    const blobs = (
      db.prepare("SELECT file FROM Files WHERE typeof(file) = 'blob'").pluck().all() as Buffer[]
    ).map((blob) => Buffer.from(blob));
    db.close();
    expectDecodersAgree(blobs);
  });
});
