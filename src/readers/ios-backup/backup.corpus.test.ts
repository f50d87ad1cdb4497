import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSpyglassError } from "../../errors.js";
import { openSqliteImage } from "../../sqlite/open.js";
import { corpusPath } from "../../testing/corpus.js";
import { snapshotTree } from "../../testing/tree-snapshot.js";
import { openIosBackup } from "./backup.js";
import { decryptPayload, deriveKey, splitWrappedKey, unwrapClassKeys, unwrapKey } from "./crypto.js";
import { parseKeybag } from "./keybag.js";

interface CorpusFile {
  domain: string;
  relativePath: string;
  fileID: string;
  size: number;
  sha256: string;
}

const backups = corpusPath("backups");
const vectors = corpusPath("backups", "vectors");
const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

describe.skipIf(backups === undefined)(
  "corpus backup dev-ios16 (made by an independent implementation)",
  () => {
    const dir = backups ?? "";
    const spec = () =>
      JSON.parse(readFileSync(join(dir, "dev-ios16.files.json"), "utf8")) as {
        files: CorpusFile[];
        crypto: { password: string; kek_hex: string; manifest_db_plaintext_sha256: string };
      };

    it("decrypts every payload of dev-ios16-enc to the plaintext SHA-256 its README lists", async () => {
      const { files, crypto } = spec();
      const before = await snapshotTree(join(dir, "dev-ios16-enc"));
      const backup = await openIosBackup(join(dir, "dev-ios16-enc"), { password: () => crypto.password });
      expect(backup.encrypted).toBe(true);
      expect(backup.derivedKey?.toString("hex")).toBe(crypto.kek_hex);
      expect(sha256(await backup.readManifestDb())).toBe(crypto.manifest_db_plaintext_sha256);
      expect(files.length).toBe(15);
      for (const file of files) {
        const manifestFile = backup.files.find((f) => f.entry.backup?.fileId === file.fileID);
        expect(manifestFile, file.relativePath).toBeDefined();
        const plain = await backup.readPayload(manifestFile!);
        expect(plain.length, file.relativePath).toBe(file.size);
        expect(sha256(plain), file.relativePath).toBe(file.sha256);
      }
      expect(backup.counts).toEqual({ files: 15, directories: 31, symlinks: 1, missingPayloads: 0 });
      expect(backup.warnings).toEqual([]);
      expect(await snapshotTree(join(dir, "dev-ios16-enc"))).toEqual(before);
    });

    it("reads the plain twin to the same bytes, and maps domains to device paths", async () => {
      const { files } = spec();
      const before = await snapshotTree(join(dir, "dev-ios16-plain"));
      const backup = await openIosBackup(join(dir, "dev-ios16-plain"));
      expect(backup.encrypted).toBe(false);
      for (const file of files) {
        const entry = [...backup.entries()].find((e) => e.backup?.fileId === file.fileID)!;
        expect(sha256(await backup.read(entry))).toBe(file.sha256);
      }
      const sms = backup.get("/private/var/mobile/Library/SMS/sms.db");
      expect(sms?.origin).toBe("HomeDomain::Library/SMS/sms.db");
      expect(backup.get("/private/var/root/Library/Caches/locationd/clients.plist")?.present).toBe(true);
      expect(backup.get("/private/var/wireless/Library/Databases/DataUsage.sqlite")?.size).toBe(86016);
      expect(
        backup
          .glob("/private/var/mobile/Containers/Data/Application/*/Documents/*.txt")
          .map((e) => e.path)
          .sort(),
      ).toEqual([
        "/private/var/mobile/Containers/Data/Application/com.example.notes/Documents/Notizen – Übersicht.txt",
        "/private/var/mobile/Containers/Data/Application/com.example.notes/Documents/notes.txt",
        "/private/var/mobile/Containers/Data/Application/com.example.notes/Documents/zero-length.txt",
      ]);
      const link = backup.get("/private/var/db/timezone/localtime");
      expect(link?.kind).toBe("symlink");
      expect(link?.linkTarget).toBe("/var/db/timezone/zoneinfo/Europe/Berlin");
      // WAL-mode sms.db opens from memory and nothing appears beside the evidence.
      const opened = await backup.openDatabase(sms!);
      expect(
        (opened.db.prepare("SELECT count(*) AS n FROM message").get() as { n: number }).n,
      ).toBeGreaterThan(0);
      opened.db.close();
      expect(await snapshotTree(join(dir, "dev-ios16-plain"))).toEqual(before);
    });

    it("accepts the derived key instead of the password, and the parent folder of a single backup", async () => {
      const { crypto } = spec();
      const backup = await openIosBackup(join(dir, "dev-ios16-enc"), {
        derivedKey: Buffer.from(crypto.kek_hex, "hex"),
      });
      expect(backup.device.productVersion).toBeDefined();
      await expect(openIosBackup(dir)).rejects.toSatisfy((e: unknown) =>
        isSpyglassError(e, "AMBIGUOUS_BACKUP"),
      );
    });

    it("says the password is wrong, and nothing else", async () => {
      await expect(
        openIosBackup(join(dir, "dev-ios16-enc"), { password: () => "not-the-password" }),
      ).rejects.toSatisfy((e: unknown) => isSpyglassError(e, "WRONG_PASSWORD"));
      await expect(openIosBackup(join(dir, "dev-ios16-enc"))).rejects.toSatisfy((e: unknown) =>
        isSpyglassError(e, "PASSWORD_REQUIRED"),
      );
    });
  },
);

describe.skipIf(vectors === undefined)("public key-derivation and unwrap vectors", () => {
  const dir = vectors ?? "";

  it("derives the hashcat keys and unwraps their class keys; other passwords fail", async () => {
    const data = JSON.parse(readFileSync(join(dir, "hashcat-itunes-backup.json"), "utf8")) as {
      vectors: Array<{
        id: string;
        password: string;
        fields: {
          version: number;
          wpky_hex: string;
          iter: number;
          salt_hex: string;
          dpic?: number;
          dpsl_hex?: string;
        };
        expected_class_key_hex: string;
      }>;
    };
    const fast = data.vectors.filter((v) => (v.fields.dpic ?? 0) <= 1000);
    expect(fast.length).toBeGreaterThanOrEqual(2);
    for (const vector of fast) {
      const f = vector.fields;
      const keybag = {
        version: undefined,
        type: undefined,
        uuid: undefined,
        salt: Buffer.from(f.salt_hex, "hex"),
        iterations: f.iter,
        dpsl: f.version === 10 && f.dpsl_hex !== undefined ? Buffer.from(f.dpsl_hex, "hex") : undefined,
        dpic: f.version === 10 ? f.dpic : undefined,
        classes: [{ protectionClass: 1, wrap: 2, keyType: 0, wrappedKey: Buffer.from(f.wpky_hex, "hex") }],
      };
      const kek = await deriveKey(vector.password, keybag);
      expect(unwrapKey(kek, Buffer.from(f.wpky_hex, "hex"))?.toString("hex"), vector.id).toBe(
        vector.expected_class_key_hex,
      );
      const wrong = await deriveKey(`${vector.password}x`, keybag);
      expect(unwrapKey(wrong, Buffer.from(f.wpky_hex, "hex")), vector.id).toBeUndefined();
    }
  });

  it("follows the pyiosbackup chain: keybag, ManifestKey, Manifest.db without padding, a padded payload", async () => {
    const chain = JSON.parse(readFileSync(join(dir, "pyiosbackup-chain.json"), "utf8")) as {
      password: string;
      keybag_hex: string;
      keybag_before_10_2_hex: string;
      manifest_key_hex: string;
      payload_ciphertext_hex: string;
    };
    const old = parseKeybag(Buffer.from(chain.keybag_before_10_2_hex, "hex"));
    expect(old.dpsl).toBeUndefined();
    const oldKeys = unwrapClassKeys(await deriveKey(chain.password, old), old);
    expect([...oldKeys.keys.values()].every((k) => k.equals(Buffer.alloc(32)))).toBe(true);

    const keybag = parseKeybag(Buffer.from(chain.keybag_hex, "hex"));
    expect(keybag.dpic).toBe(10_000_000);
    const { keys } = unwrapClassKeys(await deriveKey(chain.password, keybag), keybag);
    expect(keys.size).toBe(11);
    const manifestKey = splitWrappedKey(Buffer.from(chain.manifest_key_hex, "hex"))!;
    expect(manifestKey.protectionClass).toBe(2);
    const dbKey = unwrapKey(keys.get(2)!, manifestKey.wrapped)!;
    const db = decryptPayload(dbKey, readFileSync(join(dir, "encrypted_sqlite3_db.bin")));
    expect(db.paddingValid).toBe(false);
    expect(db.plaintext.length).toBe(8192);
    const { db: sqlite } = openSqliteImage(db.plaintext);
    expect(sqlite.prepare("SELECT fileID, domain, relativePath FROM Files").all()).toEqual([
      {
        fileID: "5727bd1c5fa1055e15d8b4a75a74793c84b5ffdc",
        domain: "MyTestDomain",
        relativePath: "Media/Test.txt",
      },
    ]);
    sqlite.close();
  }, 60_000);
});
