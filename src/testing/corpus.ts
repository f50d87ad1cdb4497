/** Locates ../shared/corpus (or SPYGLASS_CORPUS) for tests, and says loudly when it is absent. */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The corpus folder, or undefined when it is not there. */
export function corpusDir(): string | undefined {
  const dir = process.env.SPYGLASS_CORPUS ?? join(repoRoot, "..", "shared", "corpus");
  return existsSync(dir) ? dir : undefined;
}

/** A path inside the corpus, or undefined (with a visible message) when the corpus or the file is absent. */
export function corpusPath(...parts: string[]): string | undefined {
  const dir = corpusDir();
  const path = dir === undefined ? undefined : join(dir, ...parts);
  if (path === undefined || !existsSync(path)) {
    console.warn(
      `SKIPPED: corpus file ${parts.join("/")} not found (set SPYGLASS_CORPUS or place ../shared/corpus)`,
    );
    return undefined;
  }
  return path;
}
