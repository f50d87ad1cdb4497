/**
 * Writes a large encrypted iTunes/Finder backup for benchmarks (default 1 GiB) and prints its password and
 * derived key. Build and run: `npx tsc -p bench && node dist/bench/bench/generate-backup.js <dir> [--size 1G]`.
 */
import { isSpyglassError } from "../src/errors.js";
import { runGenerateBackupCli } from "../src/generate/bench-backup.js";

try {
  process.exitCode = await runGenerateBackupCli(process.argv.slice(2));
} catch (error) {
  if (!isSpyglassError(error)) throw error;
  console.error(error.toLine());
  process.exitCode = 1;
}
