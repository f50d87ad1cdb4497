import { promises as fs } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { backupFileId, writeBackup } from "../../generate/backup-writer.js";
import { useTempDirs } from "../../testing/temp.js";
import { openIosBackup } from "./backup.js";
import { writeDecryptedCopy } from "./decrypt-copy.js";

const tempDir = useTempDirs("decrypt-copy");

const PASSWORD = "copy test";
const SMS = Buffer.alloc(5000, 7);
const NOTE = Buffer.from("a short note");

async function encryptedBackup(): Promise<string> {
  const dir = await tempDir();
  await writeBackup(dir, {
    seed: "decrypt-copy",
    date: new Date("2024-05-01T00:00:00Z"),
    encryption: { password: PASSWORD, dpic: 1000, iter: 100 },
    files: [
      { domain: "HomeDomain", relativePath: "Library/SMS/sms.db", data: SMS },
      { domain: "HomeDomain", relativePath: "Library/Notes/note.txt", data: NOTE },
    ],
  });
  return dir;
}

const payload = (dir: string, domain: string, path: string): string => {
  const id = backupFileId(domain, path);
  return join(dir, id.slice(0, 2), id);
};

describe("backup decrypt: the copy", () => {
  it("does not copy ciphertext as plaintext when a file's metadata has no usable key", async () => {
    const dir = await encryptedBackup();
    const backup = await openIosBackup(dir, { password: () => PASSWORD });
    // An MBFile blob that could not be read leaves the entry with no key and no declared size.
    const sms = backup.files.find((f) => f.entry.origin === "HomeDomain::Library/SMS/sms.db")!;
    sms.encryptionKey = undefined;
    sms.declaredSize = 0;
    const out = await tempDir();
    const result = await writeDecryptedCopy(backup, out, { threads: 1 });
    expect(result.skipped).toEqual([
      { path: "HomeDomain::Library/SMS/sms.db", reason: expect.stringMatching(/no usable encryption key/) },
    ]);
    const id = backupFileId("HomeDomain", "Library/SMS/sms.db");
    await expect(fs.access(join(out, id.slice(0, 2), id))).rejects.toThrow();
    expect(result.files.map((f) => f.path)).not.toContain(`${id.slice(0, 2)}/${id}`);
    // The other file is still decrypted.
    const noteId = backupFileId("HomeDomain", "Library/Notes/note.txt");
    expect(await fs.readFile(join(out, noteId.slice(0, 2), noteId))).toEqual(NOTE);
  });

  it("warns about bad padding and a size that differs from the Manifest's, and writes what decrypted", async () => {
    const dir = await encryptedBackup();
    // Flip a byte of the last ciphertext block: its padding no longer checks out.
    const path = payload(dir, "HomeDomain", "Library/SMS/sms.db");
    const bytes = await fs.readFile(path);
    bytes[bytes.length - 1]! ^= 0x55;
    await fs.writeFile(path, bytes);
    const backup = await openIosBackup(dir, { password: () => PASSWORD });
    const out = await tempDir();
    const result = await writeDecryptedCopy(backup, out, { threads: 1 });
    const reasons = result.warnings
      .filter((w) => w.path === "HomeDomain::Library/SMS/sms.db")
      .map((w) => w.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/no valid PKCS#7 padding/),
      expect.stringMatching(/decrypted to 5008 bytes but the Manifest declares 5000/),
    ]);
    expect(result.warnings.filter((w) => w.path !== "HomeDomain::Library/SMS/sms.db")).toEqual([]);
  });

  it("never writes through links planted in a forced output folder", async () => {
    const dir = await encryptedBackup();
    const backup = await openIosBackup(dir, { password: () => PASSWORD });
    const out = await tempDir();
    const outside = await tempDir();
    const victim = join(outside, "victim");
    await fs.writeFile(victim, "untouched");
    const victimDir = join(outside, "victim-dir");
    await fs.mkdir(victimDir);
    const smsId = backupFileId("HomeDomain", "Library/SMS/sms.db");
    await fs.symlink(victim, join(out, "Manifest.db"));
    await fs.symlink(victimDir, join(out, smsId.slice(0, 2)));
    const result = await writeDecryptedCopy(backup, out, { threads: 1 });
    expect(result.skipped).toEqual([]);
    expect(await fs.readFile(victim, "utf8")).toBe("untouched");
    expect(await fs.readdir(victimDir)).toEqual([]);
    expect((await fs.lstat(join(out, "Manifest.db"))).isFile()).toBe(true);
    expect((await fs.lstat(join(out, smsId.slice(0, 2)))).isDirectory()).toBe(true);
    expect(await fs.readFile(join(out, smsId.slice(0, 2), smsId))).toEqual(SMS);
  });
});
