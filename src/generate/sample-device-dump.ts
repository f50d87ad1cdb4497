/**
 * A sample device written as a file-system dump folder (`private/var/…` layout, as full-file-system
 * extractions hand them out), from the same model as the backup: the traces a backup cannot carry
 * (paths under /private/var/tmp, which no backup domain maps) are present here.
 * Limits of a folder on the host: modification times are set, birth and status-change times are not.
 */
import { mkdir, open, symlink, utimes, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { SpyglassError } from "../errors.js";
import { writeBinaryPlist } from "../formats/bplist-writer.js";
import { devicePath } from "../readers/ios-backup/domains.js";
import type { BackupEntrySpec, BackupPayload, BackupTime } from "./backup-writer.js";
import { SampleRandom } from "./sample/random.js";
import { type PlantedTrace, type SampleDeviceOptions, sampleDevice } from "./sample-device.js";

/** What `writeSampleDump` produced. */
export interface SampleDumpWritten {
  dir: string;
  /** Files and folders written, by device path. */
  files: number;
  directories: number;
  traces: PlantedTrace[];
}

const BUNDLE_ROOT = "/private/var/containers/Bundle/Application";

/** Writes the sample device as a dump folder under `dir` (created; it must be empty or absent). */
export async function writeSampleDump(dir: string, options: SampleDeviceOptions): Promise<SampleDumpWritten> {
  const device = sampleDevice({ ...options, size: options.size ?? "small" });
  const random = new SampleRandom(options.seed, "dump");
  const entries: Array<{ path: string; entry: BackupEntrySpec }> = device.spec.files.map((entry) => ({
    path: devicePath(entry.domain, entry.relativePath),
    entry,
  }));
  // Apps live in bundle containers with their iTunesMetadata.plist in a dump (not in Info.plist).
  for (const [bundleId, app] of Object.entries(device.spec.applications ?? {})) {
    if (app.iTunesMetadata === undefined) continue;
    const container = `${BUNDLE_ROOT}/${random.uuid()}`;
    entries.push({
      path: `${container}/iTunesMetadata.plist`,
      entry: { domain: "", relativePath: "", data: writeBinaryPlist(app.iTunesMetadata) },
    });
    entries.push({
      path: `${container}/${bundleId.split(".").at(-1) ?? "App"}.app/Info.plist`,
      entry: {
        domain: "",
        relativePath: "",
        data: writeBinaryPlist({ CFBundleIdentifier: bundleId, CFBundleVersion: app.bundleVersion ?? "1" }),
      },
    });
  }
  // Traces only a file system holds.
  for (const trace of device.traces) {
    if (trace.inBackup || trace.value === undefined || !trace.value.startsWith("/")) continue;
    const at = device.clock.earlyEpisodeAt;
    const folder = trace.value.endsWith("/");
    entries.push({
      path: folder ? trace.value.slice(0, -1) : trace.value,
      entry: folder
        ? { domain: "", relativePath: "", kind: "directory", modified: new Date(at) }
        : { domain: "", relativePath: "", data: random.bytes(2048), modified: new Date(at) },
    });
  }

  await mkdir(dir, { recursive: true });
  const defaultTime = device.spec.fileTime ?? new Date(device.clock.setupAt);
  const stamped: Array<{ target: string; time: Date; depth: number }> = [];
  let files = 0;
  let directories = 0;
  for (const { path, entry } of entries) {
    const target = join(dir, ...path.split("/").filter((p) => p !== ""));
    const inside = relative(dir, target);
    if (inside.startsWith("..") || inside.startsWith(sep)) {
      throw new SpyglassError("USAGE", `Sample path escapes the dump folder: ${path}`);
    }
    const time = toDate(entry.modified ?? defaultTime);
    if (entry.kind === "directory") {
      await mkdir(target, { recursive: true });
      directories += 1;
    } else if (entry.kind === "symlink") {
      await mkdir(dirname(target), { recursive: true });
      await symlink(entry.target, target);
      continue;
    } else {
      await mkdir(dirname(target), { recursive: true });
      await writePayload(target, entry.data);
      files += 1;
    }
    stamped.push({ target, time, depth: relative(dir, target).split(sep).length });
  }
  // Folders only implied by their contents get the setup time, like folders a backup does not list.
  const listed = new Set(stamped.map((s) => s.target));
  for (const { target } of [...stamped]) {
    for (let parent = dirname(target); parent.length > dir.length; parent = dirname(parent)) {
      if (listed.has(parent)) continue;
      listed.add(parent);
      stamped.push({
        target: parent,
        time: toDate(defaultTime),
        depth: relative(dir, parent).split(sep).length,
      });
    }
  }
  // Deepest first: writing a child changes its folder's modification time.
  stamped.sort((a, b) => b.depth - a.depth);
  for (const { target, time } of stamped) await utimes(target, time, time);
  return { dir, files, directories, traces: device.traces };
}

/** A writer time (a Date, or Unix seconds) as a Date. */
function toDate(time: BackupTime): Date {
  return time instanceof Date ? time : new Date(time * 1000);
}

async function writePayload(target: string, data: BackupPayload): Promise<void> {
  if (typeof data === "string" || data instanceof Uint8Array) {
    await writeFile(target, data, { flag: "wx" });
    return;
  }
  if (typeof data === "function") {
    await writeFile(target, data(), { flag: "wx" });
    return;
  }
  if ("path" in data) throw new SpyglassError("USAGE", "Sample payloads never point to host files");
  const handle = await open(target, "wx");
  try {
    for await (const chunk of data.chunks()) await handle.write(chunk);
  } finally {
    await handle.close();
  }
}
