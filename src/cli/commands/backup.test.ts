import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBackup } from "../../generate/backup-writer.js";
import { runCli } from "../../testing/cli.js";
import { snapshotTree } from "../../testing/tree-snapshot.js";

let root = "";
let backup = "";
let derivedKey = "";
const PASSWORD = "s3cret pass";

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "spyglass-cli-backup-"));
  backup = join(root, "00008110-00AABBCCDDEE0011");
  const written = await writeBackup(backup, {
    seed: "cli",
    date: new Date("2024-05-01T00:00:00Z"),
    device: {
      name: "Ana's iPhone",
      productType: "iPhone15,2",
      productVersion: "17.5",
      buildVersion: "21F79",
      udid: "00008110-00AABBCCDDEE0011",
      serialNumber: "F2LXK0ABCD12",
    },
    encryption: { password: PASSWORD, dpic: 1000, iter: 100 },
    files: [
      { domain: "HomeDomain", relativePath: "Library/SMS/sms.db", data: Buffer.alloc(70_000, 3) },
      { domain: "HomeDomain", relativePath: "Library/Preferences/x.plist", data: "abc" },
    ],
  });
  derivedKey = written.derivedKeyHex!;
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe("spyglass backup", () => {
  it("info prints device facts with masked identifiers, and JSON with the documented keys", async () => {
    const text = await runCli(["backup", "info", backup], { SPYGLASS_BACKUP_PASSWORD: PASSWORD });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Ana's iPhone");
    expect(text.stdout).toContain("17.5 (21F79)");
    const udidLine = text.stdout.split("\n").find((line) => line.trim().startsWith("UDID"));
    expect(udidLine).toMatch(/UDID\s+0000•+0011/);
    const json = await runCli(["backup", "info", backup, "--json", "--full"], {
      SPYGLASS_BACKUP_PASSWORD: PASSWORD,
    });
    const report = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(report.encrypted).toBe(true);
    expect(report.device).toMatchObject({
      name: "Ana's iPhone",
      productType: "iPhone15,2",
      productVersion: "17.5",
      buildVersion: "21F79",
      udid: "00008110-00AABBCCDDEE0011",
    });
    expect(report.counts).toMatchObject({ files: 2, symlinks: 0, missingPayloads: 0 });
  });

  it("a wrong password is one line on stderr, exit status 1, no stack trace, nothing written", async () => {
    const out = join(root, "wrong-pw-out");
    const before = await snapshotTree(backup);
    const run = await runCli(["backup", "decrypt", backup, "--out", out], {
      SPYGLASS_BACKUP_PASSWORD: "wrong",
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^spyglass: Wrong backup password/);
    expect(run.stderr).not.toMatch(/\bat .*\.(ts|js):\d+/);
    await expect(fs.access(out)).rejects.toThrow();
    expect(await snapshotTree(backup)).toEqual(before);
  });

  it("without any password source it says how to give one", async () => {
    const run = await runCli(["backup", "info", backup]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /encrypted and no password was given.*SPYGLASS_BACKUP_PASSWORD.*--password-file/,
    );
  });

  it("extract-key writes the derived key; --key-file accepts it with a trailing newline", async () => {
    const keyFile = join(root, "key.txt");
    const run = await runCli(["backup", "extract-key", backup, "--out", keyFile], {
      SPYGLASS_BACKUP_PASSWORD: PASSWORD,
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/as sensitive as the backup password/);
    expect((await fs.readFile(keyFile, "utf8")).trim()).toBe(derivedKey);
    expect(((await fs.stat(keyFile)).mode & 0o777).toString(8)).toBe("600");
    const info = await runCli(["backup", "info", backup, "--key-file", keyFile]);
    expect(info.code).toBe(0);
    await fs.writeFile(join(root, "bad-key.txt"), "abc\n");
    const bad = await runCli(["backup", "info", backup, "--key-file", join(root, "bad-key.txt")]);
    expect(bad.stderr).toMatch(/64 hexadecimal characters/);
  });

  it("--password-file works and --password warns that others can see it", async () => {
    await fs.writeFile(join(root, "pw.txt"), `${PASSWORD}\n`);
    expect((await runCli(["backup", "info", backup, "--password-file", join(root, "pw.txt")])).code).toBe(0);
    const visible = await runCli(["backup", "info", backup, "--password", PASSWORD]);
    expect(visible.code).toBe(0);
    expect(visible.stderr).toMatch(/visible to other users/);
  });

  it("decrypt writes a plain copy with hashes.json, and refuses a non-empty folder without --force", async () => {
    const out = join(root, "decrypted");
    const run = await runCli(["backup", "decrypt", backup, "--out", out], {
      SPYGLASS_BACKUP_PASSWORD: PASSWORD,
    });
    expect(run.code).toBe(0);
    const hashes = JSON.parse(await fs.readFile(join(out, "hashes.json"), "utf8")) as {
      files: Array<{ path: string; sha256: string; size: number }>;
    };
    expect(hashes.files.map((f) => f.path)).toContain("Manifest.db");
    for (const file of hashes.files) {
      const bytes = await fs.readFile(join(out, file.path));
      expect(createHash("sha256").update(bytes).digest("hex"), file.path).toBe(file.sha256);
    }
    expect((await fs.readFile(join(out, "Manifest.db"))).subarray(0, 15).toString()).toBe("SQLite format 3");
    const sms = hashes.files.find((f) => f.size === 70_000);
    expect(sms).toBeDefined();
    const again = await runCli(["backup", "decrypt", backup, "--out", out], {
      SPYGLASS_BACKUP_PASSWORD: PASSWORD,
    });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not empty.*--force/);
    expect(
      (
        await runCli(["backup", "decrypt", backup, "--out", out, "--force"], {
          SPYGLASS_BACKUP_PASSWORD: PASSWORD,
        })
      ).code,
    ).toBe(0);
    const info = await runCli(["backup", "info", out, "--json"]);
    expect(JSON.parse(info.stdout)).toMatchObject({ encrypted: true, alreadyDecrypted: true });
  });

  it("never writes into the evidence: decrypt, extract-key and scan refuse an output in or over it", async () => {
    const before = await snapshotTree(backup);
    const env = { SPYGLASS_BACKUP_PASSWORD: PASSWORD };
    for (const args of [
      ["backup", "decrypt", backup, "--out", backup, "--force"],
      ["backup", "decrypt", backup, "--out", join(backup, "decrypted")],
      ["backup", "decrypt", backup, "--out", root, "--force"],
      ["backup", "extract-key", backup, "--out", join(backup, "key.txt")],
      ["scan", backup, "--output", join(backup, "results")],
    ]) {
      const run = await runCli(args, env);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stderr, args.join(" ")).toMatch(/^spyglass: Refusing to write to .*evidence/);
    }
    expect(await snapshotTree(backup)).toEqual(before);
  });

  it("usage errors name the usage", async () => {
    const run = await runCli(["backup", "info"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Usage: spyglass backup info <backup>/);
    const help = await runCli(["backup", "decrypt", "--help"]);
    expect(help.stdout).toMatch(/hashes.json/);
  });
});

describe("command groups", () => {
  it("`spyglass backup` lists its commands; an unknown one is an error that lists them", async () => {
    const list = await runCli(["backup"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/spyglass backup decrypt/);
    const unknown = await runCli(["backup", "explode"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/unknown command "backup explode".*\n.*spyglass backup info/);
  });
});
