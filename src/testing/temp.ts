/** Temporary folders for a test file, removed after each test. */
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

/** Registers the clean-up and returns a maker of fresh folders named `spyglass-<prefix>-…`. */
export function useTempDirs(prefix: string): () => Promise<string> {
  const made: string[] = [];
  afterEach(async () => {
    for (const dir of made.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });
  return async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), `spyglass-${prefix}-`));
    made.push(dir);
    return dir;
  };
}
