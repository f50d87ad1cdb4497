/**
 * One Manifest listing in its own process, as a scan meets it (nothing compiled or allocated
 * before): reads every Files row of a Manifest.db into entries and prints
 * `BENCH {seconds, cpuSeconds, rows, maxRssMB}`; `--open` times the whole backup open instead (plists, the
 * listing and the payload folders).
 */
import { dirname } from "node:path";
import { openIosBackup, readManifestListing } from "../src/readers/ios-backup/backup.js";

const [manifest, mode] = process.argv.slice(2);
const started = process.hrtime.bigint();
const cpuBefore = process.cpuUsage();
const rows =
  mode === "--open"
    ? (await openIosBackup(dirname(manifest!))).files.length
    : (await readManifestListing(manifest!)).length;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuBefore);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
process.stderr.write(
  `BENCH ${JSON.stringify({ seconds, cpuSeconds, rows, maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024) })}\n`,
);
