import { execFileSync } from "node:child_process";
import { closeSync, promises as fs, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTempDirs } from "../testing/temp.js";
import { openEvidence, openEvidenceSync } from "./evidence-open.js";

const tempDir = useTempDirs("evidence-open");

/** A file whose access time lies before its modification time, so that any read would move it. */
async function staleFile(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await fs.writeFile(path, "evidence");
  await fs.utimes(path, new Date("2001-01-01T00:00:00Z"), new Date("2002-01-01T00:00:00Z"));
  return path;
}

describe("opening evidence", () => {
  it("leaves a file's access time as it was, where the system allows O_NOATIME", async (context) => {
    const dir = await tempDir();
    const control = await staleFile(dir, "control");
    readFileSync(control);
    if ((await fs.stat(control)).atimeMs === Date.parse("2001-01-01T00:00:00Z")) {
      console.warn("SKIP: this file system does not update access times (noatime); nothing to check");
      context.skip();
    }
    const viaAsync = await staleFile(dir, "async");
    const handle = await openEvidence(viaAsync);
    await handle.read(Buffer.alloc(8), 0, 8, 0);
    await handle.close();
    const viaSync = await staleFile(dir, "sync");
    const fd = openEvidenceSync(viaSync);
    readSync(fd, Buffer.alloc(8), 0, 8, 0);
    closeSync(fd);
    for (const path of [viaAsync, viaSync])
      expect((await fs.stat(path)).atime.toISOString(), path).toBe("2001-01-01T00:00:00.000Z");
  });

  it("refuses a link and does not block on a FIFO", async () => {
    const dir = await tempDir();
    const target = await staleFile(dir, "target");
    await fs.symlink(target, join(dir, "link"));
    await expect(openEvidence(join(dir, "link"))).rejects.toMatchObject({ code: "ELOOP" });
    expect(() => openEvidenceSync(join(dir, "link"))).toThrow(/ELOOP/);
    // Opening a FIFO with no writer returns at once (the reader then sees it is not a regular file).
    const fifo = join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    const handle = await openEvidence(fifo);
    expect((await handle.stat()).isFIFO()).toBe(true);
    await handle.close();
    closeSync(openEvidenceSync(fifo));
  });
});
