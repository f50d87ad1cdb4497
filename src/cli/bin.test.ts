import { execFile } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { writeBackup } from "../generate/backup-writer.js";

const run = promisify(execFile);
const built = resolve(import.meta.dirname, "..", "..", "dist", "cli", "main.js");

describe.skipIf(!existsSync(built))("the built spyglass binary, run as an installed command", () => {
  it("works through a symlink named spyglass (as npm installs it), with exit statuses", async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), "spyglass-bin-"));
    try {
      const link = join(dir, "spyglass");
      await fs.symlink(built, link);
      const version = await run(link, ["--version"]);
      expect(version.stdout).toMatch(/^spyglass \d+\.\d+\.\d+/);
      const backup = join(dir, "backup");
      await writeBackup(backup, {
        seed: "bin",
        files: [{ domain: "HomeDomain", relativePath: "Library/a.txt", data: "a" }],
      });
      const info = await run(link, ["backup", "info", backup, "--json"]);
      expect(JSON.parse(info.stdout)).toMatchObject({ encrypted: false, counts: { files: 1 } });
      const failed = await run(link, ["backup", "info", join(dir, "nope")]).catch(
        (error: { code: number; stderr: string }) => error,
      );
      expect(failed).toMatchObject({ code: 1 });
      expect((failed as { stderr: string }).stderr).toMatch(/^spyglass: No such file or folder/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

if (!existsSync(built)) console.warn("SKIPPED: dist/cli/main.js is not built (npm test builds it first)");
