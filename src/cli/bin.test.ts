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

describe.skipIf(!existsSync(built) || !existsSync("/usr/bin/script"))(
  "the password prompt on a terminal",
  () => {
    it("asks for the password without echoing it, then opens the backup", async () => {
      const dir = await fs.mkdtemp(join(tmpdir(), "spyglass-tty-"));
      try {
        const backup = join(dir, "backup");
        await writeBackup(backup, {
          seed: "tty",
          encryption: { password: "typed secret", dpic: 1000, iter: 100 },
          device: { name: "Prompted iPhone" },
          files: [{ domain: "HomeDomain", relativePath: "Library/a.txt", data: "a" }],
        });
        // `script` gives the command a real pseudo-terminal; what we send is typed at the prompt.
        const child = execFile(
          "/usr/bin/script",
          ["-qec", `${process.execPath} ${built} backup info ${backup}`, "/dev/null"],
          { env: { ...process.env, SPYGLASS_BACKUP_PASSWORD: "" } },
        );
        let output = "";
        child.stdout?.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes("Backup password:") && !output.includes("sent")) {
            output += "sent";
            child.stdin?.write("typed secret\r");
          }
        });
        const code = await new Promise<number | null>((done) => child.on("close", done));
        expect(output).toContain("Backup password:");
        expect(output).toContain("Prompted iPhone");
        expect(output).not.toContain("typed secret");
        expect(code).toBe(0);
      } finally {
        await fs.rm(dir, { recursive: true, force: true });
      }
    }, 60_000);
  },
);

if (!existsSync(built)) console.warn("SKIPPED: dist/cli/main.js is not built (npm test builds it first)");
