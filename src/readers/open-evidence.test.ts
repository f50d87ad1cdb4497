import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { writeBackup } from "../generate/backup-writer.js";
import { detectEvidenceKind, openEvidence } from "./open-evidence.js";

let root = "";
beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "spyglass-open-"));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe("recognising evidence", () => {
  it("tells backups, parents of one backup and dumps apart", async () => {
    await writeBackup(join(root, "parent", "udid"), {
      seed: "open",
      files: [{ domain: "HomeDomain", relativePath: "a", data: "a" }],
    });
    expect(await detectEvidenceKind(join(root, "parent", "udid"))).toBe("ios-backup");
    expect(await detectEvidenceKind(join(root, "parent"))).toBe("ios-backup");
    await fs.mkdir(join(root, "dump", "private", "var", "mobile"), { recursive: true });
    await fs.writeFile(join(root, "dump", "private", "var", "mobile", "x"), "x");
    expect(await detectEvidenceKind(join(root, "dump"))).toBe("fs-dump");
  });

  it("names what it cannot read, with what to do", async () => {
    await fs.writeFile(join(root, "notes.txt"), "hello");
    await expect(openEvidence(join(root, "notes.txt"))).rejects.toThrow(/Not evidence Spyglass can read/);
    await fs.writeFile(join(root, "dump.tar.xz"), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]));
    await expect(openEvidence(join(root, "dump.tar.xz"))).rejects.toSatisfy(
      (e: unknown) =>
        isSpyglassError(e, "UNSUPPORTED") &&
        /xz/.test((e as Error).message) &&
        /Decompress/.test(String((e as { hint?: string }).hint)),
    );
    await expect(openEvidence(join(root, "missing"))).rejects.toSatisfy((e: unknown) =>
      isSpyglassError(e, "NOT_FOUND"),
    );
  });
});
