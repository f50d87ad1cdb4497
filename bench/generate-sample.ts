/**
 * Writes a sample device backup for benchmarks (sizes from the command line), and optionally the
 * same device as a file-system dump folder. Usage:
 * node dist/bench/bench/generate-sample.js DIR [--profile clean] [--messages N] [--visits N]
 *   [--processes N] [--rows N] [--padding BYTES] [--password P --dpic N] [--dump DUMPDIR]
 */

import type { SampleDeviceOptions, SampleProfile } from "../src/generate/sample-device.js";
import { writeSampleBackup } from "../src/generate/sample-device.js";
import { writeSampleDump } from "../src/generate/sample-device-dump.js";

const [dir, ...rest] = process.argv.slice(2);
if (dir === undefined) throw new Error("usage: generate-sample.js DIR [options]");
const option = (name: string): string | undefined => {
  const i = rest.indexOf(`--${name}`);
  return i >= 0 ? rest[i + 1] : undefined;
};
const num = (name: string): number | undefined =>
  option(name) === undefined ? undefined : Number(option(name));
const password = option("password");
const started = Date.now();
const size = {
  ...(num("messages") === undefined ? {} : { messages: num("messages")! }),
  ...(num("visits") === undefined ? {} : { safariVisits: num("visits")! }),
  ...(num("processes") === undefined ? {} : { processes: num("processes")! }),
  ...(num("rows") === undefined ? {} : { manifestRows: num("rows")! }),
  ...(num("padding") === undefined ? {} : { paddingBytes: num("padding")! }),
};
const options: SampleDeviceOptions = {
  profile: (option("profile") ?? "clean") as SampleProfile,
  seed: option("seed") ?? "spyglass-bench",
  size,
};
const written = await writeSampleBackup(dir, {
  ...options,
  ...(password === undefined
    ? {}
    : { encryption: { password, dpic: num("dpic") ?? 10_000_000, iter: 10_000 } }),
});
console.log(
  `wrote ${dir}: ${written.rowCount} Manifest rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
);

const dump = option("dump");
if (dump !== undefined) {
  // The same device (same model and seed) as a file-system dump: every file at its device path.
  const dumped = await writeSampleDump(dump, options);
  console.log(`wrote dump ${dump}: ${dumped.files} files`);
}
