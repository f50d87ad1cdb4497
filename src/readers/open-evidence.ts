/** Recognises what a piece of evidence is and opens it with the right reader. */
import { promises as fs } from "node:fs";
import { join } from "node:path";
import { SpyglassError } from "../errors.js";
import { detectFsDump, openFsDump, sniffDumpFormat } from "./fs-dump/index.js";
import { type BackupKeyOptions, openIosBackup } from "./ios-backup/backup.js";
import type { EvidenceKind, EvidenceSource } from "./types.js";

async function hasManifest(dir: string): Promise<boolean> {
  try {
    await fs.access(join(dir, "Manifest.plist"));
    return true;
  } catch {
    return false;
  }
}

/** The kind of evidence at `path`, or undefined when it is none that Spyglass reads. */
export async function detectEvidenceKind(path: string): Promise<EvidenceKind | undefined> {
  const stat = await fs.stat(path).catch(() => undefined);
  if (stat === undefined) throw new SpyglassError("NOT_FOUND", `No such file or folder: ${path}`);
  if (stat.isDirectory()) {
    if (await hasManifest(path)) return "ios-backup";
    const children = await fs.readdir(path, { withFileTypes: true }).catch(() => []);
    let backups = 0;
    for (const child of children)
      if (child.isDirectory() && (await hasManifest(join(path, child.name)))) backups += 1;
    if (backups > 0) return "ios-backup";
  }
  if (await detectFsDump(path)) return "fs-dump";
  return undefined;
}

/** Opens evidence of any supported kind; the key options are used only by encrypted backups. */
export async function openEvidence(path: string, keys: BackupKeyOptions = {}): Promise<EvidenceSource> {
  const kind = await detectEvidenceKind(path);
  if (kind === "ios-backup") return openIosBackup(path, keys);
  if (kind === "fs-dump") return openFsDump(path);
  // Archives in a format we do not read (bzip2, xz, zstd, 7-Zip) get their own hint from here.
  await sniffDumpFormat(path);
  throw new SpyglassError("UNSUPPORTED", `Not evidence Spyglass can read: ${path}`, {
    hint: "Give an iOS backup folder (with Manifest.plist), or a file-system dump (folder, .tar, .tar.gz or .zip holding private/var)",
  });
}
