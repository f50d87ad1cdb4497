/** The package version, read once from the nearest package.json named "spyglass" above this module. */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** The version in package.json (found from the source tree, dist/, or the benchmark build alike). */
export function toolVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const path = join(dir, "package.json");
    if (existsSync(path)) {
      const pkg = JSON.parse(readFileSync(path, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "spyglass" && typeof pkg.version === "string") {
        cached = pkg.version;
        return cached;
      }
    }
    dir = dirname(dir);
  }
  cached = "unknown";
  return cached;
}
