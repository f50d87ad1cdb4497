import { createDecipheriv, createHash, pbkdf2Sync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { unarchive } from "../formats/nskeyed.js";
import { isPlistDict, type PlistDict, parsePlist } from "../formats/plist.js";
import { openSqliteImage } from "../sqlite/open.js";
import { corpusPath } from "../testing/corpus.js";
import { type BackupEntrySpec, type BackupWritten, backupFileId, writeBackup } from "./backup-writer.js";
import { createRandomSource } from "./random-source.js";

const PASSWORD = "correct horse";
const DATE = new Date("2024-03-01T10:00:00Z");
const KW_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "spyglass-backup-writer-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function pattern(size: number, salt: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 1) out[i] = (i * 31 + salt) & 0xff;
  return out;
}

/** The plaintext each regular file of `sampleFiles` must decrypt to, keyed "domain-relativePath". */
function sampleFiles(diskFile: string): { entries: BackupEntrySpec[]; expected: Map<string, Buffer> } {
  const big = pattern(3 * 1024 * 1024 + 5, 7);
  writeFileSync(diskFile, pattern(200_000, 3));
  const entries: BackupEntrySpec[] = [
    {
      domain: "HomeDomain",
      relativePath: "Library/SMS/sms.db",
      data: pattern(126_976, 1),
      protectionClass: 4,
    },
    {
      domain: "AppDomain-com.example.notes",
      relativePath: "Documents/Notizen – Übersicht.txt",
      data: "Grüße",
    },
    {
      domain: "AppDomain-com.example.notes",
      relativePath: "Documents/zero-length.txt",
      data: Buffer.alloc(0),
    },
    {
      domain: "AppDomain-com.example.notes",
      relativePath: "Library/Caches/aligned-48.bin",
      data: () => pattern(48, 9),
      protectionClass: 1,
    },
    {
      domain: "CameraRollDomain",
      relativePath: "Media/DCIM/100APPLE/IMG_0001.MOV",
      // Odd chunk sizes exercise the streaming cipher across block boundaries.
      data: {
        chunks: function* () {
          for (let offset = 0; offset < big.length; offset += 99_991)
            yield big.subarray(offset, offset + 99_991);
        },
      },
      protectionClass: 3,
      modified: 1_700_000_000,
    },
    { domain: "MediaDomain", relativePath: "Library/disk.bin", data: { path: diskFile }, protectionClass: 2 },
    { domain: "HomeDomain", relativePath: "Library/Partial/missing.db", data: pattern(1000, 2) },
    { domain: "HomeDomain", relativePath: "Library/Empty", kind: "directory", mode: 0o40700 },
    {
      domain: "DatabaseDomain",
      relativePath: "timezone/localtime",
      kind: "symlink",
      target: "/var/db/timezone/zoneinfo/Europe/Berlin",
    },
  ];
  const expected = new Map<string, Buffer>([
    ["HomeDomain-Library/SMS/sms.db", pattern(126_976, 1)],
    ["AppDomain-com.example.notes-Documents/Notizen – Übersicht.txt", Buffer.from("Grüße", "utf8")],
    ["AppDomain-com.example.notes-Documents/zero-length.txt", Buffer.alloc(0)],
    ["AppDomain-com.example.notes-Library/Caches/aligned-48.bin", pattern(48, 9)],
    ["CameraRollDomain-Media/DCIM/100APPLE/IMG_0001.MOV", big],
    ["MediaDomain-Library/disk.bin", pattern(200_000, 3)],
    ["HomeDomain-Library/Partial/missing.db", pattern(1000, 2)],
  ]);
  return { entries, expected };
}

function readPlist(dir: string, name: string): PlistDict {
  const value = parsePlist(readFileSync(join(dir, name)));
  if (!isPlistDict(value)) throw new Error(`${name} is not a dictionary`);
  return value;
}

function parseTlv(bytes: Uint8Array): Array<{ tag: string; value: Buffer }> {
  const buffer = Buffer.from(bytes);
  const out: Array<{ tag: string; value: Buffer }> = [];
  let offset = 0;
  while (offset + 8 <= buffer.length) {
    const length = buffer.readUInt32BE(offset + 4);
    out.push({
      tag: buffer.toString("latin1", offset, offset + 4),
      value: buffer.subarray(offset + 8, offset + 8 + length),
    });
    offset += 8 + length;
  }
  expect(offset).toBe(buffer.length);
  return out;
}

function unwrap(kek: Buffer, wrapped: Uint8Array): Buffer {
  const decipher = createDecipheriv("id-aes256-wrap", kek, KW_IV);
  return Buffer.concat([decipher.update(wrapped), decipher.final()]);
}

function decryptCbc(key: Buffer, data: Buffer): Buffer {
  const decipher = createDecipheriv("aes-256-cbc", key, Buffer.alloc(16));
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

interface Unlocked {
  kek: Buffer;
  classKeys: Map<number, Buffer>;
  keybag: Array<{ tag: string; value: Buffer }>;
}

/** Derives the KEK from the keybag and unwraps every class key, with node:crypto only. */
function unlockKeybag(manifest: PlistDict, password: string): Unlocked {
  const keybag = parseTlv(manifest.BackupKeyBag as Uint8Array);
  const field = (tag: string): Buffer | undefined => keybag.find((r) => r.tag === tag)?.value;
  const salt = field("SALT")!;
  const iter = field("ITER")!.readUInt32BE(0);
  const dpsl = field("DPSL");
  const dpic = field("DPIC")?.readUInt32BE(0);
  const first =
    dpsl === undefined || dpic === undefined
      ? Buffer.from(password)
      : pbkdf2Sync(password, dpsl, dpic, 32, "sha256");
  const kek = pbkdf2Sync(first, salt, iter, 32, "sha1");
  const classKeys = new Map<number, Buffer>();
  let current: number | undefined;
  for (const record of keybag) {
    if (record.tag === "CLAS") current = record.value.readUInt32BE(0);
    if (record.tag === "WPKY" && current !== undefined) classKeys.set(current, unwrap(kek, record.value));
  }
  return { kek, classKeys, keybag };
}

function manifestRows(
  image: Buffer,
): Array<{ fileID: string; domain: string; relativePath: string; flags: number; file: Buffer }> {
  const { db } = openSqliteImage(image);
  try {
    return db
      .prepare("SELECT fileID, domain, relativePath, flags, file FROM Files ORDER BY rowid")
      .all() as Array<{
      fileID: string;
      domain: string;
      relativePath: string;
      flags: number;
      file: Buffer;
    }>;
  } finally {
    db.close();
  }
}

function mbFile(blob: Buffer): PlistDict {
  const value = unarchive(parsePlist(blob));
  if (!isPlistDict(value)) throw new Error("MBFile is not a dictionary");
  return value;
}

function sortedKeys(dict: PlistDict): string[] {
  return Object.keys(dict).sort();
}

describe("writeBackup, plain", () => {
  let dir: string;
  let result: BackupWritten;
  let expected: Map<string, Buffer>;

  beforeAll(async () => {
    dir = join(root, "plain");
    const sample = sampleFiles(join(root, "plain-disk.bin"));
    expected = sample.expected;
    result = await writeBackup(dir, {
      date: DATE,
      device: { name: "Test iPhone", imei: "42" },
      files: sample.entries,
      applications: { "com.example.notes": { iTunesMetadata: { itemName: "Notes" } } },
      omitPayloads: ["Library/Partial/missing.db"],
    });
  });

  it("indexes every entry and the parent folders it implies", () => {
    const db = readFileSync(join(dir, "Manifest.db"));
    expect(db.subarray(0, 16).toString("latin1")).toBe("SQLite format 3\0");
    expect([db[18], db[19]]).toEqual([2, 2]);
    expect(createHash("sha256").update(db).digest("hex")).toBe(result.manifestDbPlainSha256);
    const rows = manifestRows(db);
    expect(rows.length).toBe(result.rowCount);
    for (const row of rows) {
      expect(row.fileID).toBe(backupFileId(row.domain, row.relativePath));
      expect(result.fileIds[`${row.domain}-${row.relativePath}`]).toBe(row.fileID);
    }
    const byKey = new Map(rows.map((row) => [`${row.domain}-${row.relativePath}`, row]));
    expect(byKey.get("HomeDomain-Library/SMS/sms.db")?.fileID).toBe(
      "3d0d7e5fb2ce288813306e4d4636395e047a3d28",
    );
    for (const folder of [
      "HomeDomain-",
      "HomeDomain-Library",
      "HomeDomain-Library/SMS",
      "CameraRollDomain-Media/DCIM",
    ])
      expect(byKey.get(folder)?.flags).toBe(2);
    expect(byKey.get("DatabaseDomain-timezone/localtime")?.flags).toBe(4);
    expect(byKey.get("AppDomain-com.example.notes-Documents/zero-length.txt")?.flags).toBe(1);
    expect(rows.filter((row) => row.flags === 1).length).toBe(expected.size);
  });

  it("writes MBFile blobs with the metadata of real backups", () => {
    const rows = manifestRows(readFileSync(join(dir, "Manifest.db")));
    const byKey = new Map(rows.map((row) => [`${row.domain}-${row.relativePath}`, mbFile(row.file)]));
    const movie = byKey.get("CameraRollDomain-Media/DCIM/100APPLE/IMG_0001.MOV")!;
    expect(movie).toMatchObject({
      $class: "MBFile",
      RelativePath: "Media/DCIM/100APPLE/IMG_0001.MOV",
      Size: 3 * 1024 * 1024 + 5,
      Mode: 0o100644,
      ProtectionClass: 3,
      LastModified: 1_700_000_000,
      LastStatusChange: 1_700_000_000,
      Birth: DATE.getTime() / 1000,
      UserID: 501,
      GroupID: 501,
      Flags: 0,
    });
    expect(movie.EncryptionKey).toBeUndefined();
    expect(byKey.get("HomeDomain-")).toMatchObject({
      Mode: 0o40711,
      ProtectionClass: 0,
      Size: 0,
      RelativePath: "",
    });
    expect(byKey.get("CameraRollDomain-")).toMatchObject({ Mode: 0o40755, ProtectionClass: 0 });
    expect(byKey.get("HomeDomain-Library/Empty")).toMatchObject({ Mode: 0o40700, ProtectionClass: 4 });
    expect(byKey.get("DatabaseDomain-timezone/localtime")).toMatchObject({
      Mode: 0o120755,
      Target: "/var/db/timezone/zoneinfo/Europe/Berlin",
      UserID: 0,
    });
    expect(byKey.get("HomeDomain-Library/Partial/missing.db")).toMatchObject({ Size: 1000 });
  });

  it("stores payloads at <fileID[0:2]>/<fileID>, leaving out the omitted ones", () => {
    for (const [key, plain] of expected) {
      const fileId = result.fileIds[key]!;
      const path = join(dir, fileId.slice(0, 2), fileId);
      if (key === "HomeDomain-Library/Partial/missing.db") {
        expect(existsSync(path)).toBe(false);
        expect(result.files.find((f) => f.fileId === fileId)?.present).toBe(false);
        continue;
      }
      expect(readFileSync(path).equals(plain), key).toBe(true);
      expect(result.files.find((f) => f.fileId === fileId)?.sha256).toBe(
        createHash("sha256").update(plain).digest("hex"),
      );
    }
  });

  it("writes the host plists", () => {
    const info = readPlist(dir, "Info.plist");
    expect(info).toMatchObject({
      "Device Name": "Test iPhone",
      IMEI: "42",
      "Installed Applications": ["com.example.notes"],
      "Last Backup Date": DATE,
    });
    const app = (info.Applications as PlistDict)["com.example.notes"] as PlistDict;
    expect(parsePlist(app.iTunesMetadata as Uint8Array)).toEqual({ itemName: "Notes" });
    const manifest = readPlist(dir, "Manifest.plist");
    expect(manifest).toMatchObject({ IsEncrypted: false, Version: "10.0", Date: DATE });
    expect(manifest.BackupKeyBag).toBeUndefined();
    expect(manifest.ManifestKey).toBeUndefined();
    expect(readPlist(dir, "Status.plist")).toMatchObject({ SnapshotState: "finished", Version: "3.3" });
  });

  it("has the structure of the reference plain backup", () => {
    const reference = corpusPath("backups", "dev-ios16-plain");
    if (reference === undefined) return;
    for (const name of ["Info.plist", "Manifest.plist", "Status.plist"])
      expect(sortedKeys(readPlist(dir, name)), name).toEqual(sortedKeys(readPlist(reference, name)));
    expect(sortedKeys(readPlist(dir, "Manifest.plist").Lockdown as PlistDict)).toEqual(
      sortedKeys(readPlist(reference, "Manifest.plist").Lockdown as PlistDict),
    );
    const schema = (image: Buffer): unknown => {
      const { db } = openSqliteImage(image);
      try {
        return db.prepare("SELECT type, name, sql FROM sqlite_master ORDER BY name").all();
      } finally {
        db.close();
      }
    };
    const referenceDb = readFileSync(join(reference, "Manifest.db"));
    expect(schema(readFileSync(join(dir, "Manifest.db")))).toEqual(schema(referenceDb));
    // The same MBFile fields for each kind of row.
    const kinds = (rows: ReturnType<typeof manifestRows>): Map<number, string[]> =>
      new Map(rows.map((row) => [row.flags, sortedKeys(mbFile(row.file))]));
    expect(kinds(manifestRows(readFileSync(join(dir, "Manifest.db"))))).toEqual(
      kinds(manifestRows(referenceDb)),
    );
  });
});

describe("writeBackup, encrypted", () => {
  let dir: string;
  let result: BackupWritten;
  let expected: Map<string, Buffer>;

  beforeAll(async () => {
    dir = join(root, "encrypted");
    const sample = sampleFiles(join(root, "encrypted-disk.bin"));
    expected = sample.expected;
    result = await writeBackup(dir, {
      date: DATE,
      encryption: { password: PASSWORD, dpic: 1000, iter: 100 },
      files: sample.entries,
    });
  });

  it("writes a keybag whose class keys the password unwraps", () => {
    const manifest = readPlist(dir, "Manifest.plist");
    expect(manifest.IsEncrypted).toBe(true);
    const { kek, classKeys, keybag } = unlockKeybag(manifest, PASSWORD);
    expect(kek.toString("hex")).toBe(result.derivedKeyHex);
    expect([...classKeys.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    for (const key of classKeys.values()) expect(key.length).toBe(32);
    const int = (tag: string): number | undefined => keybag.find((r) => r.tag === tag)?.value.readUInt32BE(0);
    expect([int("VERS"), int("TYPE"), int("WRAP"), int("ITER"), int("DPWT"), int("DPIC")]).toEqual([
      5, 1, 0, 100, 1, 1000,
    ]);
  });

  it("fails the key unwrap with a wrong password", () => {
    expect(() => unlockKeybag(readPlist(dir, "Manifest.plist"), "wrong password")).toThrow();
  });

  it("encrypts Manifest.db under the ManifestKey (class 3, full PKCS#7 block)", () => {
    const manifest = readPlist(dir, "Manifest.plist");
    const { classKeys } = unlockKeybag(manifest, PASSWORD);
    const manifestKey = Buffer.from(manifest.ManifestKey as Uint8Array);
    expect(manifestKey.length).toBe(44);
    expect(manifestKey.readUInt32LE(0)).toBe(3);
    const cipherText = readFileSync(join(dir, "Manifest.db"));
    expect(cipherText.subarray(0, 16).toString("latin1")).not.toBe("SQLite format 3\0");
    const plain = decryptCbc(unwrap(classKeys.get(3)!, manifestKey.subarray(4)), cipherText);
    expect(cipherText.length).toBe(plain.length + 16);
    expect(createHash("sha256").update(plain).digest("hex")).toBe(result.manifestDbPlainSha256);
    expect([plain[18], plain[19]]).toEqual([2, 2]);
    expect(manifestRows(plain).length).toBe(result.rowCount);
  });

  it("encrypts every payload under its own wrapped key", () => {
    const manifest = readPlist(dir, "Manifest.plist");
    const { classKeys } = unlockKeybag(manifest, PASSWORD);
    const key = Buffer.from(manifest.ManifestKey as Uint8Array);
    const plainDb = decryptCbc(
      unwrap(classKeys.get(3)!, key.subarray(4)),
      readFileSync(join(dir, "Manifest.db")),
    );
    let checked = 0;
    for (const row of manifestRows(plainDb)) {
      const file = mbFile(row.file);
      if (row.flags !== 1) {
        expect(file.EncryptionKey).toBeUndefined();
        continue;
      }
      const encryptionKey = Buffer.from(file.EncryptionKey as Uint8Array);
      expect(encryptionKey.length).toBe(44);
      expect(encryptionKey.readUInt32LE(0)).toBe(file.ProtectionClass);
      const plain = expected.get(`${row.domain}-${row.relativePath}`)!;
      expect(file.Size).toBe(plain.length);
      const path = join(dir, row.fileID.slice(0, 2), row.fileID);
      const cipherText = readFileSync(path);
      expect(cipherText.length).toBe((Math.floor(plain.length / 16) + 1) * 16);
      const fileKey = unwrap(classKeys.get(file.ProtectionClass as number)!, encryptionKey.subarray(4));
      expect(decryptCbc(fileKey, cipherText).equals(plain), row.relativePath).toBe(true);
      checked += 1;
    }
    expect(checked).toBe(expected.size);
  });

  it("has the structure of the reference encrypted backup", () => {
    const reference = corpusPath("backups", "dev-ios16-enc");
    if (reference === undefined) return;
    for (const name of ["Info.plist", "Manifest.plist", "Status.plist"])
      expect(sortedKeys(readPlist(dir, name)), name).toEqual(sortedKeys(readPlist(reference, name)));
    const tags = (dirPath: string): string[] =>
      parseTlv(readPlist(dirPath, "Manifest.plist").BackupKeyBag as Uint8Array).map((r) => r.tag);
    expect(tags(dir)).toEqual(tags(reference));
    const wraps = (dirPath: string): number[] =>
      parseTlv(readPlist(dirPath, "Manifest.plist").BackupKeyBag as Uint8Array)
        .filter((r) => r.tag === "WRAP")
        .map((r) => r.value.readUInt32BE(0));
    expect(wraps(dir)).toEqual(wraps(reference));
    // The reference backup decrypts with its documented password through the same independent checks.
    const referenceManifest = readPlist(reference, "Manifest.plist");
    const { classKeys } = unlockKeybag(referenceManifest, "spyglass-test");
    const key = Buffer.from(referenceManifest.ManifestKey as Uint8Array);
    const referenceDb = decryptCbc(
      unwrap(classKeys.get(3)!, key.subarray(4)),
      readFileSync(join(reference, "Manifest.db")),
    );
    const ours = decryptCbc(
      unwrap(
        unlockKeybag(readPlist(dir, "Manifest.plist"), PASSWORD).classKeys.get(3)!,
        Buffer.from(readPlist(dir, "Manifest.plist").ManifestKey as Uint8Array).subarray(4),
      ),
      readFileSync(join(dir, "Manifest.db")),
    );
    const kinds = (image: Buffer): Map<number, string[]> =>
      new Map(manifestRows(image).map((row) => [row.flags, sortedKeys(mbFile(row.file))]));
    expect(kinds(ours)).toEqual(kinds(referenceDb));
  });
});

describe("writeBackup, options", () => {
  it("writes the iOS < 10.2 keybag (VERS 3, one SHA-1 round) with oldStyle", async () => {
    const dir = join(root, "old-style");
    const result = await writeBackup(dir, {
      date: DATE,
      encryption: { password: PASSWORD, iter: 50, oldStyle: true },
      files: [{ domain: "HomeDomain", relativePath: "Library/a.txt", data: "a" }],
    });
    const manifest = readPlist(dir, "Manifest.plist");
    const { kek, classKeys, keybag } = unlockKeybag(manifest, PASSWORD);
    expect(kek.toString("hex")).toBe(
      pbkdf2Sync(PASSWORD, keybag.find((r) => r.tag === "SALT")!.value, 50, 32, "sha1").toString("hex"),
    );
    expect(kek.toString("hex")).toBe(result.derivedKeyHex);
    expect(keybag.find((r) => r.tag === "VERS")!.value.readUInt32BE(0)).toBe(3);
    expect(keybag.some((r) => r.tag === "DPSL" || r.tag === "DPIC" || r.tag === "DPWT")).toBe(false);
    expect(classKeys.size).toBe(11);
  });

  it("leaves Manifest.db plain when asked (iOS < 10.2) while still encrypting payloads", async () => {
    const dir = join(root, "plain-manifest");
    await writeBackup(dir, {
      date: DATE,
      encryption: { password: PASSWORD, iter: 50, oldStyle: true, encryptManifest: false },
      files: [{ domain: "HomeDomain", relativePath: "Library/a.txt", data: "secret" }],
    });
    const manifest = readPlist(dir, "Manifest.plist");
    expect(manifest.IsEncrypted).toBe(true);
    expect(manifest.ManifestKey).toBeUndefined();
    const { classKeys } = unlockKeybag(manifest, PASSWORD);
    const row = manifestRows(readFileSync(join(dir, "Manifest.db"))).find((r) => r.flags === 1)!;
    const file = mbFile(row.file);
    const fileKey = unwrap(classKeys.get(4)!, (file.EncryptionKey as Uint8Array).subarray(4));
    const payload = readFileSync(join(dir, row.fileID.slice(0, 2), row.fileID));
    expect(payload.toString("utf8")).not.toContain("secret");
    expect(decryptCbc(fileKey, payload).toString("utf8")).toBe("secret");
  });

  it("writes Info.plist as XML on request, with the same content", async () => {
    const spec = {
      date: DATE,
      seed: "xml",
      files: [],
      applications: { "com.example.a": { iTunesMetadata: { a: 1 } } },
    };
    await writeBackup(join(root, "info-binary"), spec);
    await writeBackup(join(root, "info-xml"), { ...spec, infoPlistFormat: "xml" });
    const xml = readFileSync(join(root, "info-xml", "Info.plist"));
    expect(xml.subarray(0, 5).toString("latin1")).toBe("<?xml");
    expect(readPlist(join(root, "info-xml"), "Info.plist")).toEqual(
      readPlist(join(root, "info-binary"), "Info.plist"),
    );
  });

  it("is reproducible with a seed", async () => {
    const spec = {
      date: DATE,
      seed: "fixture",
      encryption: { password: PASSWORD, dpic: 10, iter: 10 },
      files: [{ domain: "HomeDomain", relativePath: "Library/a.txt", data: "a" }],
    };
    const first = await writeBackup(join(root, "seed-1"), spec);
    const second = await writeBackup(join(root, "seed-2"), spec);
    expect(second.derivedKeyHex).toBe(first.derivedKeyHex);
    for (const name of ["Manifest.plist", "Manifest.db", "Info.plist", "Status.plist"])
      expect(
        readFileSync(join(root, "seed-2", name)).equals(readFileSync(join(root, "seed-1", name))),
        name,
      ).toBe(true);
  });

  it("can leave Manifest.db in rollback-journal mode", async () => {
    const dir = join(root, "no-wal");
    await writeBackup(dir, { date: DATE, walManifest: false, files: [] });
    const db = readFileSync(join(dir, "Manifest.db"));
    expect([db[18], db[19]]).toEqual([1, 1]);
    expect(statSync(join(dir, "Status.plist")).size).toBeGreaterThan(0);
  });

  it("refuses duplicate entries, files used as folders, and a folder that already holds a backup", async () => {
    const rejects = async (promise: Promise<unknown>, code: string): Promise<void> => {
      const error = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isSpyglassError(error) ? error.code : error).toBe(code);
    };
    const file = { domain: "HomeDomain", relativePath: "Library/a.txt", data: "a" };
    await rejects(writeBackup(join(root, "dup"), { files: [file, file] }), "USAGE");
    await rejects(
      writeBackup(join(root, "parent"), { files: [file, { ...file, relativePath: "Library/a.txt/b" }] }),
      "USAGE",
    );
    await rejects(writeBackup(join(root, "root-file"), { files: [{ ...file, relativePath: "" }] }), "USAGE");
    await writeBackup(join(root, "again"), { files: [file] });
    await rejects(writeBackup(join(root, "again"), { files: [file] }), "OUTPUT_EXISTS");
  });
});

describe("writeBackup, reference twin", () => {
  it("re-creates the rows, payloads and device facts of the reference plain backup", async () => {
    const reference = corpusPath("backups", "dev-ios16-plain");
    if (reference === undefined) return;
    const referenceRows = manifestRows(readFileSync(join(reference, "Manifest.db")));
    const entries: BackupEntrySpec[] = referenceRows.map((row) => {
      const file = mbFile(row.file);
      const common = {
        domain: row.domain,
        relativePath: row.relativePath,
        mode: file.Mode as number,
        uid: file.UserID as number,
        gid: file.GroupID as number,
        inode: file.InodeNumber as number,
        birth: file.Birth as number,
        modified: file.LastModified as number,
        changed: file.LastStatusChange as number,
        protectionClass: file.ProtectionClass as number,
      };
      if (row.flags === 2) return { ...common, kind: "directory" };
      if (row.flags === 4) return { ...common, kind: "symlink", target: file.Target as string };
      return { ...common, data: { path: join(reference, row.fileID.slice(0, 2), row.fileID) } };
    });
    const info = readPlist(reference, "Info.plist");
    const dir = join(root, "twin");
    await writeBackup(dir, {
      date: info["Last Backup Date"] as Date,
      device: {
        name: info["Device Name"] as string,
        productType: info["Product Type"] as string,
        productName: info["Product Name"] as string,
        productVersion: info["Product Version"] as string,
        buildVersion: info["Build Version"] as string,
        udid: info["Target Identifier"] as string,
        serialNumber: info["Serial Number"] as string,
        imei: info.IMEI as string,
        iccid: info.ICCID as string,
        phoneNumber: info["Phone Number"] as string,
      },
      applications: { "com.example.notes": {} },
      files: entries,
    });
    const decoded = (rows: ReturnType<typeof manifestRows>): unknown[] =>
      rows.map((row) => ({ ...row, file: mbFile(row.file) }));
    const ourRows = manifestRows(readFileSync(join(dir, "Manifest.db")));
    expect(decoded(ourRows)).toEqual(decoded(referenceRows));
    for (const row of ourRows.filter((r) => r.flags === 1)) {
      const path = join(row.fileID.slice(0, 2), row.fileID);
      expect(readFileSync(join(dir, path)).equals(readFileSync(join(reference, path))), path).toBe(true);
    }
    const withoutGuid = (dict: PlistDict): PlistDict => ({ ...dict, GUID: "" });
    expect(withoutGuid(readPlist(dir, "Info.plist"))).toEqual(withoutGuid(info));
    expect(readPlist(dir, "Manifest.plist")).toEqual(readPlist(reference, "Manifest.plist"));
    const withoutUuid = (dict: PlistDict): PlistDict => ({ ...dict, UUID: "" });
    expect(withoutUuid(readPlist(dir, "Status.plist"))).toEqual(
      withoutUuid(readPlist(reference, "Status.plist")),
    );
  });
});

describe("writeBackup, random sizes and chunkings", () => {
  it("encrypts payloads of every size class to ciphertexts that decrypt back exactly", async () => {
    const random = createRandomSource("sizes");
    const entries: BackupEntrySpec[] = [];
    const expected = new Map<string, Buffer>();
    for (let i = 0; i < 40; i += 1) {
      const size = i < 20 ? i * 8 : random(2).readUInt16BE(0) * (i % 3 === 0 ? 16 : 1);
      const plain = random(size);
      const cut = 1 + (random(1)[0]! % 17);
      const relativePath = `Library/f${i}.bin`;
      expected.set(relativePath, plain);
      entries.push({
        domain: "HomeDomain",
        relativePath,
        protectionClass: 1 + (i % 4),
        data: {
          chunks: function* () {
            for (let offset = 0; offset < plain.length; offset += cut)
              yield plain.subarray(offset, offset + cut);
          },
        },
      });
    }
    const dir = join(root, "sizes");
    await writeBackup(dir, {
      date: DATE,
      encryption: { password: PASSWORD, dpic: 10, iter: 10 },
      files: entries,
    });
    const manifest = readPlist(dir, "Manifest.plist");
    const { classKeys } = unlockKeybag(manifest, PASSWORD);
    const key = Buffer.from(manifest.ManifestKey as Uint8Array);
    const db = decryptCbc(unwrap(classKeys.get(3)!, key.subarray(4)), readFileSync(join(dir, "Manifest.db")));
    let checked = 0;
    for (const row of manifestRows(db).filter((r) => r.flags === 1)) {
      const file = mbFile(row.file);
      const fileKey = unwrap(
        classKeys.get(file.ProtectionClass as number)!,
        (file.EncryptionKey as Uint8Array).subarray(4),
      );
      const plain = decryptCbc(fileKey, readFileSync(join(dir, row.fileID.slice(0, 2), row.fileID)));
      expect(plain.equals(expected.get(row.relativePath)!), row.relativePath).toBe(true);
      expect(file.Size).toBe(plain.length);
      checked += 1;
    }
    expect(checked).toBe(40);
  });
});
