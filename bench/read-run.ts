/**
 * The encrypted-scan benchmark's reference, in its own process like the scan it is compared with
 * (timed the same way, after the modules load): open the backup with the derived key and read and
 * decrypt only the files a scan opened. Prints `BENCH {seconds, files}`.
 * Usage: read-run.js BACKUP KEY_FILE ORIGINS_JSON
 */
import { readFileSync } from "node:fs";
import { openIosBackup } from "../src/readers/ios-backup/backup.js";

const [backupDir, keyFile, originsFile] = process.argv.slice(2);
const derivedKey = Buffer.from(readFileSync(keyFile!, "utf8").trim(), "hex");
const origins = new Set(JSON.parse(readFileSync(originsFile!, "utf8")) as string[]);
const started = process.hrtime.bigint();
const backup = await openIosBackup(backupDir!, { derivedKey });
let files = 0;
for (const file of backup.files) {
  if (!origins.has(file.entry.origin)) continue;
  await backup.readPayload(file);
  files += 1;
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stderr.write(`BENCH ${JSON.stringify({ seconds, files })}\n`);
