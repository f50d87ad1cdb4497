/** Installed applications: a backup's Info.plist app list with iTunesMetadata, or a dump's app bundles (MVT Applications). */
import { isSpyglassError } from "../../errors.js";
import { isKeyedArchive, unarchive } from "../../formats/nskeyed.js";
import { parsePlist } from "../../formats/plist.js";
import { isPlistDict, type PlistDict, type PlistValue } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds, fromDate } from "../../model/time.js";
import type { EvidenceEntry, EvidenceSource } from "../../readers/types.js";
import { defineArtifact, type ParseContext, type TimelineEvent } from "../define.js";
import { asNumber, cappedText, setDefined } from "./_shared/system.js";

/** Where an app came from, judged by iTunesMetadata's sourceApp. */
export type InstalledFrom = "app-store" | "mdm" | "other" | "unknown";

/** One installed application. */
export interface ApplicationRecord {
  bundleId: string;
  name?: string;
  version?: string;
  artist?: string;
  /** iTunesMetadata sourceApp: the installer (com.apple.AppStore, com.apple.dmd for MDM, TestFlight…). */
  sourceApp?: string;
  purchasedAt?: string;
  /**
   * app-store / mdm from sourceApp; other for any other installer; unknown when there is no
   * iTunesMetadata (in a dump that means the app was not installed from the App Store).
   */
  installedFrom: InstalledFrom;
  /** What the record was read from. */
  metadataSource: "backup-applications" | "backup-installed-list" | "itunes-metadata" | "bundle-info";
  /** Dumps: the app's bundle container and when it was created. */
  container?: string;
  containerCreatedAt?: string;
  /** Dumps: BundleMetadata.plist installDate and installType (installd's own record of the install). */
  installedAt?: string;
  installType?: number;
  truncated?: string[];
}

const APP_STORE_SOURCES = new Set(["com.apple.AppStore", "com.apple.AppStore.ProductPageExtension"]);
const MDM_SOURCES = new Set(["com.apple.dmd", "dmd"]);
const BUNDLE_ROOT = "/private/var/containers/Bundle/Application";
const MAX_METADATA_BYTES = 16 * 1024 * 1024;

function installedFrom(sourceApp: string | undefined, hasMetadata: boolean): InstalledFrom {
  if (sourceApp === undefined) return hasMetadata ? "other" : "unknown";
  if (APP_STORE_SOURCES.has(sourceApp)) return "app-store";
  if (MDM_SOURCES.has(sourceApp)) return "mdm";
  return "other";
}

function dateOf(value: PlistValue | undefined): string | undefined {
  if (value instanceof Date) return fromDate(value);
  if (typeof value === "string") {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : fromDate(new Date(ms));
  }
  return undefined;
}

/** Fills a record from decoded iTunesMetadata. */
function applyItunesMetadata(record: ApplicationRecord, metadata: PlistDict, truncated: string[]): void {
  const bundleId = cappedText(metadata.softwareVersionBundleId, "bundleId", truncated);
  if (bundleId !== undefined && bundleId !== "") record.bundleId = bundleId;
  setDefined(record, "name", cappedText(metadata.itemName, "name", truncated));
  setDefined(record, "version", cappedText(metadata.bundleShortVersionString, "version", truncated));
  setDefined(record, "artist", cappedText(metadata.artistName, "artist", truncated));
  setDefined(record, "sourceApp", cappedText(metadata.sourceApp, "sourceApp", truncated));
  const download = metadata["com.apple.iTunesStore.downloadInfo"];
  const purchased =
    dateOf(metadata.purchaseDate) ?? (isPlistDict(download) ? dateOf(download.purchaseDate) : undefined);
  setDefined(record, "purchasedAt", purchased);
  record.installedFrom = installedFrom(record.sourceApp, true);
}

function decode(
  bytes: Uint8Array,
  what: string,
  context: Omit<ParseContext, "file">,
  file?: string,
): PlistDict | undefined {
  try {
    const value = parsePlist(bytes, {
      budget: { maxBytes: MAX_METADATA_BYTES },
      ...(file === undefined ? {} : { file }),
    });
    if (isPlistDict(value)) return value;
    context.warn({
      code: "CORRUPT",
      message: `${what} does not hold a dictionary`,
      ...(file === undefined ? {} : { file }),
    });
  } catch (error) {
    context.warn({
      code: isSpyglassError(error, "BUDGET") ? "BUDGET" : "CORRUPT",
      message: `${what} could not be decoded: ${(error as Error).message}`,
      ...(file === undefined ? {} : { file }),
    });
  }
  return undefined;
}

function finish(record: ApplicationRecord, truncated: string[]): ApplicationRecord {
  if (truncated.length > 0) record.truncated = [...new Set(truncated)];
  return record;
}

/** Backups: Info.plist `Applications` (with iTunesMetadata) and `Installed Applications`. */
function* fromBackupInfo(info: PlistDict, context: Omit<ParseContext, "file">): Generator<ApplicationRecord> {
  const seen = new Set<string>();
  const applications = info.Applications;
  if (isPlistDict(applications)) {
    for (const [key, app] of Object.entries(applications)) {
      const truncated: string[] = [];
      const record: ApplicationRecord = {
        bundleId: cappedText(key, "bundleId", truncated) ?? "",
        installedFrom: "unknown",
        metadataSource: "backup-applications",
      };
      const raw = isPlistDict(app) ? app.iTunesMetadata : undefined;
      if (raw instanceof Uint8Array) {
        const metadata = decode(raw, `iTunesMetadata of ${key.slice(0, 200)}`, context, "Info.plist");
        if (metadata !== undefined) applyItunesMetadata(record, metadata, truncated);
      }
      seen.add(key);
      seen.add(record.bundleId);
      yield finish(record, truncated);
    }
  }
  const installed = info["Installed Applications"];
  if (Array.isArray(installed)) {
    for (const item of installed) {
      if (typeof item !== "string" || seen.has(item)) continue;
      seen.add(item);
      const truncated: string[] = [];
      const record: ApplicationRecord = {
        bundleId: cappedText(item, "bundleId", truncated) ?? "",
        installedFrom: "unknown",
        metadataSource: "backup-installed-list",
      };
      yield finish(record, truncated);
    }
  }
}

/** Fills installedAt/installType from BundleMetadata.plist (an NSKeyedArchiver MIBundleMetadata, or a plain dict). */
function applyBundleMetadata(
  record: ApplicationRecord,
  raw: PlistDict,
  file: string,
  context: Omit<ParseContext, "file">,
): void {
  let bundle: PlistValue = raw;
  if (isKeyedArchive(raw)) {
    try {
      bundle = unarchive(raw, { file, budget: { maxObjects: 100_000 } });
    } catch (error) {
      context.warn({ code: "CORRUPT", message: `BundleMetadata.plist: ${(error as Error).message}`, file });
      return;
    }
  }
  if (!isPlistDict(bundle)) return;
  const date = bundle.installDate;
  setDefined(record, "installedAt", date instanceof Date ? fromDate(date) : fromCocoaSeconds(asNumber(date)));
  setDefined(record, "installType", asNumber(bundle.installType));
}

async function readDict(
  source: EvidenceSource,
  entry: EvidenceEntry,
  context: Omit<ParseContext, "file">,
): Promise<PlistDict | undefined> {
  let bytes: Buffer;
  try {
    bytes = await source.read(entry, { maxBytes: MAX_METADATA_BYTES });
  } catch (error) {
    context.warn({
      code: "CORRUPT",
      message: `could not be read: ${(error as Error).message}`,
      file: entry.path,
    });
    return undefined;
  }
  return decode(bytes, entry.path.split("/").at(-1) ?? entry.path, context, entry.path);
}

/** Dumps: each bundle container's iTunesMetadata.plist, else its app's Info.plist. */
async function* fromBundles(
  source: EvidenceSource,
  context: Omit<ParseContext, "file">,
): AsyncGenerator<ApplicationRecord> {
  for (const container of source.glob(`${BUNDLE_ROOT}/*`)) {
    if (container.kind !== "directory") continue;
    const truncated: string[] = [];
    const record: ApplicationRecord = {
      bundleId: "",
      installedFrom: "unknown",
      metadataSource: "itunes-metadata",
    };
    record.container = container.path;
    setDefined(record, "containerCreatedAt", container.birthAt);
    const metadataEntry = source.get(`${container.path}/iTunesMetadata.plist`);
    const metadata =
      metadataEntry?.kind === "file" && metadataEntry.present
        ? await readDict(source, metadataEntry, context)
        : undefined;
    if (metadata !== undefined) applyItunesMetadata(record, metadata, truncated);
    const bundleEntry = source.get(`${container.path}/BundleMetadata.plist`);
    if (bundleEntry?.kind === "file" && bundleEntry.present) {
      const bundle = await readDict(source, bundleEntry, context);
      if (bundle !== undefined) applyBundleMetadata(record, bundle, bundleEntry.path, context);
    }
    if (record.bundleId === "") {
      // No (usable) iTunesMetadata: sideloaded, enterprise or developer builds. The app's own Info.plist names it.
      const infoEntry = source
        .glob(`${container.path}/*.app/Info.plist`)
        .find((e) => e.kind === "file" && e.present);
      const info = infoEntry === undefined ? undefined : await readDict(source, infoEntry, context);
      if (info !== undefined) {
        record.metadataSource = "bundle-info";
        record.bundleId = cappedText(info.CFBundleIdentifier, "bundleId", truncated) ?? "";
        if (record.name === undefined)
          setDefined(
            record,
            "name",
            cappedText(info.CFBundleDisplayName ?? info.CFBundleName, "name", truncated),
          );
        if (record.version === undefined)
          setDefined(record, "version", cappedText(info.CFBundleShortVersionString, "version", truncated));
      }
    }
    if (record.bundleId === "" && metadata === undefined && record.metadataSource !== "bundle-info") {
      if (record.installedAt !== undefined)
        context.warn({
          code: "OTHER",
          message: "app container names no app (no iTunesMetadata or Info.plist)",
          file: container.path,
        });
      continue;
    }
    yield finish(record, truncated);
  }
}

async function* collectApplications(
  source: EvidenceSource,
  context: Omit<ParseContext, "file">,
): AsyncGenerator<ApplicationRecord> {
  const info = source.backupPlists?.info;
  if (info !== undefined) yield* fromBackupInfo(info, context);
  yield* fromBundles(source, context);
}

/** Installed applications with their store metadata. */
export const applicationsArtifact = defineArtifact<ApplicationRecord>({
  id: "ios/applications",
  title: "Installed applications",
  description:
    "Apps installed on the device with their installer and purchase date; known spyware bundle ids and apps not installed from the App Store or MDM show up here.",
  sources: ["ios-backup", "fs-dump"],
  paths: [`${BUNDLE_ROOT}/*/iTunesMetadata.plist`, `${BUNDLE_ROOT}/*/*.app/Info.plist`],
  iosVersions: "iOS 12–18",
  input: { kind: "source", collect: collectApplications },
  observables(record) {
    const out: Observable[] = [];
    if (record.bundleId !== "") {
      out.push({ kind: "app-id", value: record.bundleId, field: "bundleId" });
      out.push({ kind: "process", value: record.bundleId, field: "bundleId" });
    }
    return out;
  },
  events(record) {
    const events: TimelineEvent[] = [];
    const name = record.name === undefined ? record.bundleId : `${record.name} (${record.bundleId})`;
    if (record.purchasedAt !== undefined)
      events.push({ at: record.purchasedAt, event: "app_purchased", description: `${name} purchased` });
    if (record.installedAt !== undefined)
      events.push({ at: record.installedAt, event: "app_installed", description: `${name} installed` });
    if (record.containerCreatedAt !== undefined)
      events.push({
        at: record.containerCreatedAt,
        event: "app_container_created",
        description: `${name} bundle container created`,
      });
    return events;
  },
});
