import { promises as fs } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isSpyglassError } from "./errors.js";
import {
  checkOutputDir,
  makeFolder,
  prepareOutputDir,
  refuseEvidenceOverlap,
  writeNewFileSync,
} from "./output-dir.js";
import { useTempDirs } from "./testing/temp.js";

const tempDir = useTempDirs("output-dir");

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSpyglassError(error, "USAGE")).toBe(true);
  return (error as Error).message;
}

describe("output folders and the evidence", () => {
  it("refuses an output that is, lies inside or holds the evidence, links resolved", async () => {
    const root = await tempDir();
    const evidence = join(root, "backup");
    await fs.mkdir(evidence);
    await fs.symlink(evidence, join(root, "alias"));
    expect(await refusal(refuseEvidenceOverlap(evidence, [evidence]))).toMatch(/it is the evidence/);
    expect(await refusal(refuseEvidenceOverlap(join(evidence, "out", "deeper"), [evidence]))).toMatch(
      /is inside the evidence/,
    );
    expect(await refusal(refuseEvidenceOverlap(join(root, "alias", "out"), [evidence]))).toMatch(
      /is inside the evidence/,
    );
    expect(await refusal(refuseEvidenceOverlap(root, [evidence]))).toMatch(/holds the evidence/);
    expect(await refusal(checkOutputDir(evidence, true, [join(root, "alias")]))).toMatch(/evidence/);
    // A sibling folder, even one whose name starts like the evidence's, is fine.
    await refuseEvidenceOverlap(join(root, "backup-results"), [evidence]);
    await refuseEvidenceOverlap(join(root, "results"), [evidence, join(root, "other.tar")]);
  });

  it("writes files and folders anew, never through a link standing at their name", async () => {
    const out = await tempDir();
    const outside = await tempDir();
    await fs.writeFile(join(outside, "victim"), "untouched");
    await fs.symlink(join(outside, "victim"), join(out, "results.json"));
    await fs.symlink(outside, join(out, "ab"));
    await fs.writeFile(join(out, "stale.json"), "old");
    writeNewFileSync(join(out, "results.json"), "{}");
    writeNewFileSync(join(out, "stale.json"), "new");
    await makeFolder(join(out, "ab"));
    await makeFolder(join(out, "ab"));
    expect(await fs.readFile(join(outside, "victim"), "utf8")).toBe("untouched");
    expect(await fs.readFile(join(out, "results.json"), "utf8")).toBe("{}");
    expect(await fs.readFile(join(out, "stale.json"), "utf8")).toBe("new");
    expect((await fs.lstat(join(out, "ab"))).isDirectory()).toBe(true);
    expect((await fs.readdir(outside)).sort()).toEqual(["victim"]);
    // A folder where a file is to be written is refused, not removed.
    await fs.mkdir(join(out, "hashes.json"));
    expect(() => writeNewFileSync(join(out, "hashes.json"), "{}")).toThrow(/something other than a file/);
  });

  it("creates missing parents, and says clearly when it cannot (never spinning under /proc)", async () => {
    const root = await tempDir();
    await prepareOutputDir(join(root, "a", "b", "c"), false);
    expect((await fs.stat(join(root, "a", "b", "c"))).isDirectory()).toBe(true);
    await fs.writeFile(join(root, "file"), "x");
    await expect(prepareOutputDir(join(root, "file", "out"), false)).rejects.toThrow(/as the output folder/);
    await expect(prepareOutputDir("/proc/spyglass-test-output", false)).rejects.toThrow(
      /Cannot create the output folder/,
    );
  });
});
