import { execFileSync } from "node:child_process";
import { promises as fs, promises } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isSpyglassError, type SpyglassError } from "../../errors.js";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import { buildKeyedArchive } from "../../formats/nskeyed-writer.js";
import { parsePlistDict } from "../../formats/plist.js";
import { type BackupSpec, backupFileId, writeBackup } from "../../generate/backup-writer.js";
import { openSqliteImage } from "../../sqlite/open.js";
import { snapshotTree } from "../../testing/tree-snapshot.js";
import { openIosBackup } from "./backup.js";

const made: string[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const dir of made.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

const AS_ROOT = process.getuid?.() === 0;
if (AS_ROOT)
  console.warn(
    "backup.test.ts: running as root, so the chmod 000 cases are skipped (permission failures are injected instead)",
  );

/** An errno error as node:fs throws it. */
function errno(code: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: operation not permitted, '${path}'`), { code, path });
}

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(join(tmpdir(), "spyglass-backup-"));
  made.push(dir);
  return dir;
}

const SMS_SQL = Buffer.from("not really sqlite, but a payload");
function spec(extra: Partial<BackupSpec> = {}): BackupSpec {
  return {
    seed: "reader-test",
    date: new Date("2024-03-01T10:00:00Z"),
    device: {
      name: "Test iPhone",
      productType: "iPhone14,5",
      productVersion: "17.4",
      buildVersion: "21E219",
      udid: "00008110-001A2C3E4F5A6B7C",
    },
    files: [
      {
        domain: "HomeDomain",
        relativePath: "Library/SMS/sms.db",
        data: SMS_SQL,
        protectionClass: 4,
        birth: 1_700_000_000,
        modified: 1_700_000_100,
        changed: 1_700_000_200,
      },
      {
        domain: "WirelessDomain",
        relativePath: "Library/Databases/DataUsage.sqlite",
        data: Buffer.alloc(4096, 7),
        protectionClass: 4,
      },
      {
        domain: "AppDomain-net.whatsapp.WhatsApp",
        relativePath: "Documents/a.txt",
        data: "hello",
        protectionClass: 2,
      },
      {
        domain: "AppDomainGroup-group.net.whatsapp.WhatsApp.shared",
        relativePath: "ChatStorage.sqlite",
        data: "x".repeat(48),
        protectionClass: 3,
      },
      {
        domain: "RootDomain",
        relativePath: "Library/Preferences/com.apple.ImageIO.plist",
        data: writeBinaryPlist({ a: 1 }),
        protectionClass: 1,
      },
      {
        domain: "DatabaseDomain",
        relativePath: "timezone/localtime",
        kind: "symlink",
        target: "/var/db/timezone/zoneinfo/UTC",
      },
    ],
    ...extra,
  };
}

async function rewriteManifestRow(dir: string, fileId: string, blob: Buffer): Promise<void> {
  const path = join(dir, "Manifest.db");
  const bytes = await fs.readFile(path);
  // The generated index is in WAL mode like real ones; an in-memory copy needs rollback mode.
  bytes[18] = 1;
  bytes[19] = 1;
  const db = new Database(bytes);
  db.prepare("UPDATE Files SET file = ? WHERE fileID = ?").run(blob, fileId);
  const image = db.serialize();
  db.close();
  await fs.writeFile(path, image);
}

describe("plain backups written by our generator", () => {
  it("lists entries with device paths, metadata and counts, and reads payloads", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    const before = await snapshotTree(dir);
    const backup = await openIosBackup(dir);
    expect(backup.encrypted).toBe(false);
    expect(backup.device).toMatchObject({
      name: "Test iPhone",
      productType: "iPhone14,5",
      productVersion: "17.4",
      buildVersion: "21E219",
    });
    const sms = backup.get("/private/var/mobile/Library/SMS/sms.db")!;
    expect(sms).toMatchObject({
      kind: "file",
      size: SMS_SQL.length,
      birthAt: "2023-11-14T22:13:20.000Z",
      modifiedAt: "2023-11-14T22:15:00.000Z",
      changedAt: "2023-11-14T22:16:40.000Z",
      present: true,
      origin: "HomeDomain::Library/SMS/sms.db",
    });
    expect((await backup.read(sms)).equals(SMS_SQL)).toBe(true);
    expect(
      backup.get("/private/var/mobile/Containers/Data/Application/net.whatsapp.WhatsApp/Documents/a.txt")
        ?.present,
    ).toBe(true);
    expect(backup.glob("/private/var/mobile/Containers/Shared/AppGroup/*/ChatStorage.sqlite")).toHaveLength(
      1,
    );
    expect(backup.counts.files).toBe(5);
    expect(backup.counts.symlinks).toBe(1);
    expect(backup.counts.directories).toBeGreaterThan(5);
    expect(backup.warnings).toEqual([]);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("reads an index the page reader does not take (UTF-16) through SQLite, and says so", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    const expected = (await openIosBackup(dir)).files.map((f) => [f.entry.path, f.entry.modifiedAt]);
    const path = join(dir, "Manifest.db");
    const bytes = await fs.readFile(path);
    bytes[18] = 1;
    bytes[19] = 1;
    const original = new Database(bytes);
    const { sql } = original.prepare("SELECT sql FROM sqlite_master WHERE name = 'Files'").get() as {
      sql: string;
    };
    const rows = original.prepare("SELECT fileID, domain, relativePath, flags, file FROM Files").raw().all();
    original.close();
    const utf16 = new Database(":memory:");
    utf16.pragma("encoding = 'UTF-16le'");
    utf16.exec(sql);
    const insert = utf16.prepare(
      "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?)",
    );
    for (const row of rows) insert.run(...(row as unknown[]));
    await fs.writeFile(path, utf16.serialize());
    utf16.close();

    const backup = await openIosBackup(dir);
    expect(backup.files.map((f) => [f.entry.path, f.entry.modifiedAt])).toEqual(expected);
    expect(backup.warnings).toEqual([
      expect.objectContaining({
        code: "OTHER",
        message: "Manifest.db was read through SQLite; the page reader stopped: text encoding is not UTF-8",
      }),
    ]);
    // A feature the page reader does not read is not corruption: no important warning.
    expect(backup.warnings.some((w) => w.important === true)).toBe(false);
  });

  it("accepts the parent folder of exactly one backup and lists what it found otherwise", async () => {
    const parent = await tempDir();
    await writeBackup(join(parent, "00008110-001A2C3E4F5A6B7C"), spec());
    expect((await openIosBackup(parent)).counts.files).toBe(5);
    const empty = await tempDir();
    await fs.writeFile(join(empty, "notes.txt"), "x");
    await expect(openIosBackup(empty)).rejects.toThrow(/no Manifest.plist .*found: notes.txt/);
  });

  it("counts missing payloads of a partial backup and keeps going", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ omitPayloads: ["Library/Databases/DataUsage.sqlite"] }));
    const backup = await openIosBackup(dir);
    expect(backup.counts.missingPayloads).toBe(1);
    expect(backup.get("/private/var/wireless/Library/Databases/DataUsage.sqlite")?.present).toBe(false);
    expect(backup.warnings.map((w) => w.code)).toEqual(["MISSING_PAYLOAD"]);
  });

  it("warns when the snapshot is not finished", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ snapshotState: "uploading" }));
    expect((await openIosBackup(dir)).warnings.map((w) => w.code)).toContain("UNFINISHED_BACKUP");
  });
});

describe("encrypted backups written by our generator", () => {
  const encryption = { password: "correct horse", dpic: 1000, iter: 100 };

  it("decrypts Manifest.db and payloads in memory with the password or the derived key", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec({ encryption }));
    const before = await snapshotTree(dir);
    const backup = await openIosBackup(dir, { password: () => encryption.password });
    expect(backup.encrypted).toBe(true);
    expect(backup.derivedKey?.toString("hex")).toBe(written.derivedKeyHex);
    expect((await backup.read(backup.get("/private/var/mobile/Library/SMS/sms.db")!)).equals(SMS_SQL)).toBe(
      true,
    );
    const chat = backup.glob("/private/var/mobile/Containers/Shared/AppGroup/*/ChatStorage.sqlite")[0]!;
    expect((await backup.read(chat)).toString()).toBe("x".repeat(48));
    const viaKey = await openIosBackup(dir, { derivedKey: Buffer.from(written.derivedKeyHex!, "hex") });
    expect(
      (await viaKey.read(viaKey.get("/private/var/root/Library/Preferences/com.apple.ImageIO.plist")!))
        .length,
    ).toBeGreaterThan(8);
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("derives the key of an old keybag (no DPSL/DPIC) with the single SHA-1 round", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ encryption: { ...encryption, oldStyle: true } }));
    const backup = await openIosBackup(dir, { password: () => encryption.password });
    expect(backup.keybag?.dpic).toBeUndefined();
    expect((await backup.read(backup.get("/private/var/mobile/Library/SMS/sms.db")!)).equals(SMS_SQL)).toBe(
      true,
    );
  });

  it("reads a backup from before iOS 10.2 (plain Manifest.db, encrypted payloads), and a decrypted copy of it", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ encryption: { ...encryption, oldStyle: true, encryptManifest: false } }));
    await expect(openIosBackup(dir)).rejects.toSatisfy((e: unknown) =>
      isSpyglassError(e, "PASSWORD_REQUIRED"),
    );
    const backup = await openIosBackup(dir, { password: () => encryption.password });
    expect(backup.alreadyDecrypted).toBe(false);
    expect(backup.warnings.map((w) => w.message)).toContainEqual(expect.stringMatching(/before iOS 10\.2/));
    expect((await backup.read(backup.get("/private/var/mobile/Library/SMS/sms.db")!)).equals(SMS_SQL)).toBe(
      true,
    );
    const copy = await tempDir();
    const { writeDecryptedCopy } = await import("./decrypt-copy.js");
    await writeDecryptedCopy(backup, copy);
    const again = await openIosBackup(copy);
    expect(again.alreadyDecrypted).toBe(true);
    expect((await again.read(again.get("/private/var/mobile/Library/SMS/sms.db")!)).equals(SMS_SQL)).toBe(
      true,
    );
  });

  it("rejects a wrong password and a wrong derived key with their own codes", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ encryption }));
    await expect(openIosBackup(dir, { password: () => "nope" })).rejects.toSatisfy((e: unknown) =>
      isSpyglassError(e, "WRONG_PASSWORD"),
    );
    await expect(openIosBackup(dir, { derivedKey: Buffer.alloc(32, 1) })).rejects.toSatisfy((e: unknown) =>
      isSpyglassError(e, "BAD_KEY"),
    );
  });

  it("reads a copy that another tool already decrypted (plain Manifest.db although IsEncrypted)", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ encryption }));
    const backup = await openIosBackup(dir, { password: () => encryption.password });
    const copy = await tempDir();
    const { writeDecryptedCopy } = await import("./decrypt-copy.js");
    await writeDecryptedCopy(backup, copy);
    const again = await openIosBackup(copy);
    expect(again.encrypted).toBe(true);
    expect(again.alreadyDecrypted).toBe(true);
    expect((await again.read(again.get("/private/var/mobile/Library/SMS/sms.db")!)).equals(SMS_SQL)).toBe(
      true,
    );
  });
});

describe("broken backups: a clear error or warning, no crash, nothing written", () => {
  const encryption = { password: "pw", dpic: 1000, iter: 100 };

  it("no Manifest.plist", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    await fs.rm(join(dir, "Manifest.plist"));
    await fs.mkdir(join(dir, "sub"));
    await expect(openIosBackup(dir)).rejects.toSatisfy((e: unknown) => isSpyglassError(e, "NOT_A_BACKUP"));
  });

  it("Manifest.db truncated (plain and encrypted)", async () => {
    const plain = await tempDir();
    await writeBackup(plain, spec());
    const bytes = await fs.readFile(join(plain, "Manifest.db"));
    await fs.writeFile(join(plain, "Manifest.db"), bytes.subarray(0, 1000));
    await expect(openIosBackup(plain)).rejects.toSatisfy(
      (e: unknown) => isSpyglassError(e, "CORRUPT") && /Manifest.db/.test((e as Error).message),
    );

    const enc = await tempDir();
    await writeBackup(enc, spec({ encryption }));
    const cipher = await fs.readFile(join(enc, "Manifest.db"));
    await fs.writeFile(join(enc, "Manifest.db"), cipher.subarray(0, 1000 + 3));
    await expect(openIosBackup(enc, { password: () => "pw" })).rejects.toSatisfy((e: unknown) =>
      isSpyglassError(e, "CORRUPT"),
    );
  });

  it("garbage keybag", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ encryption }));
    const manifest = parsePlistDict(await fs.readFile(join(dir, "Manifest.plist")));
    manifest.BackupKeyBag = Buffer.from("VERS\u0000\u0000\u0000\u0004garbage that is not TLV");
    await fs.writeFile(join(dir, "Manifest.plist"), writeBinaryPlist(manifest));
    await expect(openIosBackup(dir, { password: () => "pw" })).rejects.toSatisfy(
      (e: unknown) => isSpyglassError(e, "CORRUPT") && /keybag/i.test((e as Error).message),
    );
  });

  it("a fileID folder missing", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec());
    const id = written.fileIds["HomeDomain-Library/SMS/sms.db"]!;
    await fs.rm(join(dir, id.slice(0, 2)), { recursive: true });
    const backup = await openIosBackup(dir);
    expect(backup.counts.missingPayloads).toBeGreaterThanOrEqual(1);
    expect(backup.get("/private/var/mobile/Library/SMS/sms.db")?.present).toBe(false);
  });

  it("a payload shorter than one AES block", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec({ encryption }));
    const id = written.fileIds["HomeDomain-Library/SMS/sms.db"]!;
    await fs.writeFile(join(dir, id.slice(0, 2), id), Buffer.alloc(10));
    const backup = await openIosBackup(dir, { password: () => "pw" });
    await expect(backup.read(backup.get("/private/var/mobile/Library/SMS/sms.db")!)).rejects.toSatisfy(
      (e: unknown) => isSpyglassError(e, "CORRUPT") && /AES blocks/.test((e as Error).message),
    );
  });

  it("a symlink payload pointing outside the backup is not followed", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec());
    const id = written.fileIds["HomeDomain-Library/SMS/sms.db"]!;
    const payload = join(dir, id.slice(0, 2), id);
    await fs.rm(payload);
    await fs.symlink("/etc/passwd", payload);
    const backup = await openIosBackup(dir);
    expect(backup.get("/private/var/mobile/Library/SMS/sms.db")?.present).toBe(false);
    expect(backup.warnings.map((w) => w.code)).toContain("UNSAFE_PATH");
  });

  it("a declared Size of 2 GB on a 10-byte file", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec({ encryption }));
    const id = written.fileIds["AppDomain-net.whatsapp.WhatsApp-Documents/a.txt"]!;
    const backup0 = await openIosBackup(dir, { password: () => "pw" });
    const file = backup0.files.find((f) => f.entry.backup?.fileId === id)!;
    const archive = buildKeyedArchive({
      $class: "MBFile",
      fields: {
        Size: 2 * 1024 * 1024 * 1024,
        Mode: 0o100644,
        ProtectionClass: 2,
        RelativePath: "Documents/a.txt",
        EncryptionKey: { $class: "NSMutableData", fields: { "NS.data": Buffer.from(file.encryptionKey!) } },
      },
    });
    // Manifest.db is encrypted: rewrite it through a plain copy instead.
    const copy = await tempDir();
    const { writeDecryptedCopy } = await import("./decrypt-copy.js");
    await writeDecryptedCopy(backup0, copy);
    await rewriteManifestRow(copy, id, writeBinaryPlist(archive));
    const plain = await openIosBackup(copy);
    const entry = plain.get(
      "/private/var/mobile/Containers/Data/Application/net.whatsapp.WhatsApp/Documents/a.txt",
    )!;
    expect(entry.size).toBe(2 * 1024 * 1024 * 1024);
    expect((await plain.read(entry)).toString()).toBe("hello");
  });

  it("a Manifest.db row whose MBFile blob is not a plist", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    await rewriteManifestRow(
      dir,
      backupFileId("HomeDomain", "Library/SMS/sms.db"),
      Buffer.from("this is not a plist"),
    );
    const backup = await openIosBackup(dir);
    expect(backup.warnings.map((w) => w.code)).toContain("BAD_METADATA");
    expect(backup.get("/private/var/mobile/Library/SMS/sms.db")?.present).toBe(true);
  });
});

describe("hostile backup folders: special files, links and permissions", () => {
  it("refuses a Manifest.db that is a FIFO, a link (also to /dev/zero) or a folder, naming it", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    const manifest = join(dir, "Manifest.db");
    const outside = join(await tempDir(), "Manifest.db");
    await fs.rename(manifest, outside);
    const cases: Array<[() => Promise<void>, RegExp]> = [
      [async () => void execFileSync("mkfifo", [manifest]), /FIFO/],
      [() => fs.symlink(outside, manifest), /symbolic link/],
      [() => fs.symlink("/dev/zero", manifest), /symbolic link/],
      [() => fs.mkdir(manifest), /folder/],
    ];
    for (const [make, kind] of cases) {
      await make();
      const before = await snapshotTree(dir);
      await expect(openIosBackup(dir)).rejects.toSatisfy(
        (e: unknown) =>
          isSpyglassError(e, "NOT_A_BACKUP") &&
          /^Manifest.db is .*not a regular file/.test((e as Error).message) &&
          kind.test((e as Error).message) &&
          (e as { file?: string }).file === manifest,
      );
      expect(await snapshotTree(dir)).toEqual(before);
      await fs.rm(manifest, { recursive: true });
    }
  });

  it("an unreadable Manifest.db is an IO error naming it (injected: tests may run as root)", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    const manifest = join(dir, "Manifest.db");
    const lstat = promises.lstat;
    vi.spyOn(promises, "lstat").mockImplementation(((path: string, ...rest: unknown[]) =>
      path === manifest
        ? Promise.reject(errno("EACCES", path))
        : (lstat as (...a: unknown[]) => unknown)(path, ...rest)) as typeof lstat);
    await expect(openIosBackup(dir)).rejects.toSatisfy(
      (e: unknown) =>
        isSpyglassError(e, "IO") &&
        /Manifest.db cannot be read: permission denied/.test((e as Error).message) &&
        /permissions/.test((e as { hint?: string }).hint ?? "") &&
        (e as { file?: string }).file === manifest,
    );
  });

  it.skipIf(AS_ROOT)("an unreadable Manifest.db (chmod 000) is an IO error naming it", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    await fs.chmod(join(dir, "Manifest.db"), 0);
    await expect(openIosBackup(dir)).rejects.toSatisfy(
      (e: unknown) => isSpyglassError(e, "IO") && /permission denied/.test((e as Error).message),
    );
  });

  it("an unreadable payload folder is a counted warning naming it; the other payloads are read", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec());
    const id = written.fileIds["HomeDomain-Library/SMS/sms.db"]!;
    const folder = join(dir, id.slice(0, 2));
    const readdir = promises.readdir;
    vi.spyOn(promises, "readdir").mockImplementation(((path: string, ...rest: unknown[]) =>
      path === folder
        ? Promise.reject(errno("EACCES", path))
        : (readdir as (...a: unknown[]) => unknown)(path, ...rest)) as typeof readdir);
    const backup = await openIosBackup(dir);
    expect(backup.get("/private/var/mobile/Library/SMS/sms.db")?.present).toBe(false);
    expect(backup.counts.missingPayloads).toBe(0);
    const chat = backup.glob("/private/var/mobile/Containers/Shared/AppGroup/*/ChatStorage.sqlite")[0]!;
    expect((await backup.read(chat)).toString()).toBe("x".repeat(48));
    expect(backup.warnings).toEqual([
      expect.objectContaining({
        code: "UNREADABLE",
        count: 1,
        file: folder,
        message: expect.stringMatching(/1 payload folders could not be listed \(permission denied/),
      }),
      expect.objectContaining({ code: "UNREADABLE", count: 1, file: "HomeDomain::Library/SMS/sms.db" }),
    ]);
  });

  it.skipIf(AS_ROOT)("an unreadable payload folder (chmod 000) is a warning, not a failure", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec());
    const id = written.fileIds["HomeDomain-Library/SMS/sms.db"]!;
    await fs.chmod(join(dir, id.slice(0, 2)), 0);
    const backup = await openIosBackup(dir);
    expect(backup.warnings.map((w) => w.code)).toContain("UNREADABLE");
    await fs.chmod(join(dir, id.slice(0, 2)), 0o755);
  });

  it("an unreadable payload file is reported as unreadable (IO), not as corrupt", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec());
    const id = written.fileIds["HomeDomain-Library/SMS/sms.db"]!;
    const payload = join(dir, id.slice(0, 2), id);
    const backup = await openIosBackup(dir);
    const open = promises.open;
    vi.spyOn(promises, "open").mockImplementation(((path: string, ...rest: unknown[]) =>
      path === payload
        ? Promise.reject(errno("EACCES", path))
        : (open as (...a: unknown[]) => unknown)(path, ...rest)) as typeof open);
    await expect(backup.read(backup.get("/private/var/mobile/Library/SMS/sms.db")!)).rejects.toSatisfy(
      (e: unknown) =>
        isSpyglassError(e, "IO") &&
        /Payload of \/private\/var\/mobile\/Library\/SMS\/sms.db cannot be read: permission denied/.test(
          (e as Error).message,
        ),
    );
  });

  it("a FIFO or folder at a payload path is not a regular file, not a missing payload; a link is counted once", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec());
    const at = (key: string): string => {
      const id = written.fileIds[key]!;
      return join(dir, id.slice(0, 2), id);
    };
    const sms = at("HomeDomain-Library/SMS/sms.db");
    const usage = at("WirelessDomain-Library/Databases/DataUsage.sqlite");
    const text = at("AppDomain-net.whatsapp.WhatsApp-Documents/a.txt");
    await fs.rm(sms);
    execFileSync("mkfifo", [sms]);
    await fs.rm(usage);
    await fs.mkdir(usage);
    await fs.rm(text);
    await fs.symlink("/etc/passwd", text);
    const backup = await openIosBackup(dir);
    expect(backup.counts.missingPayloads).toBe(0);
    expect(backup.warnings).toEqual([
      expect.objectContaining({
        code: "UNSAFE_PATH",
        count: 1,
        message: "1 payload folders or files are symbolic links and were not followed",
      }),
      expect.objectContaining({
        code: "SKIPPED",
        count: 2,
        message: "2 payloads are not regular files (a folder, FIFO, device or socket); not read",
      }),
    ]);
    await expect(backup.read(backup.get("/private/var/mobile/Library/SMS/sms.db")!)).rejects.toThrow(
      /Payload is a FIFO \(named pipe\), not a regular file; it was not read/,
    );
    // An artifact that looks for it says why it was not read, never that it is absent.
    const { runArtifact } = await import("../../artifacts/run.js");
    const { smsArtifact } = await import("../../artifacts/ios/sms.js");
    const status = await runArtifact(backup, smsArtifact, () => undefined);
    expect(status.warnings.map((w) => [w.code, w.message])).toEqual([
      ["SKIPPED", "not read: its payload is a FIFO (named pipe), not a regular file"],
    ]);
  });

  it("accepts Manifest.plist or Manifest.db given instead of the backup folder", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    expect((await openIosBackup(join(dir, "Manifest.plist"))).dir).toBe(dir);
    expect((await openIosBackup(join(dir, "Manifest.db"))).dir).toBe(dir);
    await expect(openIosBackup(join(dir, "Info.plist"))).rejects.toSatisfy((e: unknown) =>
      isSpyglassError(e, "NOT_A_BACKUP"),
    );
  });
});

describe("backup plists: optional ones may be broken, fields of the wrong type are named", () => {
  const encryption = { password: "pw", dpic: 1000, iter: 100 };

  async function editManifestPlist(
    dir: string,
    edit: (manifest: Record<string, unknown>) => void,
  ): Promise<void> {
    const manifest = parsePlistDict(await fs.readFile(join(dir, "Manifest.plist")));
    edit(manifest);
    await fs.writeFile(join(dir, "Manifest.plist"), writeBinaryPlist(manifest as never));
  }

  it("a garbage Info.plist or Status.plist, or a folder in its place, is a warning; the backup is read", async () => {
    for (const [name, make] of [
      ["Info.plist", (path: string) => fs.writeFile(path, "garbage, not a plist")],
      ["Status.plist", (path: string) => fs.writeFile(path, "<?xml version='1.0'?><plist><dict><key>")],
      ["Info.plist", (path: string) => fs.mkdir(path)],
    ] as const) {
      const dir = await tempDir();
      await writeBackup(dir, spec());
      await fs.rm(join(dir, name));
      await make(join(dir, name));
      const backup = await openIosBackup(dir);
      expect(backup.counts.files).toBe(5);
      expect(backup.warnings).toEqual([
        expect.objectContaining({
          code: "CORRUPT",
          file: join(dir, name),
          message: expect.stringMatching(
            new RegExp(`^${name} was skipped \\(.+\\); the backup is read without it`),
          ),
        }),
      ]);
    }
  });

  it("warns when SnapshotState is not a string", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    const status = parsePlistDict(await fs.readFile(join(dir, "Status.plist")));
    status.SnapshotState = 7;
    await fs.writeFile(join(dir, "Status.plist"), writeBinaryPlist(status));
    expect((await openIosBackup(dir)).warnings).toEqual([
      expect.objectContaining({
        code: "UNFINISHED_BACKUP",
        message: expect.stringMatching(/SnapshotState is the number 7, not a string/),
      }),
    ]);
  });

  it("names ManifestKey, IsEncrypted and BackupKeyBag of the wrong type", async () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ["ManifestKey", "c2VjcmV0", /^Manifest.plist ManifestKey is the string "c2VjcmV0", not data/],
      ["IsEncrypted", "yes", /^Manifest.plist IsEncrypted is the string "yes", not a boolean/],
      ["BackupKeyBag", 12, /^Manifest.plist BackupKeyBag is the number 12, not data/],
    ];
    for (const [key, value, message] of cases) {
      const dir = await tempDir();
      await writeBackup(dir, spec({ encryption }));
      await editManifestPlist(dir, (manifest) => {
        manifest[key] = value;
      });
      const derived: number[] = [];
      await expect(
        openIosBackup(dir, { password: () => "pw", onDeriveStart: (n) => derived.push(n) }),
      ).rejects.toSatisfy(
        (e: unknown) =>
          isSpyglassError(e, "CORRUPT") &&
          message.test((e as Error).message) &&
          (e as { file?: string }).file === join(dir, "Manifest.plist"),
      );
      // Refused before the slow key derivation.
      expect(derived).toEqual([]);
    }
    const plain = await tempDir();
    await writeBackup(plain, spec());
    await editManifestPlist(plain, (manifest) => {
      manifest.IsEncrypted = "yes";
    });
    const backup = await openIosBackup(plain);
    expect(backup.encrypted).toBe(false);
    expect(backup.warnings).toEqual([
      expect.objectContaining({
        code: "BAD_METADATA",
        message: expect.stringMatching(/IsEncrypted is the string "yes"/),
      }),
    ]);
  });

  it("a Files table without the file column: a plain backup is listed without metadata; a missing key column is named", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    const path = join(dir, "Manifest.db");
    const edit = async (sql: string): Promise<void> => {
      const bytes = await fs.readFile(path);
      bytes[18] = 1;
      bytes[19] = 1;
      const db = new Database(bytes);
      db.exec(sql);
      const image = db.serialize();
      db.close();
      await fs.writeFile(path, image);
    };
    await edit("ALTER TABLE Files DROP COLUMN file");
    const backup = await openIosBackup(dir);
    expect(backup.get("/private/var/mobile/Library/SMS/sms.db")?.present).toBe(true);
    expect((await backup.read(backup.get("/private/var/mobile/Library/SMS/sms.db")!)).equals(SMS_SQL)).toBe(
      true,
    );
    expect(backup.warnings).toContainEqual(
      expect.objectContaining({ code: "BAD_METADATA", message: expect.stringMatching(/no "file" column/) }),
    );
    await edit("DROP INDEX IF EXISTS FilesFlagsIdx; ALTER TABLE Files DROP COLUMN flags");
    await expect(openIosBackup(dir)).rejects.toSatisfy(
      (e: unknown) =>
        isSpyglassError(e, "CORRUPT") &&
        /Files table has no "flags", "file" columns/.test((e as Error).message) &&
        !/truncated/.test((e as SpyglassError).hint ?? ""),
    );
  });

  it("a fileID listed twice: one warning, the payload listed once", async () => {
    const dir = await tempDir();
    const written = await writeBackup(dir, spec());
    const id = written.fileIds["HomeDomain-Library/SMS/sms.db"]!;
    const path = join(dir, "Manifest.db");
    const bytes = await fs.readFile(path);
    bytes[18] = 1;
    bytes[19] = 1;
    const db = new Database(bytes);
    // Any unique index on fileID goes first, so that a hostile index can hold the row twice.
    for (const { name } of db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'Files' AND sql IS NOT NULL",
      )
      .all() as Array<{ name: string }>)
      db.exec(`DROP INDEX "${name}"`);
    const sql = (db.prepare("SELECT sql FROM sqlite_master WHERE name = 'Files'").get() as { sql: string })
      .sql;
    const rows = db.prepare("SELECT * FROM Files").raw().all() as unknown[][];
    db.exec("DROP TABLE Files");
    db.exec(sql.replace(/PRIMARY KEY/gi, ""));
    const columns = rows[0]!.map(() => "?").join(", ");
    const insert = db.prepare(`INSERT INTO Files VALUES (${columns})`);
    for (const row of rows) insert.run(...row);
    insert.run(...rows.find((row) => row[0] === id)!);
    const image = db.serialize();
    db.close();
    await fs.writeFile(path, image);
    const backup = await openIosBackup(dir);
    expect(backup.files.filter((f) => f.entry.backup?.fileId === id)).toHaveLength(1);
    expect(backup.counts.files).toBe(5);
    expect(backup.warnings).toEqual([
      expect.objectContaining({
        code: "BAD_FILE_ID",
        count: 1,
        message: expect.stringMatching(/repeat a fileID/),
      }),
    ]);
  });
});

describe("a structurally corrupt Manifest.db is not read through SQLite silently", () => {
  /** A plain backup whose Files table spans interior pages, with `patch` applied to the root page. */
  async function corruptIndex(
    patch: (image: Buffer, root: number, pageSize: number) => void,
  ): Promise<string> {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    const path = join(dir, "Manifest.db");
    const bytes = await fs.readFile(path);
    bytes[18] = 1;
    bytes[19] = 1;
    const db = new Database(bytes);
    const insert = db.prepare(
      "INSERT INTO Files (fileID, domain, relativePath, flags) VALUES (?, 'HomeDomain', ?, 2)",
    );
    for (let i = 0; i < 2000; i++) insert.run(i.toString(16).padStart(40, "0"), `junk/${i}`);
    const image = db.serialize();
    const root = (
      db.prepare("SELECT rootpage FROM sqlite_master WHERE name = 'Files'").get() as { rootpage: number }
    ).rootpage;
    db.close();
    const pageSize = image.readUInt16BE(16);
    patch(image, root, pageSize);
    await fs.writeFile(path, image);
    return dir;
  }

  it("a loop (the Files root's right child is page 1): the listing is kept, with an important CORRUPT warning", async () => {
    const dir = await corruptIndex((image, root, pageSize) => {
      const base = (root - 1) * pageSize + (root === 1 ? 100 : 0);
      expect(image[base]).toBe(0x05); // an interior table page
      image.writeUInt32BE(1, base + 8);
    });
    const backup = await openIosBackup(dir);
    const corrupt = backup.warnings.find((w) => w.code === "CORRUPT");
    expect(corrupt).toMatchObject({
      important: true,
      file: join(dir, "Manifest.db"),
      message: expect.stringMatching(
        /^Manifest.db is corrupt \(the page reader stopped: page 1 is reached twice \(a loop\); SQLite's check: .*2nd reference to page 1.*this check of the backup is incomplete/,
      ),
    });
    expect(corrupt?.offset).toBe(0);
    expect(backup.warnings.some((w) => w.code === "OTHER" && /read through SQLite/.test(w.message))).toBe(
      false,
    );
  });
});

describe("a Manifest.db-wal beside Manifest.db", () => {
  /** Commits `sql` to a copy of the backup's index in WAL mode and leaves its -wal beside the original. */
  async function leaveWal(dir: string, sql: string): Promise<void> {
    const work = await tempDir();
    const copy = join(work, "Manifest.db");
    await fs.copyFile(join(dir, "Manifest.db"), copy);
    const db = new Database(copy);
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec(sql);
    // Copied before close, which would checkpoint the log into the database and remove it.
    await fs.copyFile(`${copy}-wal`, join(dir, "Manifest.db-wal"));
    db.close();
  }

  it("is applied in memory to a plain backup (rows added and removed in it count), with a warning; nothing is written", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec());
    await leaveWal(
      dir,
      `INSERT INTO Files (fileID, domain, relativePath, flags) VALUES ('${backupFileId("HomeDomain", "Library/FROM_WAL")}', 'HomeDomain', 'Library/FROM_WAL', 2);
       DELETE FROM Files WHERE relativePath = 'Library/SMS/sms.db';`,
    );
    const before = await snapshotTree(dir);
    const backup = await openIosBackup(dir);
    expect(backup.get("/private/var/mobile/Library/FROM_WAL")?.kind).toBe("directory");
    expect(backup.get("/private/var/mobile/Library/SMS/sms.db")).toBeUndefined();
    expect(backup.warnings).toEqual([
      expect.objectContaining({
        code: "OTHER",
        file: join(dir, "Manifest.db-wal"),
        message: expect.stringMatching(/^Manifest.db-wal was applied in memory: \d+ committed pages/),
      }),
    ]);
    const image = await backup.readManifestDb();
    const { db } = openSqliteImage(image);
    expect(
      db.prepare("SELECT count(*) AS n FROM Files WHERE relativePath = 'Library/FROM_WAL'").get(),
    ).toEqual({ n: 1 });
    db.close();
    expect(await snapshotTree(dir)).toEqual(before);
  });

  it("is reported, not applied, in an encrypted backup (important: the listing may be incomplete)", async () => {
    const dir = await tempDir();
    await writeBackup(dir, spec({ encryption: { password: "pw", dpic: 1000, iter: 100 } }));
    await fs.writeFile(join(dir, "Manifest.db-wal"), Buffer.alloc(4096, 1));
    const backup = await openIosBackup(dir, { password: () => "pw" });
    expect(backup.counts.files).toBe(5);
    expect(backup.warnings).toEqual([
      expect.objectContaining({
        code: "SKIPPED",
        important: true,
        message: expect.stringMatching(
          /^Manifest.db-wal is present but was not applied \(the backup is encrypted/,
        ),
      }),
    ]);
  });
});
