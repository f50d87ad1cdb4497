/** `spyglass backup info | extract-key | decrypt`. */
import { promises as fs } from "node:fs";
import { join, resolve } from "node:path";
import { SpyglassError } from "../../errors.js";
import { warningLine } from "../../model/warning.js";
import {
  checkOutputDir,
  prepareOutputDir,
  refuseEvidenceOverlap,
  writeNewFileSync,
} from "../../output-dir.js";
import { type IosBackup, openIosBackup } from "../../readers/ios-backup/backup.js";
import { writeDecryptedCopy } from "../../readers/ios-backup/decrypt-copy.js";
import { parseCommandArgs } from "../args.js";
import { type CommandIo, defineCommand } from "../command.js";
import { backupKeyOptions, KEY_OPTIONS, KEY_OPTIONS_HELP } from "../password.js";
import { progressBar } from "../progress.js";
import { toolVersion } from "../version.js";

/** Masks an identifier to its first and last four characters. */
export function mask(value: string | undefined, full: boolean): string | undefined {
  if (value === undefined || full || value.length <= 8) return value;
  return `${value.slice(0, 4)}${"•".repeat(Math.min(8, value.length - 8))}${value.slice(-4)}`;
}

async function openFor(
  command: string,
  args: readonly string[],
  io: CommandIo,
  extra: Record<string, { type: "string" | "boolean" }>,
) {
  const usage = `spyglass backup ${command} <backup>`;
  const { values, positionals } = parseCommandArgs(args, { ...KEY_OPTIONS, ...extra }, usage);
  if (positionals.length !== 1)
    throw new SpyglassError("USAGE", `Expected one backup folder`, { hint: `Usage: ${usage}` });
  const keys = await backupKeyOptions(values as Record<string, string | undefined>, io);
  return { values: values as Record<string, string | boolean | undefined>, input: positionals[0]!, keys };
}

const info = defineCommand({
  path: ["backup", "info"],
  summary: "Show what a backup holds: device, iOS version, encryption, file counts",
  help: `Usage: spyglass backup info <backup> [--json] [--full]

Shows the device name, model, iOS version and build, UDID and serial number (partly masked
unless --full), the backup date, whether it is encrypted, and counts of files, directories,
symlinks and missing payloads. <backup> is the backup folder (holding Manifest.plist) or a
folder that holds exactly one backup.

Options:
  --json                 print JSON
  --full                 do not mask the UDID, serial number, IMEI and phone number
${KEY_OPTIONS_HELP}`,
  async run(args, io) {
    const { values, input, keys } = await openFor("info", args, io, {
      json: { type: "boolean" },
      full: { type: "boolean" },
    });
    const backup = await openIosBackup(input, keys);
    const full = values.full === true;
    const d = backup.device;
    const report = {
      path: resolve(backup.dir),
      encrypted: backup.encrypted,
      alreadyDecrypted: backup.alreadyDecrypted,
      device: {
        name: d.name ?? null,
        productType: d.productType ?? null,
        productVersion: d.productVersion ?? null,
        buildVersion: d.buildVersion ?? null,
        udid: mask(d.udid, full) ?? null,
        serialNumber: mask(d.serialNumber, full) ?? null,
        imei: mask(d.imei, full) ?? null,
        phoneNumber: mask(d.phoneNumber, full) ?? null,
      },
      backupDate: d.backupDate ?? null,
      counts: backup.counts,
      warnings: backup.warnings,
    };
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const row = (label: string, value: string | number | null | undefined): string =>
      `  ${label.padEnd(14)} ${value ?? "unknown"}\n`;
    io.stdout.write(`Backup ${report.path}\n`);
    io.stdout.write(row("Device", report.device.name));
    io.stdout.write(row("Model", report.device.productType));
    io.stdout.write(
      row("iOS", `${report.device.productVersion ?? "?"} (${report.device.buildVersion ?? "?"})`),
    );
    io.stdout.write(row("UDID", report.device.udid));
    io.stdout.write(row("Serial", report.device.serialNumber));
    io.stdout.write(row("Backup date", report.backupDate));
    io.stdout.write(
      row(
        "Encrypted",
        backup.alreadyDecrypted
          ? "yes, but Manifest.db is already decrypted (copy made by another tool)"
          : backup.encrypted
            ? "yes"
            : "no",
      ),
    );
    const c = backup.counts;
    io.stdout.write(row("Files", `${c.files} (${c.missingPayloads} missing payloads)`));
    io.stdout.write(row("Directories", c.directories));
    io.stdout.write(row("Symlinks", c.symlinks));
    for (const w of backup.warnings) io.stdout.write(`  warning: ${warningLine(w)}\n`);
    return 0;
  },
});

const extractKey = defineCommand({
  path: ["backup", "extract-key"],
  summary: "Derive the key of an encrypted backup (to reuse with --key-file)",
  help: `Usage: spyglass backup extract-key <backup> [--out FILE]

Derives the 32-byte backup key from the password (slow by design) and prints it as 64 hex
characters, or writes it to FILE (mode 600). The key opens the backup like the password does:
keep it as safe as the password.

Options:
  --out FILE             write the key to FILE instead of printing it
${KEY_OPTIONS_HELP}`,
  async run(args, io) {
    const { values, input, keys } = await openFor("extract-key", args, io, { out: { type: "string" } });
    // Refuse a bad --out before the slow key derivation.
    if (typeof values.out === "string") {
      await refuseEvidenceOverlap(values.out, [input]);
      if (
        await fs.lstat(values.out).then(
          () => true,
          () => false,
        )
      )
        throw new SpyglassError("OUTPUT_EXISTS", `${values.out} already exists`, {
          hint: "Choose a new file name; an existing file is never overwritten",
        });
    }
    const backup = await openIosBackup(input, keys);
    if (!backup.encrypted || backup.derivedKey === undefined) {
      throw new SpyglassError(
        "USAGE",
        backup.alreadyDecrypted
          ? "This backup is already decrypted: it has no key to extract"
          : "This backup is not encrypted: it has no key",
      );
    }
    const hex = backup.derivedKey.toString("hex");
    if (typeof values.out === "string") await refuseEvidenceOverlap(values.out, [input, backup.dir]);
    io.stderr.write(
      "warning: this key is as sensitive as the backup password; anyone holding it can read the backup\n",
    );
    if (typeof values.out === "string") {
      await fs
        .writeFile(values.out, `${hex}\n`, { mode: 0o600, flag: "wx" })
        .catch((error: NodeJS.ErrnoException) => {
          throw new SpyglassError(
            "OUTPUT_EXISTS",
            error.code === "EEXIST"
              ? `${values.out} already exists`
              : `Cannot write ${values.out}: ${error.message}`,
          );
        });
      io.stderr.write(`Key written to ${values.out}\n`);
    } else io.stdout.write(`${hex}\n`);
    return 0;
  },
});

const decrypt = defineCommand({
  path: ["backup", "decrypt"],
  summary: "Write a decrypted copy of an encrypted backup that other tools can read",
  help: `Usage: spyglass backup decrypt <backup> --out DIR [--force]

Writes a decrypted copy in the same layout: Manifest.db as plain SQLite, payloads at
xx/fileID, Info.plist, Manifest.plist and Status.plist copied unchanged (so IsEncrypted stays
true while Manifest.db is plain, as other tools expect), and DIR/hashes.json with the SHA-256 of
every written file. Decrypted data is written only here, because you asked for it: \`spyglass
scan\` never needs this step.

Options:
  --out DIR              the output folder (must be empty unless --force)
  --force                write into a non-empty folder
${KEY_OPTIONS_HELP}`,
  async run(args, io) {
    const { values, input, keys } = await openFor("decrypt", args, io, {
      out: { type: "string" },
      force: { type: "boolean" },
    });
    if (typeof values.out !== "string")
      throw new SpyglassError("USAGE", "--out DIR is required", {
        hint: "Usage: spyglass backup decrypt <backup> --out DIR",
      });
    const out = values.out;
    // Check the folder before the slow key derivation, create it only once the key is known good.
    await checkOutputDir(out, values.force === true, [input]);
    const backup: IosBackup = await openIosBackup(input, keys);
    await prepareOutputDir(out, values.force === true, [input, backup.dir]);
    const bar = progressBar(io, "Decrypting", 1);
    const result = await writeDecryptedCopy(backup, out, {
      onProgress: (done, total) => {
        bar.update(total === 0 ? 1 : done / total);
      },
    });
    bar.done();
    const hashes = {
      tool: { name: "spyglass", version: toolVersion() },
      source: resolve(backup.dir),
      encrypted: backup.encrypted,
      writtenAt: new Date().toISOString(),
      files: result.files,
      skipped: result.skipped,
      warnings: result.warnings,
    };
    writeNewFileSync(join(out, "hashes.json"), `${JSON.stringify(hashes, null, 2)}\n`);
    io.stdout.write(
      `Wrote ${result.files.length} files (${result.bytes} payload bytes) to ${out}; hashes in ${join(out, "hashes.json")}\n`,
    );
    for (const s of result.skipped) io.stderr.write(`skipped: ${s.path}: ${s.reason}\n`);
    for (const w of result.warnings) io.stderr.write(`warning: ${w.path}: ${w.reason}\n`);
    for (const w of backup.warnings) io.stderr.write(`warning: ${warningLine(w)}\n`);
    return 0;
  },
});

export const BACKUP_COMMANDS = [info, extractKey, decrypt];
