/**
 * iOS backup reader (iTunes/Finder/idevicebackup2, iOS 10+ Manifest.db layout), plain or
 * encrypted. Decrypted bytes stay in memory; the evidence folder is only ever read.
 * Facts: ../shared/reference/ios-formats.md sections 1–2, mvt.md section 4, kaspersky.md 1.3.
 */
import { type Dirent, promises as fs, readdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { isSpyglassError, SpyglassError } from "../../errors.js";
import { parsePlistDict } from "../../formats/plist.js";
import { isPlistDict, type PlistDict, type PlistValue } from "../../formats/plist-value.js";
import { fromDate } from "../../model/time.js";
import { WarningList } from "../../model/warning.js";
import { BtreeError, filePages, imagePages, type PageSource } from "../../sqlite/btree.js";
import {
  isSqlite,
  type OpenedDatabase,
  openSqliteImage,
  type SqliteDatabase,
  tableColumns,
} from "../../sqlite/open.js";
import { applyWal } from "../../sqlite/wal.js";
import { EntryIndex } from "../fs-dump/entry-index.js";
import type { DeviceInfo, EvidenceSource } from "../types.js";
import { decryptPayload, deriveKey, splitWrappedKey, unwrapClassKeys, unwrapKey } from "./crypto.js";
import {
  evidenceIoError,
  fileKind,
  readRegularFile,
  readRegularHead,
  statRegularFile,
} from "./evidence-file.js";
import { type Keybag, parseKeybag, unusualDerivation } from "./keybag.js";
import { BackupEntry, type ManifestFile, readManifestFiles, readManifestPages } from "./manifest.js";

/** How to get the key of an encrypted backup: a derived key, or a password (asked for only when needed). */
export interface BackupKeyOptions {
  /** The 32-byte derived key (as from `backup extract-key` or `--key-file`). */
  derivedKey?: Buffer;
  /** Called when the backup is encrypted and no derived key was given. */
  password?: () => Promise<string | undefined> | string | undefined;
  /**
   * Called around the slow key derivation (for a spinner), with the first round's count and, when
   * the keybag asks for far more rounds than real backups, a warning to show before it starts.
   */
  onDeriveStart?: (iterations: number, unusual: string | undefined) => void;
  onDeriveEnd?: () => void;
}

/** Limits on what a backup may make us read. */
export interface BackupBudget {
  maxManifestBytes: number;
  maxPlistBytes: number;
  maxRows: number;
}

const DEFAULT_BUDGET: BackupBudget = {
  maxManifestBytes: 1024 * 1024 * 1024,
  maxPlistBytes: 64 * 1024 * 1024,
  maxRows: 5_000_000,
};

/** Counts shown by `backup info`. */
export interface BackupCounts {
  files: number;
  directories: number;
  symlinks: number;
  missingPayloads: number;
}

/** An opened iOS backup: an EvidenceSource plus what `backup info`/`decrypt` need. */
export interface IosBackup extends EvidenceSource {
  readonly kind: "ios-backup";
  readonly dir: string;
  /** Manifest.plist says IsEncrypted. */
  readonly encrypted: boolean;
  /** IsEncrypted, but Manifest.db is plain SQLite (decrypted by another tool); payloads are read as they are. */
  readonly alreadyDecrypted: boolean;
  readonly derivedKey: Buffer | undefined;
  readonly keybag: Keybag | undefined;
  readonly counts: BackupCounts;
  readonly files: readonly ManifestFile[];
  /** Manifest.db as plaintext SQLite bytes, read (and decrypted in memory) again on each call. */
  readManifestDb(): Promise<Buffer>;
  /** Reads and decrypts one payload, warning on padding and size mismatches. */
  readPayload(file: ManifestFile, options?: { maxBytes?: number }): Promise<Buffer>;
  /** The payload path on disk (`<dir>/<id[0:2]>/<id>`). */
  payloadPath(file: ManifestFile): string;
  /** Unwraps a file key with the class key of `protectionClass` (undefined when it does not unwrap). */
  fileKey(protectionClass: number, wrapped: Buffer): Buffer | undefined;
}

const BACKUP_INDEX_FILES = new Set(["Manifest.plist", "Manifest.db"]);

/**
 * Finds the backup folder: the given folder if it holds Manifest.plist, else its only child that
 * does; the folder of a Manifest.plist or Manifest.db given itself.
 */
export async function resolveBackupDir(input: string): Promise<string> {
  let stat: Awaited<ReturnType<typeof fs.stat>>;
  try {
    stat = await fs.stat(input);
  } catch {
    throw new SpyglassError("NOT_FOUND", `No such file or folder: ${input}`);
  }
  // The backup's own Manifest.plist or Manifest.db given instead of its folder: take the folder.
  if (!stat.isDirectory() && BACKUP_INDEX_FILES.has(basename(input))) return resolveBackupDir(dirname(input));
  if (!stat.isDirectory()) {
    throw new SpyglassError("NOT_A_BACKUP", "Not an iOS backup: expected a folder holding Manifest.plist", {
      file: input,
    });
  }
  if (await exists(join(input, "Manifest.plist"))) return input;
  let children: Dirent[];
  try {
    children = await fs.readdir(input, { withFileTypes: true });
  } catch (cause) {
    throw new SpyglassError("IO", `Cannot list ${input}: ${(cause as Error).message}`, { cause });
  }
  const found: string[] = [];
  for (const child of children) {
    if (child.isDirectory() && (await exists(join(input, child.name, "Manifest.plist"))))
      found.push(child.name);
  }
  if (found.length === 1) return join(input, found[0]!);
  if (found.length === 0) {
    const seen = children.slice(0, 8).map((c) => c.name + (c.isDirectory() ? "/" : ""));
    throw new SpyglassError(
      "NOT_A_BACKUP",
      `Not an iOS backup: no Manifest.plist in ${input} or its subfolders (found: ${seen.length === 0 ? "nothing" : seen.join(", ")}${children.length > 8 ? ", …" : ""})`,
      { hint: "Point to the backup folder named after the device UDID, the one holding Manifest.plist" },
    );
  }
  throw new SpyglassError(
    "AMBIGUOUS_BACKUP",
    `${input} holds ${found.length} backups (${found.slice(0, 6).join(", ")}${found.length > 6 ? ", …" : ""})`,
    { hint: "Name one of them" },
  );
}

/** Opens a backup folder (or a parent holding exactly one) for reading. */
export async function openIosBackup(
  input: string,
  options: BackupKeyOptions & { budget?: Partial<BackupBudget> } = {},
): Promise<IosBackup> {
  const budget = { ...DEFAULT_BUDGET, ...options.budget };
  const dir = await resolveBackupDir(input);
  const warnings = new WarningList();

  const manifestPlist = await readPlist(dir, "Manifest.plist", budget);
  if (manifestPlist === undefined) {
    throw new SpyglassError("NOT_A_BACKUP", "Not an iOS backup: Manifest.plist is missing", {
      file: join(dir, "Manifest.plist"),
    });
  }
  const info = await readOptionalPlist(dir, "Info.plist", budget, warnings);
  const status = await readOptionalPlist(dir, "Status.plist", budget, warnings);
  if (info === undefined && !(await exists(join(dir, "Info.plist"))))
    warnings.add({
      code: "OTHER",
      message: "Info.plist is missing: device details are limited",
      file: "Info.plist",
    });
  const snapshot = status?.SnapshotState;
  if (status !== undefined && typeof snapshot === "string" && snapshot !== "finished") {
    warnings.add({
      code: "UNFINISHED_BACKUP",
      message: `Status.plist says SnapshotState is "${snapshot}", not "finished": the backup may be incomplete`,
      file: "Status.plist",
    });
  } else if (status !== undefined && snapshot !== undefined && typeof snapshot !== "string") {
    warnings.add({
      code: "UNFINISHED_BACKUP",
      message: `Status.plist SnapshotState is ${describeValue(snapshot)}, not a string: whether the backup finished is unknown`,
      file: "Status.plist",
    });
  }
  if (!(await exists(join(dir, "Manifest.db")))) {
    if (await exists(join(dir, "Manifest.mbdb"))) {
      throw new SpyglassError(
        "UNSUPPORTED",
        "This is a pre-iOS 10 backup (Manifest.mbdb), which is not supported yet",
        { file: dir },
      );
    }
    throw new SpyglassError("NOT_A_BACKUP", "The backup has no Manifest.db", {
      file: join(dir, "Manifest.db"),
    });
  }
  const manifestPath = join(dir, "Manifest.db");
  // lstat, not stat: a link (even to a file outside the backup), a FIFO, a device or a folder is
  // refused here with its name; the reads below open with O_NOFOLLOW|O_NONBLOCK against a swap.
  const manifestStat = await statRegularFile(manifestPath, "Manifest.db");
  if (manifestStat.size > budget.maxManifestBytes) {
    throw new SpyglassError("BUDGET", `Manifest.db of ${manifestStat.size} bytes exceeds the budget`, {
      file: manifestPath,
    });
  }
  const plainIndex = isSqlite(await readRegularHead(manifestPath, "Manifest.db", 16));
  const isEncrypted = manifestPlist.IsEncrypted;
  if (isEncrypted !== undefined && typeof isEncrypted !== "boolean") {
    // A plain index says what the backup is; an encrypted one cannot be read on a guess.
    if (!plainIndex) {
      throw new SpyglassError(
        "CORRUPT",
        `Manifest.plist IsEncrypted is ${describeValue(isEncrypted)}, not a boolean, and Manifest.db is not plain SQLite`,
        {
          file: join(dir, "Manifest.plist"),
          hint: "The backup's Manifest.plist may be damaged; make a new backup",
        },
      );
    }
    warnings.add({
      code: "BAD_METADATA",
      message: `Manifest.plist IsEncrypted is ${describeValue(isEncrypted)}, not a boolean; Manifest.db is plain SQLite, so the backup is read as not encrypted`,
      file: "Manifest.plist",
    });
  }
  const encrypted = isEncrypted === true;
  // A plain index in an encrypted backup: a copy another tool decrypted, or a backup made before
  // iOS 10.2, which encrypted the payloads but not the index (decided from the payloads, below).
  let alreadyDecrypted = encrypted && plainIndex;

  let keybag: Keybag | undefined;
  let derivedKey: Buffer | undefined;
  let classKeys: Map<number, Buffer> | undefined;
  let manifestDbKey: Buffer | undefined;

  /**
   * Derives the key and unwraps the class keys (and, for an encrypted index, the Manifest.db key):
   * before the index is read when it is encrypted, after it when only the payloads are (iOS < 10.2).
   */
  const unlock = async (encryptedIndex: boolean): Promise<void> => {
    const plistPath = join(dir, "Manifest.plist");
    const bag = dataField(
      manifestPlist,
      "BackupKeyBag",
      plistPath,
      "Encrypted backup without a BackupKeyBag",
    );
    // Checked before the slow derivation: an encrypted index needs a ManifestKey of data.
    const manifestKey = encryptedIndex
      ? dataField(
          manifestPlist,
          "ManifestKey",
          plistPath,
          "Manifest.db is encrypted (no SQLite header) but Manifest.plist has no ManifestKey",
        )
      : undefined;
    keybag = parseKeybag(bag, join(dir, "Manifest.plist"));
    if (options.derivedKey !== undefined) {
      if (options.derivedKey.length !== 32)
        throw new SpyglassError("BAD_KEY", "A derived backup key is 32 bytes (64 hex characters)");
      derivedKey = options.derivedKey;
    } else {
      const password = options.password === undefined ? undefined : await options.password();
      if (password === undefined) {
        throw new SpyglassError("PASSWORD_REQUIRED", "This backup is encrypted and no password was given", {
          hint: "Set SPYGLASS_BACKUP_PASSWORD, pass --password-file FILE or --key-file FILE, or run in a terminal to be asked",
        });
      }
      const unusual = unusualDerivation(keybag);
      if (unusual !== undefined) warnings.add({ code: "OTHER", message: unusual, file: "Manifest.plist" });
      options.onDeriveStart?.(keybag.dpic ?? keybag.iterations, unusual);
      try {
        derivedKey = await deriveKey(password, keybag);
      } finally {
        options.onDeriveEnd?.();
      }
    }
    let unwrapped: ReturnType<typeof unwrapClassKeys>;
    try {
      unwrapped = unwrapClassKeys(derivedKey, keybag);
    } catch (error) {
      if (
        options.derivedKey !== undefined &&
        error instanceof SpyglassError &&
        error.code === "WRONG_PASSWORD"
      ) {
        throw new SpyglassError("BAD_KEY", "Wrong derived key: the backup keybag does not unwrap with it", {
          hint: "Derive it again with `spyglass backup extract-key` for this backup",
        });
      }
      throw error;
    }
    classKeys = unwrapped.keys;
    if (unwrapped.failedClasses.length > 0) {
      warnings.add({
        code: "CORRUPT",
        message: `Keybag class keys ${unwrapped.failedClasses.join(", ")} do not unwrap; files of those classes cannot be decrypted`,
        file: "Manifest.plist",
      });
    }
    if (manifestKey === undefined) return;
    const split = splitWrappedKey(manifestKey);
    const classKey = split === undefined ? undefined : classKeys.get(split.protectionClass);
    const key =
      split === undefined || classKey === undefined ? undefined : unwrapKey(classKey, split.wrapped);
    if (key === undefined) {
      throw new SpyglassError("CORRUPT", "ManifestKey does not unwrap with the backup's class keys", {
        file: join(dir, "Manifest.plist"),
      });
    }
    manifestDbKey = key;
  };
  if (encrypted && !alreadyDecrypted) await unlock(true);

  // The Files rows straight from the pages (read, or decrypted, a chunk at a time); SQLite reads
  // the index only when the page reader does not take it, and then reports what is wrong.
  // The payload folders are listed by the thread pool while this thread reads the index.
  const payloadsListed = listPayloads(dir);
  // Its failure is reported where it is awaited, below; never as an unhandled rejection meanwhile.
  payloadsListed.catch(() => undefined);
  // A write-ahead log beside the index (an interrupted backup, another tool): applied in memory.
  const withWal = await manifestWithWal(manifestPath, {
    encrypted: manifestDbKey !== undefined,
    budget,
    warnings,
  });
  let files = await readManifestListing(manifestPath, {
    key: manifestDbKey,
    ...(withWal === undefined ? {} : { image: withWal }),
    maxRows: budget.maxRows,
    maxBytes: budget.maxManifestBytes,
    warnings,
  });
  const payloads = await payloadsListed;
  // Only this part of the listing is kept (readPayload names what stands in a payload's place):
  // the set of payload names would otherwise live as long as the backup.
  const notRegular = payloads.notRegular;
  const linked = new Set<string>();
  for (const link of payloads.links) {
    linked.add(basename(link));
    warnings.count(
      "UNSAFE_PATH",
      (n) => `${n} payload folders or files are symbolic links and were not followed`,
      link,
    );
  }
  for (const [name, reason] of payloads.unlisted) {
    warnings.count(
      "UNREADABLE",
      (n) =>
        `${n} payload folders could not be listed (${reason === "EACCES" || reason === "EPERM" ? "permission denied: check the permissions of the backup folder" : reason}); their files are not read, the others are`,
      join(dir, name),
    );
  }
  const counts: BackupCounts = { files: 0, directories: 0, symlinks: 0, missingPayloads: 0 };
  // A fileID listed twice is one payload: it is listed (and read) once.
  const seenIds = new Set<string>();
  const unique: ManifestFile[] = [];
  for (const file of files) {
    const { entry } = file;
    const id = entry.backup?.fileId ?? "";
    if (seenIds.has(id)) {
      warnings.count(
        "BAD_FILE_ID",
        (n) =>
          `${n} Manifest.db rows repeat a fileID already listed; each payload is listed once (the first row)`,
        entry.origin,
      );
      continue;
    }
    seenIds.add(id);
    unique.push(file);
    if (entry.kind === "file") {
      counts.files += 1;
      entry.present = payloads.files.has(id);
      if (entry.present) continue;
      const kind = payloads.notRegular.get(id);
      const folder = id.slice(0, 2);
      if (linked.has(id) || linked.has(folder)) {
        entry.notRead = "its payload is a symbolic link, which is not followed";
        continue;
      }
      if (kind !== undefined) {
        entry.notRead = `its payload is ${kind}, not a regular file`;
        warnings.count(
          "SKIPPED",
          (n) => `${n} payloads are not regular files (a folder, FIFO, device or socket); not read`,
          `${entry.origin} (${join(dir, folder, id)} is ${kind})`,
        );
      } else if (payloads.unlisted.has(folder)) {
        entry.notRead = `its payload folder ${folder} could not be listed`;
        warnings.count(
          "UNREADABLE",
          (n) => `${n} files listed in Manifest.db are in payload folders that could not be listed; not read`,
          entry.origin,
        );
      } else {
        counts.missingPayloads += 1;
        warnings.count(
          "MISSING_PAYLOAD",
          (n) => `${n} files listed in Manifest.db have no payload in the backup (partial backup)`,
          entry.origin,
        );
      }
    } else if (entry.kind === "directory") counts.directories += 1;
    else counts.symlinks += 1;
  }
  if (unique.length < files.length) files = unique;
  if (alreadyDecrypted && manifestPlist.ManifestKey === undefined && (await payloadsEncrypted(dir, files))) {
    alreadyDecrypted = false;
    warnings.add({
      code: "OTHER",
      message:
        "Manifest.db is plain SQLite but the payloads are encrypted: a backup made before iOS 10.2, which left the index unencrypted; payloads are decrypted with the password",
      file: "Manifest.plist",
    });
    await unlock(false);
  }
  // The path index (a tree of path components, so a glob visits only what it can match), built
  // when first needed: `backup info` never needs it. Two rows for one device path (domains that
  // share a folder): the first wins, unless only a later one has its payload.
  let index: EntryIndex<ManifestFile> | undefined;
  const paths = (): EntryIndex<ManifestFile> => {
    if (index !== undefined) return index;
    const built = new EntryIndex<ManifestFile>();
    const rootParts = new Map<string, string[]>();
    for (const file of files) {
      const { entry } = file;
      let parts: string[];
      if (entry instanceof BackupEntry) {
        let root = rootParts.get(entry.root);
        if (root === undefined) {
          root = entry.root.split("/").filter((part) => part !== "");
          rootParts.set(entry.root, root);
        }
        parts = entry.pathParts(root);
      } else parts = entry.path.split("/").filter((part) => part !== "");
      if (built.add({ entry, locator: file }, parts)) continue;
      const previous = built.lookup(entry.path, true);
      if (previous !== undefined && !previous.entry.present && entry.present) {
        previous.entry = entry;
        previous.locator = file;
      }
    }
    index = built;
    return built;
  };
  const fileAt = (path: string): ManifestFile | undefined => paths().lookup(path, true)?.locator;

  const payloadPath = (file: ManifestFile): string => {
    const id = file.entry.backup?.fileId ?? "";
    return join(dir, id.slice(0, 2), id);
  };

  async function readPayload(file: ManifestFile, readOptions: { maxBytes?: number } = {}): Promise<Buffer> {
    const { entry } = file;
    if (entry.kind !== "file") throw new SpyglassError("USAGE", `${entry.path} is not a file`);
    const path = payloadPath(file);
    if (!entry.present) {
      const kind = notRegular.get(entry.backup?.fileId ?? "");
      throw kind === undefined
        ? new SpyglassError("NOT_FOUND", `The backup lists ${entry.path} but its payload is absent`, {
            file: entry.origin,
          })
        : new SpyglassError("CORRUPT", `Payload is ${kind}, not a regular file; it was not read`, {
            file: `${entry.path} (${path})`,
          });
    }
    let stat: Awaited<ReturnType<typeof fs.lstat>>;
    try {
      stat = await fs.lstat(path);
    } catch (error) {
      throw evidenceIoError(error, path, `Payload of ${entry.path}`);
    }
    if (!stat.isFile()) {
      throw new SpyglassError(
        "CORRUPT",
        `Payload is ${fileKind(stat)}, not a regular file; it was not read`,
        {
          file: `${entry.path} (${path})`,
        },
      );
    }
    const limit = readOptions.maxBytes ?? Number.POSITIVE_INFINITY;
    if (stat.size > limit) {
      throw new SpyglassError(
        "BUDGET",
        `Payload of ${stat.size} bytes exceeds the ${limit}-byte read budget`,
        { file: `${entry.path} (${path})` },
      );
    }
    // Opened without following a link or blocking on a FIFO swapped in since the lstat.
    const raw = await readRegularFile(path, { name: `Payload of ${entry.path}`, maxBytes: limit });
    if (classKeys === undefined) return raw;
    if (raw.length === 0 && file.declaredSize === 0) return raw;
    const split = file.encryptionKey === undefined ? undefined : splitWrappedKey(file.encryptionKey);
    if (split === undefined) {
      throw new SpyglassError(
        "CORRUPT",
        "The backup is encrypted but this file has no usable EncryptionKey",
        { file: entry.origin },
      );
    }
    const cls = entry.protectionClass ?? split.protectionClass;
    const classKey = classKeys.get(cls) ?? classKeys.get(split.protectionClass);
    const key = classKey === undefined ? undefined : unwrapKey(classKey, split.wrapped);
    if (key === undefined) {
      throw new SpyglassError("CORRUPT", `The file key does not unwrap with class key ${cls}`, {
        file: entry.origin,
      });
    }
    let result: ReturnType<typeof decryptPayload>;
    try {
      result = decryptPayload(key, raw);
    } catch {
      throw new SpyglassError(
        "CORRUPT",
        `Encrypted payload of ${raw.length} bytes is not a whole number of AES blocks (truncated?)`,
        {
          file: `${entry.path} (${path})`,
          offset: raw.length,
        },
      );
    }
    if (!result.paddingValid) {
      warnings.count(
        "BAD_PADDING",
        (n) => `${n} decrypted files had no valid PKCS#7 padding and were kept whole`,
        entry.path,
      );
    }
    if (result.plaintext.length !== file.declaredSize) {
      warnings.count(
        "SIZE_MISMATCH",
        (n) =>
          `${n} decrypted files differ in length from the Size in Manifest.db; the decrypted length was kept (never truncated)`,
        entry.path,
      );
    }
    return result.plaintext;
  }

  const source: IosBackup = {
    kind: "ios-backup",
    input,
    dir,
    encrypted,
    alreadyDecrypted,
    derivedKey,
    keybag,
    counts,
    files,
    async readManifestDb() {
      const withWal = await manifestWithWal(manifestPath, {
        encrypted: manifestDbKey !== undefined,
        budget,
        warnings: new WarningList(),
      });
      if (withWal !== undefined) return withWal;
      const raw = await readRegularFile(manifestPath, {
        name: "Manifest.db",
        maxBytes: budget.maxManifestBytes,
      });
      return manifestDbKey === undefined ? raw : decryptPayload(manifestDbKey, raw).plaintext;
    },
    device: deviceInfo(info, manifestPlist),
    get warnings() {
      return warnings.items;
    },
    backupPlists: {
      manifest: manifestPlist,
      ...(info === undefined ? {} : { info }),
      ...(status === undefined ? {} : { status }),
    },
    entries: () => paths().entries(true),
    get: (path) => paths().lookup(path, true)?.entry,
    glob(pattern) {
      // Parents the backup does not list are not entries of it; results in path order.
      return paths()
        .glob(pattern, undefined, { listedOnly: true })
        .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    read(entry, readOptions) {
      const file = fileAt(entry.path);
      if (file === undefined)
        return Promise.reject(new SpyglassError("NOT_FOUND", `Not in the backup: ${entry.path}`));
      return readPayload(file, readOptions);
    },
    async openDatabase(entry) {
      const file = fileAt(entry.path);
      if (file === undefined) throw new SpyglassError("NOT_FOUND", `Not in the backup: ${entry.path}`);
      const bytes = await readPayload(file);
      const walFile = fileAt(`${entry.path}-wal`);
      const wal = walFile?.entry.present ? await readPayload(walFile) : undefined;
      return openSqliteImage(bytes, { file: entry.path, ...(wal === undefined ? {} : { wal }) });
    },
    readPayload,
    payloadPath,
    fileKey(protectionClass, wrapped) {
      const classKey = classKeys?.get(protectionClass);
      return classKey === undefined ? undefined : unwrapKey(classKey, wrapped);
    },
    async close() {},
  };
  return source;
}

/**
 * True when the payloads of a backup with a plain index look encrypted: AES-CBC with PKCS#7 makes
 * a payload a whole number of blocks, 1 to 16 bytes longer than the Size Manifest.db declares,
 * where a decrypted copy has exactly that Size. Judged on up to 32 files that carry a key.
 */
async function payloadsEncrypted(dir: string, files: readonly ManifestFile[]): Promise<boolean> {
  let encrypted = 0;
  let plain = 0;
  for (const file of files) {
    if (encrypted + plain >= 32) break;
    const { entry } = file;
    if (entry.kind !== "file" || !entry.present || file.encryptionKey === undefined) continue;
    const id = entry.backup?.fileId ?? "";
    const size = (await fs.lstat(join(dir, id.slice(0, 2), id)).catch(() => undefined))?.size;
    if (size === undefined) continue;
    const extra = size - file.declaredSize;
    if (size % 16 === 0 && extra >= 1 && extra <= 16) encrypted += 1;
    else if (extra === 0) plain += 1;
  }
  return encrypted > plain;
}

/**
 * The Manifest listing: every Files row of Manifest.db as an entry, read from the pages (a chunk
 * at a time, decrypted with `key` when given), or through SQLite when the page reader does not
 * take the file.
 */
export async function readManifestListing(
  path: string,
  options: {
    key?: Buffer | undefined;
    /** The plaintext image to read instead of the file (Manifest.db with its WAL applied). */
    image?: Buffer;
    maxRows?: number;
    maxBytes?: number;
    warnings?: WarningList;
  } = {},
): Promise<ManifestFile[]> {
  const maxRows = options.maxRows ?? DEFAULT_BUDGET.maxRows;
  const maxBytes = options.maxBytes ?? DEFAULT_BUDGET.maxManifestBytes;
  const warnings = options.warnings ?? new WarningList();
  const fast = readManifestFast(path, { key: options.key, image: options.image, maxRows, warnings });
  if (Array.isArray(fast)) return fast;
  // After a structural error (a loop, a page or cell out of range…) SQLite is not trusted blindly:
  // it reads a corrupt tree without complaint (rows of another table taken as Files rows, rows
  // lost), so its own check runs first. The listing is kept (partial results are worth having),
  // but marked important: the scan verdict cannot be "no known traces" on it.
  const check = fast instanceof BtreeError && fast.kind === "corrupt";
  const { files, problems } = await readManifestWithSqlite(path, {
    key: options.key,
    image: options.image,
    maxRows,
    maxBytes,
    warnings,
    check,
  });
  if (fast instanceof BtreeError) {
    const where = { file: path, ...(fast.offset === undefined ? {} : { offset: fast.offset }) };
    if (problems.length > 0) {
      warnings.add({
        code: "CORRUPT",
        important: true,
        message: `Manifest.db is corrupt (the page reader stopped: ${fast.message}; SQLite's check: ${problems.join("; ")}): the file listing read through SQLite may miss files or hold wrong rows, so this check of the backup is incomplete. Copy the backup again or make a new one`,
        ...where,
      });
    } else {
      // SQLite read what the page reader refused: say so, since a well-formed index never gets here.
      warnings.add({
        code: "OTHER",
        message: `Manifest.db was read through SQLite; the page reader stopped: ${fast.message}`,
        ...where,
      });
    }
  }
  return files;
}

/**
 * Reads the Files rows with the page reader; otherwise the reason it stopped (a BtreeError) or
 * undefined (a table of another shape, a file it cannot open), and the caller uses SQLite.
 */
function readManifestFast(
  path: string,
  options: { key: Buffer | undefined; image: Buffer | undefined; maxRows: number; warnings: WarningList },
): ManifestFile[] | BtreeError | undefined {
  const { key, image, maxRows, warnings } = options;
  const local = new WarningList();
  let pages: PageSource | undefined;
  try {
    pages = image === undefined ? filePages(path, key) : imagePages(image);
    const files = readManifestPages(pages, { warnings: local, maxRows, file: path });
    if (files !== undefined) for (const item of local.items) warnings.add(item);
    return files;
  } catch (error) {
    // Anything else (a page the walker does not read, a file it cannot open) goes to SQLite.
    if (isSpyglassError(error, "BUDGET")) throw error;
    return error instanceof BtreeError ? error : undefined;
  } finally {
    pages?.close();
  }
}

/** Reads the Files rows through SQLite from an in-memory image (decrypted whole when encrypted). */
async function readManifestWithSqlite(
  path: string,
  options: {
    key: Buffer | undefined;
    image: Buffer | undefined;
    maxRows: number;
    maxBytes: number;
    warnings: WarningList;
    check: boolean;
  },
): Promise<{ files: ManifestFile[]; problems: string[] }> {
  const { key, maxRows, warnings } = options;
  const raw =
    options.image ?? (await readRegularFile(path, { name: "Manifest.db", maxBytes: options.maxBytes }));
  let image: Buffer = raw;
  if (key !== undefined && options.image === undefined) {
    try {
      image = decryptPayload(key, raw).plaintext;
    } catch {
      throw new SpyglassError(
        "CORRUPT",
        "Manifest.db is truncated: its size is not a whole number of AES blocks",
        {
          file: path,
          offset: raw.length,
          hint: "Copy the backup again; the file may have been cut short",
        },
      );
    }
    if (!isSqlite(image)) {
      throw new SpyglassError("CORRUPT", "Manifest.db does not decrypt to a SQLite database", {
        file: path,
        offset: 0,
      });
    }
  }
  let opened: OpenedDatabase;
  try {
    // The image is ours (read or decrypted just now): SQLite may have it without another copy.
    opened = openSqliteImage(image, { file: path, transfer: true });
  } catch (error) {
    if (error instanceof SpyglassError) {
      throw new SpyglassError("CORRUPT", `Manifest.db is unreadable: ${error.message}`, {
        file: path,
        hint: "Copy the backup again or make a new one; the index may be truncated",
        cause: error,
      });
    }
    throw error;
  }
  try {
    // quick_check: the b-tree structure (pages used twice, order, cell bounds), not index contents.
    const problems = options.check ? integrityProblems(opened.db) : [];
    const withoutMetadata = checkFilesTable(opened.db, {
      file: path,
      encrypted: key !== undefined,
      warnings,
    });
    const count = (opened.db.prepare("SELECT count(*) AS n FROM Files").get() as { n: number }).n;
    if (count > maxRows) {
      throw new SpyglassError("BUDGET", `Manifest.db lists ${count} files, more than the ${maxRows} budget`, {
        file: path,
      });
    }
    return { files: readManifestFiles(opened.db, warnings, { withoutMetadata }), problems };
  } catch (error) {
    if (error instanceof SpyglassError) throw error;
    throw new SpyglassError("CORRUPT", `Manifest.db is unreadable: ${(error as Error).message}`, {
      file: path,
      hint: "Copy the backup again or make a new one; the index may be truncated",
      cause: error,
    });
  } finally {
    opened.db.close();
  }
}

/**
 * Manifest.db with the committed frames of a Manifest.db-wal beside it applied in memory (nothing is
 * written next to the evidence), or undefined when there is no WAL or it is not applied. Finder and
 * iTunes leave none; an interrupted backup or another tool may. An encrypted backup's WAL is not
 * applied: whether it would be encrypted under the ManifestKey too is not known, so its presence
 * is reported instead.
 */
async function manifestWithWal(
  path: string,
  options: { encrypted: boolean; budget: BackupBudget; warnings: WarningList },
): Promise<Buffer | undefined> {
  const { encrypted, budget, warnings } = options;
  const walPath = `${path}-wal`;
  if (!(await exists(walPath))) return undefined;
  const skip = (reason: string): undefined => {
    warnings.add({
      code: "SKIPPED",
      important: true,
      message: `Manifest.db-wal is present but was not applied (${reason}): files added or removed in it are not in this listing`,
      file: walPath,
    });
    return undefined;
  };
  if (encrypted) return skip("the backup is encrypted and how its WAL would be encrypted is not known");
  let wal: Buffer;
  try {
    wal = await readRegularFile(walPath, { name: "Manifest.db-wal", maxBytes: budget.maxManifestBytes });
  } catch (error) {
    if (error instanceof SpyglassError) return skip(error.message);
    throw error;
  }
  const database = await readRegularFile(path, { name: "Manifest.db", maxBytes: budget.maxManifestBytes });
  let result: ReturnType<typeof applyWal>;
  try {
    result = applyWal(database, wal, walPath);
  } catch (error) {
    if (error instanceof SpyglassError) return skip(error.message);
    throw error;
  }
  if (result.framesApplied === 0) {
    if (wal.length > 0)
      warnings.add({
        code: "OTHER",
        message: "Manifest.db-wal is present but holds no committed changes; it was not applied",
        file: walPath,
      });
    return undefined;
  }
  warnings.add({
    code: "OTHER",
    message: `Manifest.db-wal was applied in memory: ${result.framesApplied} committed pages${
      result.framesIgnored > 0 ? ` (${result.framesIgnored} uncommitted or invalid ignored)` : ""
    }. Backups normally have none: this one may have been interrupted or written by another tool`,
    file: walPath,
  });
  return result.image;
}

/** What SQLite's quick_check finds wrong (its first lines), or nothing. */
function integrityProblems(db: SqliteDatabase): string[] {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = db.pragma("quick_check(5)") as Array<Record<string, unknown>>;
  } catch (error) {
    return [(error as Error).message];
  }
  const lines = rows
    .flatMap((row) => String(Object.values(row)[0] ?? "").split("\n"))
    .filter((line) => line !== "ok" && line !== "" && !line.startsWith("*** in database"));
  return lines.slice(0, 3);
}

/**
 * Checks that Files has the columns of a backup index, naming what is missing. Without `file`
 * (the MBFile metadata) a plain backup is still listed, with a warning, since the payloads are
 * found by fileID; an encrypted one is not, since its file keys are in MBFile. True when `file`
 * is missing.
 */
function checkFilesTable(
  db: SqliteDatabase,
  options: { file: string; encrypted: boolean; warnings: WarningList },
): boolean {
  const { file, encrypted, warnings } = options;
  const columns = tableColumns(db).get("files");
  if (columns === undefined) {
    throw new SpyglassError("CORRUPT", "Manifest.db has no Files table", {
      file,
      hint: "This is not the index of an iOS 10 or later backup, or it is damaged; make a new backup",
    });
  }
  const missing = ["fileID", "domain", "relativePath", "flags", "file"].filter(
    (name) => !columns.has(name.toLowerCase()),
  );
  if (missing.length === 0) return false;
  const names = missing.map((name) => `"${name}"`).join(", ");
  if (missing.some((name) => name !== "file") || encrypted) {
    throw new SpyglassError(
      "CORRUPT",
      `Manifest.db's Files table has no ${names} column${missing.length === 1 ? "" : "s"}${
        missing.length === 1 && encrypted
          ? " (the MBFile metadata that holds each file's key in an encrypted backup)"
          : ""
      }`,
      {
        file,
        hint: "This is not the index of a backup this reader knows, or it was altered; make a new backup",
      },
    );
  }
  warnings.add({
    code: "BAD_METADATA",
    message:
      'Manifest.db\'s Files table has no "file" column (MBFile metadata): files are listed without sizes, times and modes',
    file,
  });
  return true;
}

/** True when something is at `path` (lstat: a dangling link is there too, and is refused later). */
async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (error) {
    // Only "not there" is absence; anything else (permissions) is reported by the read that follows.
    const code = (error as NodeJS.ErrnoException).code;
    return code !== "ENOENT" && code !== "ENOTDIR";
  }
}

/** A plist of the backup folder, or undefined when there is none; throws SpyglassError on anything else. */
async function readPlist(dir: string, name: string, budget: BackupBudget): Promise<PlistDict | undefined> {
  const path = join(dir, name);
  if (!(await exists(path))) return undefined;
  const bytes = await readRegularFile(path, { name, maxBytes: budget.maxPlistBytes });
  return parsePlistDict(bytes, { file: path, budget: { maxBytes: budget.maxPlistBytes } });
}

/**
 * Info.plist and Status.plist only add device details and the snapshot state: one that cannot be
 * read or parsed becomes a warning and the backup is read without it.
 */
async function readOptionalPlist(
  dir: string,
  name: string,
  budget: BackupBudget,
  warnings: WarningList,
): Promise<PlistDict | undefined> {
  try {
    return await readPlist(dir, name, budget);
  } catch (error) {
    if (!(error instanceof SpyglassError)) throw error;
    warnings.add({
      code: error.code === "IO" ? "UNREADABLE" : error.code === "BUDGET" ? "BUDGET" : "CORRUPT",
      message: `${name} was skipped (${error.message}); the backup is read without it, so device details may be limited`,
      file: join(dir, name),
      ...(error.offset === undefined ? {} : { offset: error.offset }),
    });
    return undefined;
  }
}

/** What the payload folders hold: regular payload files, and what was met instead and not read. */
interface PayloadListing {
  files: Set<string>;
  /** Links met instead of payload folders or files (never followed). */
  links: string[];
  /** fileID → what its payload path is instead of a regular file (a folder, a FIFO, …). */
  notRegular: Map<string, string>;
  /** Payload folders (`xx`) that could not be listed, with the reason. */
  unlisted: Map<string, string>;
}

/**
 * The payload files of a backup (`xx/<fileID>` names) and what else was met. The top folder is
 * listed at once and the 256 payload folders all together, so the listing runs on the thread pool
 * while the caller reads Manifest.db. A folder that cannot be listed is reported, not fatal.
 */
async function listPayloads(dir: string): Promise<PayloadListing> {
  const listing: PayloadListing = { files: new Set(), links: [], notRegular: new Map(), unlisted: new Map() };
  let top: Dirent[];
  try {
    top = readdirSync(dir, { withFileTypes: true });
  } catch {
    return listing;
  }
  const folders: string[] = [];
  for (const sub of top) {
    if (!/^[0-9a-f]{2}$/.test(sub.name)) continue;
    if (sub.isDirectory()) folders.push(sub.name);
    else if (sub.isSymbolicLink()) listing.links.push(join(dir, sub.name));
  }
  const listed = await Promise.all(
    folders.map((name) =>
      fs.readdir(join(dir, name), { withFileTypes: true }).then(
        (children) => ({ name, children }),
        (error: unknown) => {
          listing.unlisted.set(name, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
          return { name, children: [] as Dirent[] };
        },
      ),
    ),
  );
  for (const { name, children } of listed) {
    for (const child of children) {
      if (!child.name.startsWith(name)) continue;
      if (child.isFile()) listing.files.add(child.name);
      else if (child.isSymbolicLink()) listing.links.push(join(dir, name, child.name));
      else if (child.isDirectory()) listing.notRegular.set(child.name, "a folder");
      else if (child.isFIFO()) listing.notRegular.set(child.name, "a FIFO (named pipe)");
      else if (child.isSocket()) listing.notRegular.set(child.name, "a socket");
      else listing.notRegular.set(child.name, "a device");
    }
  }
  return listing;
}

function deviceInfo(info: PlistDict | undefined, manifest: PlistDict): DeviceInfo {
  const lockdown = isPlistDict(manifest.Lockdown) ? manifest.Lockdown : {};
  const pick = (...values: Array<PlistValue | undefined>): string | undefined => {
    for (const value of values) if (typeof value === "string" && value !== "") return value;
    return undefined;
  };
  const out: DeviceInfo = {};
  const set = <K extends keyof DeviceInfo>(key: K, value: string | undefined): void => {
    if (value !== undefined) out[key] = value;
  };
  set("name", pick(info?.["Device Name"], info?.["Display Name"], lockdown.DeviceName));
  set("productType", pick(info?.["Product Type"], lockdown.ProductType));
  set("productVersion", pick(info?.["Product Version"], lockdown.ProductVersion));
  set("buildVersion", pick(info?.["Build Version"], lockdown.BuildVersion));
  set("udid", pick(info?.["Unique Identifier"], info?.["Target Identifier"], lockdown.UniqueDeviceID));
  set("serialNumber", pick(info?.["Serial Number"], lockdown.SerialNumber));
  set("imei", pick(info?.IMEI));
  set("phoneNumber", pick(info?.["Phone Number"]));
  set("backupDate", fromDate(info?.["Last Backup Date"]) ?? fromDate(manifest.Date));
  return out;
}

/** A data field of Manifest.plist; a CORRUPT error naming the field when it is absent or of another type. */
function dataField(plist: PlistDict, key: string, file: string, absent: string): Uint8Array {
  const value = plist[key];
  if (value instanceof Uint8Array) return value;
  throw new SpyglassError(
    "CORRUPT",
    value === undefined ? absent : `Manifest.plist ${key} is ${describeValue(value)}, not data`,
    { file, hint: "The backup's Manifest.plist may be damaged; make a new backup" },
  );
}

/** A plist value's type and a short form of it, for messages about a field of the wrong type. */
function describeValue(value: PlistValue): string {
  if (value instanceof Uint8Array) return `data of ${value.length} bytes`;
  if (value === null) return "null";
  if (value instanceof Date) return "a date";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return isPlistDict(value) ? "a dictionary" : "an object";
  const text = JSON.stringify(typeof value === "bigint" ? value.toString() : value);
  return `the ${typeof value === "bigint" ? "number" : typeof value} ${text.length > 40 ? `${text.slice(0, 40)}…` : text}`;
}
