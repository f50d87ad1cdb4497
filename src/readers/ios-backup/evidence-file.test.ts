import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isSpyglassError } from "../../errors.js";
import { readRegularFile, readRegularHead, statRegularFile } from "./evidence-file.js";

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await fs.mkdtemp(join(tmpdir(), "spyglass-evidence-file-"));
  made.push(dir);
  return dir;
}

describe("reading one evidence file", () => {
  it("reads a regular file whole and refuses one past the budget", async () => {
    const dir = await tempDir();
    const path = join(dir, "a");
    await fs.writeFile(path, Buffer.alloc(100, 1));
    expect((await readRegularFile(path, { name: "a", maxBytes: 100 })).length).toBe(100);
    expect((await readRegularHead(path, "a", 16)).length).toBe(16);
    await expect(readRegularFile(path, { name: "a", maxBytes: 99 })).rejects.toSatisfy(
      (e: unknown) => isSpyglassError(e, "BUDGET") && (e as { file?: string }).file === path,
    );
  });

  it.skipIf(process.platform !== "linux")(
    "holds the budget while reading when stat says 0 bytes (a /proc file)",
    async () => {
      expect((await fs.stat("/proc/self/status")).size).toBe(0);
      await expect(readRegularFile("/proc/self/status", { name: "status", maxBytes: 10 })).rejects.toSatisfy(
        (e: unknown) => isSpyglassError(e, "BUDGET"),
      );
    },
  );

  it("refuses a link, a folder and a FIFO by name, without following or blocking", async () => {
    const dir = await tempDir();
    await fs.writeFile(join(dir, "target"), "x");
    await fs.symlink(join(dir, "target"), join(dir, "link"));
    await fs.symlink("/dev/zero", join(dir, "zero"));
    await fs.mkdir(join(dir, "folder"));
    execFileSync("mkfifo", [join(dir, "fifo")]);
    const cases: Array<[string, RegExp]> = [
      ["link", /link is a symbolic link, not a regular file/],
      ["zero", /zero is a symbolic link, not a regular file/],
      ["folder", /folder is a folder, not a regular file/],
      ["fifo", /fifo is a FIFO \(named pipe\), not a regular file/],
    ];
    for (const [name, message] of cases) {
      const path = join(dir, name);
      await expect(statRegularFile(path, name)).rejects.toThrow(message);
      // The open itself refuses too (a swap after the lstat): O_NOFOLLOW, O_NONBLOCK, fstat.
      await expect(readRegularFile(path, { name, maxBytes: 1000 })).rejects.toThrow(message);
      await expect(readRegularHead(path, name, 16)).rejects.toThrow(message);
    }
  });
});
