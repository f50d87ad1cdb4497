import { createDecipheriv } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isPlistDict, parsePlist } from "../formats/plist.js";
import { generateBenchBackup, parseSize, planBenchFiles, runGenerateBackupCli } from "./bench-backup.js";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "spyglass-bench-backup-"));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("planBenchFiles", () => {
  it("splits the requested bytes between a few large files and many small ones, reproducibly", () => {
    const plan = planBenchFiles({ totalBytes: 4 * 1024 * 1024, largeFiles: 2 });
    const large = plan.filter((f) => f.domain === "CameraRollDomain");
    expect(large.length).toBe(2);
    expect(plan.length).toBeGreaterThan(20);
    expect(planBenchFiles({ totalBytes: 4 * 1024 * 1024, largeFiles: 2 }).map((f) => f.relativePath)).toEqual(
      plan.map((f) => f.relativePath),
    );
  });
});

describe("generateBenchBackup", () => {
  it("writes an encrypted backup of the requested size whose payloads the derived key opens", async () => {
    const dir = join(root, "bench");
    const result = await generateBenchBackup(dir, {
      totalBytes: 3 * 1024 * 1024 + 7,
      dpic: 10,
      largeFiles: 1,
    });
    expect(result.payloadBytes).toBe(3 * 1024 * 1024 + 7);
    expect(result.password).toBe("spyglass-bench");
    const manifest = parsePlist(readFileSync(join(dir, "Manifest.plist")));
    if (!isPlistDict(manifest)) throw new Error("Manifest.plist is not a dictionary");
    expect(manifest.IsEncrypted).toBe(true);
    // The printed derived key opens the class-3 key record's wrapped key (RFC 3394 integrity check).
    const keybag = Buffer.from(manifest.BackupKeyBag as Uint8Array);
    let offset = 0;
    let cls = 0;
    let opened = 0;
    while (offset < keybag.length) {
      const tag = keybag.toString("latin1", offset, offset + 4);
      const length = keybag.readUInt32BE(offset + 4);
      const value = keybag.subarray(offset + 8, offset + 8 + length);
      if (tag === "CLAS") cls = value.readUInt32BE(0);
      if (tag === "WPKY") {
        const decipher = createDecipheriv(
          "id-aes256-wrap",
          Buffer.from(result.derivedKeyHex!, "hex"),
          Buffer.from("a6a6a6a6a6a6a6a6", "hex"),
        );
        expect(Buffer.concat([decipher.update(value), decipher.final()]).length, `class ${cls}`).toBe(32);
        opened += 1;
      }
      offset += 8 + length;
    }
    expect(opened).toBe(11);
  });

  it("runs from the command line and prints the password and derived key", async () => {
    const lines: string[] = [];
    const status = await runGenerateBackupCli(
      [join(root, "cli"), "--size", "256k", "--dpic", "10", "--password", "pw"],
      (line) => lines.push(line),
    );
    expect(status).toBe(0);
    expect(lines.join("\n")).toMatch(/password: +pw\n/);
    expect(lines.join("\n")).toMatch(/derived key: +[0-9a-f]{64}/);
  });
});

describe("parseSize", () => {
  it("reads byte counts with k/M/G suffixes", () => {
    expect(parseSize("1G")).toBe(2 ** 30);
    expect(parseSize("500M")).toBe(500 * 2 ** 20);
    expect(parseSize("64k")).toBe(65536);
    expect(parseSize("1.5MiB")).toBe(1.5 * 2 ** 20);
    expect(parseSize("123")).toBe(123);
    expect(() => parseSize("lots")).toThrow(/Not a size/);
  });
});
