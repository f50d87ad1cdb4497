/**
 * Writes realistic iTunes/Finder backups (iOS 10+ `Manifest.db` layout), plain or encrypted, for tests,
 * the demo and the benchmarks. Format: ../shared/reference/ios-formats.md sections 1 and 2, and the
 * reference backups in ../shared/corpus/backups.
 */
import { createCipheriv, createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { type FileHandle, mkdir, open, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SpyglassError } from "../errors.js";
import { writeBinaryPlist } from "../formats/bplist-writer.js";
import type { PlistDict } from "../formats/plist-value.js";
import { buildBackupKeybag, type KeybagOptions, wrapKey } from "./keybag-writer.js";
import { encodeMbFile } from "./mbfile-writer.js";
import { createRandomSource, type RandomSource, randomUuid } from "./random-source.js";
import { writeXmlPlist } from "./xml-plist-writer.js";

/** A time as a Date or as Unix seconds. */
export type BackupTime = Date | number;

/**
 * The content of a file: bytes, UTF-8 text, a function returning bytes (called once, when written),
 * a file on disk, or a chunk generator. Paths and generators are streamed, never held whole in memory.
 */
export type BackupPayload =
  | Uint8Array
  | string
  | (() => Uint8Array)
  | { path: string }
  | { chunks: () => Iterable<Uint8Array> | AsyncIterable<Uint8Array> };

interface BackupEntryBase {
  domain: string;
  /** Path inside the domain, without a leading slash; '' is the domain's root folder. */
  relativePath: string;
  /** st_mode, written verbatim; defaults 0o100644, 0o40755, 0o120755 (type bits included). */
  mode?: number;
  uid?: number;
  gid?: number;
  birth?: BackupTime;
  modified?: BackupTime;
  changed?: BackupTime;
  inode?: number;
  /** Data protection class 1-4; files default to 4, folders to 4 (0 for a domain root), links to 0. */
  protectionClass?: number;
}

/** A regular file (Files.flags 1). */
export interface BackupFileSpec extends BackupEntryBase {
  kind?: "file";
  data: BackupPayload;
}

/** A folder (Files.flags 2, no payload). */
export interface BackupDirectorySpec extends BackupEntryBase {
  kind: "directory";
}

/** A symbolic link (Files.flags 4, no payload). */
export interface BackupSymlinkSpec extends BackupEntryBase {
  kind: "symlink";
  target: string;
}

/** One Files row to write: a regular file, a folder or a symbolic link. */
export type BackupEntrySpec = BackupFileSpec | BackupDirectorySpec | BackupSymlinkSpec;

/** The device a backup claims to come from. */
export interface BackupDeviceSpec {
  name?: string;
  productType?: string;
  productName?: string;
  productVersion?: string;
  buildVersion?: string;
  udid?: string;
  serialNumber?: string;
  imei?: string;
  iccid?: string;
  phoneNumber?: string;
}

/** An installed application, listed in Info.plist and Manifest.plist. */
export interface BackupApplicationSpec {
  bundleVersion?: string;
  /** `ContainerContentClass` in Manifest.plist; defaults to "Data/Application". */
  containerContentClass?: string;
  /** iTunes store metadata; stored in Info.plist `Applications` as a binary plist, as iTunes does. */
  iTunesMetadata?: PlistDict;
  /** Extra keys for the Info.plist `Applications` entry (e.g. `PlaceholderIcon`). */
  info?: PlistDict;
}

/** Password-based encryption of the backup (iOS >= 10.2 scheme unless `oldStyle`). */
export interface BackupEncryptionSpec extends KeybagOptions {
  /** Protection class of the Manifest.db key (3 in real backups). */
  manifestProtectionClass?: number;
  /**
   * Encrypt Manifest.db under a `ManifestKey` (default true). iOS < 10.2 left it plain and wrote no
   * ManifestKey: combine `false` with `oldStyle` for such a backup.
   */
  encryptManifest?: boolean;
}

/** Everything a generated backup contains. */
export interface BackupSpec {
  device?: BackupDeviceSpec;
  /** Backup date (Info/Manifest/Status plists); defaults to now. */
  date?: Date;
  /** Time given to entries that name none; defaults to `date`. */
  fileTime?: BackupTime;
  encryption?: BackupEncryptionSpec;
  files: BackupEntrySpec[];
  applications?: Record<string, BackupApplicationSpec>;
  /** Status.plist `SnapshotState`; "finished" for a complete backup. */
  snapshotState?: string;
  isFullBackup?: boolean;
  wasPasscodeSet?: boolean;
  systemDomainsVersion?: string;
  /** Payloads left out (a partial backup): relativePaths, or "domain-relativePath" keys. */
  omitPayloads?: string[];
  /** Mark Manifest.db as a WAL-mode database (header bytes 18-19 = 2), like real backups. Default true. */
  walManifest?: boolean;
  /** Info.plist as a binary plist (default, as in the reference corpus) or as XML (as iTunes and Finder write it). */
  infoPlistFormat?: "binary" | "xml";
  /** Make keys, salts and identifiers reproducible (fixtures only). */
  seed?: string;
}

/** One regular file as written. */
export interface WrittenFile {
  fileId: string;
  domain: string;
  relativePath: string;
  size: number;
  sha256: string;
  protectionClass: number;
  /** False when the payload was left out on purpose. */
  present: boolean;
}

/** What `writeBackup` produced. */
export interface BackupWritten {
  dir: string;
  /** The key-encryption key derived from the password (hex), for `--key-file` style tests. */
  derivedKeyHex?: string;
  /** fileID of every Files row, keyed "domain-relativePath". */
  fileIds: Record<string, string>;
  files: WrittenFile[];
  /** SHA-256 of the plaintext Manifest.db image. */
  manifestDbPlainSha256: string;
  /** Number of Files rows (directories and links included). */
  rowCount: number;
}

const FLAG_FILE = 1;
const FLAG_DIRECTORY = 2;
const FLAG_SYMLINK = 4;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const ZERO_IV = Buffer.alloc(16);
const WRITE_CONCURRENCY = 4;
const CHUNK_BYTES = 1024 * 1024;

const ROOT_OWNED_DOMAINS = new Set([
  "RootDomain",
  "DatabaseDomain",
  "SystemPreferencesDomain",
  "KeychainDomain",
  "ManagedPreferencesDomain",
  "InstallDomain",
  "MobileDeviceDomain",
]);
const WIRELESS_UID = 25;
const MOBILE_UID = 501;

const LOCKDOWN_SUBDOMAINS = [
  "com.apple.Accessibility",
  "com.apple.MobileDeviceCrashCopy",
  "com.apple.TerminalFlashr",
  "com.apple.mobile.data_sync",
  "com.apple.mobile.iTunes.accessories",
  "com.apple.mobile.wireless_lockdown",
];

/** `sha1(domain + "-" + relativePath)` in lowercase hex: the name of a payload and its Files row. */
export function backupFileId(domain: string, relativePath: string): string {
  return createHash("sha1").update(`${domain}-${relativePath}`, "utf8").digest("hex");
}

interface Row {
  domain: string;
  relativePath: string;
  flags: number;
  spec: BackupEntrySpec | undefined;
}

/** Writes a backup folder (created if needed; it must not already hold a backup) and reports what it wrote. */
export async function writeBackup(dir: string, spec: BackupSpec): Promise<BackupWritten> {
  await ensureEmptyBackupDir(dir);
  const random = createRandomSource(spec.seed);
  const date = spec.date ?? new Date(Math.floor(Date.now() / 1000) * 1000);
  const fileTime = unixSeconds(spec.fileTime ?? date);
  const rows = collectRows(spec.files);
  const omitted = new Set(spec.omitPayloads ?? []);

  const keybag = spec.encryption === undefined ? undefined : await buildBackupKeybag(spec.encryption, random);
  const classKey = (cls: number): Buffer => {
    const key = keybag?.classKeys.get(cls);
    if (key === undefined) throw new SpyglassError("USAGE", `Protection class ${cls} is not in the keybag`);
    return key;
  };

  // Payloads first: their sizes go into the MBFile blobs.
  const blobs = new Map<string, Buffer>();
  const fileIds: Record<string, string> = {};
  const written: WrittenFile[] = [];
  // One mkdir per payload folder, shared by the jobs that race for it.
  const subdirsMade = new Map<string, Promise<unknown>>();
  let inode = 1000;
  const jobs: Array<() => Promise<void>> = [];
  for (const row of rows) {
    inode += 1;
    const fileId = backupFileId(row.domain, row.relativePath);
    fileIds[`${row.domain}-${row.relativePath}`] = fileId;
    const entry = row.spec;
    const owner = defaultOwner(row.domain);
    const common = {
      relativePath: row.relativePath,
      userId: entry?.uid ?? owner,
      groupId: entry?.gid ?? owner,
      inode: entry?.inode ?? inode,
      birth: unixSeconds(entry?.birth ?? fileTime),
      lastModified: unixSeconds(entry?.modified ?? fileTime),
      lastStatusChange: unixSeconds(entry?.changed ?? entry?.modified ?? fileTime),
    };
    if (entry === undefined || entry.kind === "directory") {
      blobs.set(
        fileId,
        encodeMbFile({
          ...common,
          mode: withType(entry?.mode, S_IFDIR, row.relativePath === "" ? rootPermissions(row.domain) : 0o755),
          size: 0,
          protectionClass: entry?.protectionClass ?? (row.relativePath === "" ? 0 : 4),
        }),
      );
      continue;
    }
    if (entry.kind === "symlink") {
      blobs.set(
        fileId,
        encodeMbFile({
          ...common,
          mode: withType(entry.mode, S_IFLNK, 0o755),
          size: 0,
          protectionClass: entry.protectionClass ?? 0,
          target: entry.target,
        }),
      );
      continue;
    }
    const protectionClass = entry.protectionClass ?? 4;
    const fileKey = keybag === undefined ? undefined : random(32);
    const encryptionKey =
      fileKey === undefined
        ? undefined
        : classTagged(protectionClass, wrapKey(classKey(protectionClass), fileKey));
    const present = !omitted.has(row.relativePath) && !omitted.has(`${row.domain}-${row.relativePath}`);
    const subdir = join(dir, fileId.slice(0, 2));
    jobs.push(async () => {
      if (present) {
        let made = subdirsMade.get(subdir);
        if (made === undefined) {
          made = mkdir(subdir, { recursive: true });
          subdirsMade.set(subdir, made);
        }
        await made;
      }
      const target = present ? join(subdir, fileId) : undefined;
      const { size, sha256 } = await writePayload(target, entry.data, fileKey);
      blobs.set(
        fileId,
        encodeMbFile({
          ...common,
          mode: withType(entry.mode, S_IFREG, 0o644),
          size,
          protectionClass,
          ...(encryptionKey === undefined ? {} : { encryptionKey }),
        }),
      );
      written.push({
        fileId,
        domain: row.domain,
        relativePath: row.relativePath,
        size,
        sha256,
        protectionClass,
        present,
      });
    });
  }
  await runPool(jobs, WRITE_CONCURRENCY);

  let manifestDb = buildManifestDb(rows, blobs);
  if (spec.walManifest !== false) {
    manifestDb[18] = 2;
    manifestDb[19] = 2;
  }
  const manifestDbPlainSha256 = createHash("sha256").update(manifestDb).digest("hex");

  const manifestPlist = manifestPlistValue(spec, date);
  if (keybag !== undefined) manifestPlist.BackupKeyBag = keybag.bytes;
  if (keybag !== undefined && spec.encryption?.encryptManifest !== false) {
    const manifestClass = spec.encryption?.manifestProtectionClass ?? 3;
    const manifestKey = random(32);
    manifestPlist.ManifestKey = classTagged(manifestClass, wrapKey(classKey(manifestClass), manifestKey));
    manifestDb = encryptBuffer(manifestKey, manifestDb);
  }

  await writeFile(join(dir, "Manifest.db"), manifestDb);
  await writeFile(join(dir, "Manifest.plist"), writeBinaryPlist(sortKeys(manifestPlist)));
  const info = infoPlistValue(spec, date, random);
  await writeFile(
    join(dir, "Info.plist"),
    spec.infoPlistFormat === "xml" ? writeXmlPlist(info) : writeBinaryPlist(info),
  );
  await writeFile(join(dir, "Status.plist"), writeBinaryPlist(statusPlistValue(spec, date, random)));

  written.sort((a, b) => compareKeys(a.domain, a.relativePath, b.domain, b.relativePath));
  return {
    dir,
    ...(keybag === undefined ? {} : { derivedKeyHex: keybag.kek.toString("hex") }),
    fileIds,
    files: written,
    manifestDbPlainSha256,
    rowCount: rows.length,
  };
}

async function ensureEmptyBackupDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const names = await readdir(dir);
  if (names.some((name) => name === "Manifest.db" || name === "Manifest.plist")) {
    throw new SpyglassError("OUTPUT_EXISTS", "The folder already holds a backup", {
      file: dir,
      hint: "Choose an empty folder",
    });
  }
}

/** The spec's entries plus the parent folders they imply (each domain's root included), sorted. */
function collectRows(entries: BackupEntrySpec[]): Row[] {
  const rows = new Map<string, Row>();
  const keyOf = (domain: string, relativePath: string): string => `${domain}\u0000${relativePath}`;
  for (const entry of entries) {
    if (entry.relativePath.startsWith("/") || entry.relativePath.endsWith("/")) {
      throw new SpyglassError(
        "USAGE",
        `relativePath must not start or end with '/': ${entry.domain}-${entry.relativePath}`,
      );
    }
    if (entry.domain === "") throw new SpyglassError("USAGE", "A backup entry needs a domain");
    if (entry.relativePath === "" && entry.kind !== "directory") {
      throw new SpyglassError("USAGE", `The root of ${entry.domain} can only be a directory`);
    }
    const key = keyOf(entry.domain, entry.relativePath);
    if (rows.get(key)?.spec !== undefined) {
      throw new SpyglassError("USAGE", `Duplicate backup entry ${entry.domain}-${entry.relativePath}`);
    }
    const flags =
      entry.kind === "directory" ? FLAG_DIRECTORY : entry.kind === "symlink" ? FLAG_SYMLINK : FLAG_FILE;
    rows.set(key, { domain: entry.domain, relativePath: entry.relativePath, flags, spec: entry });
  }
  for (const row of [...rows.values()]) {
    if (row.relativePath === "") continue;
    const parts = row.relativePath.split("/");
    for (let depth = 0; depth < parts.length; depth += 1) {
      const parent = parts.slice(0, depth).join("/");
      const key = keyOf(row.domain, parent);
      const existing = rows.get(key);
      if (existing === undefined) {
        rows.set(key, { domain: row.domain, relativePath: parent, flags: FLAG_DIRECTORY, spec: undefined });
      } else if (existing.flags !== FLAG_DIRECTORY) {
        throw new SpyglassError(
          "USAGE",
          `${row.domain}-${parent} is a parent folder of ${row.relativePath} but is not a directory`,
        );
      }
    }
  }
  return [...rows.values()].sort((a, b) => compareKeys(a.domain, a.relativePath, b.domain, b.relativePath));
}

function compareKeys(domainA: string, pathA: string, domainB: string, pathB: string): number {
  if (domainA !== domainB) return domainA < domainB ? -1 : 1;
  if (pathA === pathB) return 0;
  return pathA < pathB ? -1 : 1;
}

/** /private/var/mobile (HomeDomain) and its Media folder are drwx--x--x on a device. */
function rootPermissions(domain: string): number {
  return domain === "HomeDomain" || domain === "MediaDomain" ? 0o711 : 0o755;
}

function defaultOwner(domain: string): number {
  if (ROOT_OWNED_DOMAINS.has(domain)) return 0;
  if (domain === "WirelessDomain") return WIRELESS_UID;
  return MOBILE_UID;
}

function withType(mode: number | undefined, type: number, permissions: number): number {
  // A given mode is written verbatim: some rows carry bare permission bits (0o600) without a file type.
  return mode ?? type | permissions;
}

function unixSeconds(time: BackupTime): number {
  return typeof time === "number" ? Math.floor(time) : Math.floor(time.getTime() / 1000);
}

/** 4-byte little-endian protection class followed by a wrapped key (`EncryptionKey`, `ManifestKey`). */
function classTagged(cls: number, wrapped: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(cls, 0);
  return Buffer.concat([head, wrapped]);
}

/** AES-256-CBC, zero IV, PKCS#7 (a full padding block when the length is a multiple of 16). */
function encryptBuffer(key: Buffer, plain: Buffer): Buffer {
  const cipher = createCipheriv("aes-256-cbc", key, ZERO_IV);
  return Buffer.concat([cipher.update(plain), cipher.final()]);
}

async function* payloadChunks(data: BackupPayload): AsyncGenerator<Uint8Array> {
  if (typeof data === "string") yield Buffer.from(data, "utf8");
  else if (data instanceof Uint8Array) yield data;
  else if (typeof data === "function") yield data();
  else if ("path" in data) {
    for await (const chunk of createReadStream(data.path, { highWaterMark: CHUNK_BYTES }))
      yield chunk as Buffer;
  } else yield* data.chunks();
}

/**
 * Streams a payload to `target` (encrypted when a file key is given); counts and hashes the plaintext.
 * Output is buffered up to CHUNK_BYTES, so a small file costs one write and a large one streams.
 */
async function writePayload(
  target: string | undefined,
  data: BackupPayload,
  fileKey: Buffer | undefined,
): Promise<{ size: number; sha256: string }> {
  const hash: Hash = createHash("sha256");
  let size = 0;
  const cipher = fileKey === undefined ? undefined : createCipheriv("aes-256-cbc", fileKey, ZERO_IV);
  let handle: FileHandle | undefined;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  try {
    for await (const chunk of payloadChunks(data)) {
      size += chunk.length;
      hash.update(chunk);
      if (target === undefined) continue;
      const out = cipher === undefined ? chunk : cipher.update(chunk);
      pending.push(out);
      pendingBytes += out.length;
      if (pendingBytes >= CHUNK_BYTES) {
        handle ??= await open(target, "wx");
        await handle.write(Buffer.concat(pending));
        pending = [];
        pendingBytes = 0;
      }
    }
    if (target === undefined) return { size, sha256: hash.digest("hex") };
    if (cipher !== undefined) pending.push(cipher.final());
    if (handle === undefined) await writeFile(target, Buffer.concat(pending), { flag: "wx" });
    else await handle.write(Buffer.concat(pending));
  } finally {
    await handle?.close();
  }
  return { size, sha256: hash.digest("hex") };
}

async function runPool(jobs: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const job = jobs[next]!;
      next += 1;
      await job();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
}

/** Manifest.db built in memory with the schema of real backups, rows in (domain, relativePath) order. */
function buildManifestDb(rows: Row[], blobs: Map<string, Buffer>): Buffer {
  const db = new Database(":memory:");
  try {
    db.exec(`
      CREATE TABLE Files (fileID TEXT PRIMARY KEY, domain TEXT, relativePath TEXT, flags INTEGER, file BLOB);
      CREATE INDEX FilesDomainIdx ON Files(domain);
      CREATE INDEX FilesRelativePathIdx ON Files(relativePath);
      CREATE INDEX FilesFlagsIdx ON Files(flags);
      CREATE TABLE Properties (key TEXT PRIMARY KEY, value BLOB);
    `);
    const insert = db.prepare(
      "INSERT INTO Files (fileID, domain, relativePath, flags, file) VALUES (?, ?, ?, ?, ?)",
    );
    db.transaction(() => {
      for (const row of rows) {
        const fileId = backupFileId(row.domain, row.relativePath);
        insert.run(fileId, row.domain, row.relativePath, row.flags, blobs.get(fileId));
      }
    })();
    return db.serialize();
  } finally {
    db.close();
  }
}

function deviceDefaults(spec: BackupSpec): Required<BackupDeviceSpec> {
  const device = spec.device ?? {};
  return {
    name: device.name ?? "iPhone",
    productType: device.productType ?? "iPhone13,2",
    productName: device.productName ?? "iPhone 12",
    productVersion: device.productVersion ?? "16.6",
    buildVersion: device.buildVersion ?? "20G75",
    udid: device.udid ?? "00008101-000A1B2C3D4E001E",
    serialNumber: device.serialNumber ?? "DX0TESTDEV12",
    imei: device.imei ?? "350000000000014",
    iccid: device.iccid ?? "8944000000000000001",
    phoneNumber: device.phoneNumber ?? "+44 7700 900000",
  };
}

function manifestPlistValue(spec: BackupSpec, date: Date): PlistDict {
  const device = deviceDefaults(spec);
  const applications: PlistDict = {};
  for (const [bundleId, app] of Object.entries(spec.applications ?? {})) {
    applications[bundleId] = {
      CFBundleIdentifier: bundleId,
      CFBundleVersion: app.bundleVersion ?? "1",
      ContainerContentClass: app.containerContentClass ?? "Data/Application",
    };
  }
  const lockdown: PlistDict = {
    BuildVersion: device.buildVersion,
    DeviceName: device.name,
    ProductType: device.productType,
    ProductVersion: device.productVersion,
    SerialNumber: device.serialNumber,
    UniqueDeviceID: device.udid,
  };
  for (const name of LOCKDOWN_SUBDOMAINS) lockdown[name] = {};
  return {
    Applications: applications,
    Date: date,
    IsEncrypted: spec.encryption !== undefined,
    Lockdown: lockdown,
    SystemDomainsVersion: spec.systemDomainsVersion ?? "24.0",
    Version: "10.0",
    WasPasscodeSet: spec.wasPasscodeSet ?? true,
  };
}

function infoPlistValue(spec: BackupSpec, date: Date, random: RandomSource): PlistDict {
  const device = deviceDefaults(spec);
  const applications: PlistDict = {};
  for (const [bundleId, app] of Object.entries(spec.applications ?? {})) {
    const entry: PlistDict = { ...app.info };
    if (app.iTunesMetadata !== undefined) entry.iTunesMetadata = writeBinaryPlist(app.iTunesMetadata);
    if (Object.keys(entry).length > 0) applications[bundleId] = entry;
  }
  return {
    Applications: applications,
    "Build Version": device.buildVersion,
    "Device Name": device.name,
    "Display Name": device.name,
    GUID: random(16).toString("hex").toUpperCase(),
    ICCID: device.iccid,
    IMEI: device.imei,
    "Installed Applications": Object.keys(spec.applications ?? {}),
    "Last Backup Date": date,
    "Phone Number": device.phoneNumber,
    "Product Name": device.productName,
    "Product Type": device.productType,
    "Product Version": device.productVersion,
    "Serial Number": device.serialNumber,
    "Target Identifier": device.udid,
    "Target Type": "Device",
    "Unique Identifier": device.udid.toUpperCase(),
    "iTunes Settings": {},
    "iTunes Version": "12.12.7.1",
  };
}

function statusPlistValue(spec: BackupSpec, date: Date, random: RandomSource): PlistDict {
  return {
    BackupState: "new",
    Date: date,
    IsFullBackup: spec.isFullBackup ?? true,
    SnapshotState: spec.snapshotState ?? "finished",
    UUID: randomUuid(random),
    Version: "3.3",
  };
}

function sortKeys(dict: PlistDict): PlistDict {
  const sorted: PlistDict = {};
  for (const key of Object.keys(dict).sort()) sorted[key] = dict[key]!;
  return sorted;
}
