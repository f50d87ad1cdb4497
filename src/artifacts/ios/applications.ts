/** Installed applications: a backup's Info.plist app list with iTunesMetadata, or a dump's app bundles (MVT Applications). */
import { isSpyglassError } from "../../errors.js";
import { isKeyedArchive, unarchive } from "../../formats/nskeyed.js";
import { parsePlist } from "../../formats/plist.js";
import { isPlistDict, type PlistDict, type PlistValue } from "../../formats/plist-value.js";
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds, fromDate } from "../../model/time.js";
import type { Warning } from "../../model/warning.js";
import type { EvidenceEntry, EvidenceSource } from "../../readers/types.js";
import { defineArtifact, type ParseContext, type SourceContext, type TimelineEvent } from "../define.js";
import { asNumber, assignDefined, TextCap } from "./_shared/system.js";

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

/** Record fields that may be undefined while they are gathered. */
type Fields = { [K in keyof ApplicationRecord]?: ApplicationRecord[K] | undefined };

/** The record fields decoded iTunesMetadata gives (the bundle id only when non-empty). */
function itunesFields(metadata: PlistDict, cap: TextCap): Fields {
  const bundleId = cap.text(metadata.softwareVersionBundleId, "bundleId");
  const sourceApp = cap.text(metadata.sourceApp, "sourceApp");
  const download = metadata["com.apple.iTunesStore.downloadInfo"];
  return {
    bundleId: bundleId === "" ? undefined : bundleId,
    name: cap.text(metadata.itemName, "name"),
    version: cap.text(metadata.bundleShortVersionString, "version"),
    artist: cap.text(metadata.artistName, "artist"),
    sourceApp,
    purchasedAt:
      dateOf(metadata.purchaseDate) ?? (isPlistDict(download) ? dateOf(download.purchaseDate) : undefined),
    installedFrom: installedFrom(sourceApp, true),
  };
}

/** installedAt/installType from BundleMetadata.plist (an NSKeyedArchiver MIBundleMetadata, or a plain dict). */
function bundleFields(raw: PlistDict, where: { file: string; context: SourceContext }): Fields {
  let bundle: PlistValue = raw;
  if (isKeyedArchive(raw)) {
    try {
      bundle = unarchive(raw, { file: where.file, budget: { maxObjects: 100_000 } });
    } catch (error) {
      where.context.unreadable({
        code: "CORRUPT",
        message: `BundleMetadata.plist: ${(error as Error).message}`,
        file: where.file,
      });
      return {};
    }
  }
  if (!isPlistDict(bundle)) return {};
  const date = bundle.installDate;
  return {
    installedAt: date instanceof Date ? fromDate(date) : fromCocoaSeconds(asNumber(date)),
    installType: asNumber(bundle.installType),
  };
}

/**
 * Decodes a plist that must hold a dictionary; problems go to `report` naming `what` (a whole
 * file that cannot be used is unreadable, a blob inside a readable file only a warning).
 */
function decodeDict(
  bytes: Uint8Array,
  where: { what: string; file: string; report: (warning: Warning & { file: string }) => void },
): PlistDict | undefined {
  try {
    const value = parsePlist(bytes, { budget: { maxBytes: MAX_METADATA_BYTES }, file: where.file });
    if (isPlistDict(value)) return value;
    where.report({
      code: "CORRUPT",
      message: `${where.what} does not hold a dictionary`,
      file: where.file,
    });
  } catch (error) {
    where.report({
      code: isSpyglassError(error, "BUDGET") ? "BUDGET" : "CORRUPT",
      message: `${where.what} could not be decoded: ${(error as Error).message}`,
      file: where.file,
    });
  }
  return undefined;
}

/** Backups: Info.plist `Applications` (with iTunesMetadata) and `Installed Applications`. */
function* fromBackupInfo(info: PlistDict, context: Omit<ParseContext, "file">): Generator<ApplicationRecord> {
  const seen = new Set<string>();
  const applications = info.Applications;
  if (isPlistDict(applications)) {
    for (const [key, app] of Object.entries(applications)) {
      const cap = new TextCap();
      const record: ApplicationRecord = {
        bundleId: cap.text(key, "bundleId") ?? "",
        installedFrom: "unknown",
        metadataSource: "backup-applications",
      };
      const raw = isPlistDict(app) ? app.iTunesMetadata : undefined;
      if (raw instanceof Uint8Array) {
        const what = `iTunesMetadata of ${key.slice(0, 200)}`;
        const metadata = decodeDict(raw, { what, file: "Info.plist", report: context.warn });
        if (metadata !== undefined) assignDefined(record, itunesFields(metadata, cap));
      }
      seen.add(key);
      seen.add(record.bundleId);
      yield cap.finish(record);
    }
  }
  const installed = info["Installed Applications"];
  if (Array.isArray(installed)) {
    for (const item of installed) {
      if (typeof item !== "string" || seen.has(item)) continue;
      seen.add(item);
      const cap = new TextCap();
      yield cap.finish<ApplicationRecord>({
        bundleId: cap.text(item, "bundleId") ?? "",
        installedFrom: "unknown",
        metadataSource: "backup-installed-list",
      });
    }
  }
}

/** Dumps: each bundle container's iTunesMetadata.plist (else its app's Info.plist) and BundleMetadata.plist. */
async function* fromBundles(
  source: EvidenceSource,
  context: SourceContext,
): AsyncGenerator<ApplicationRecord> {
  const readDict = async (entry: EvidenceEntry | undefined): Promise<PlistDict | undefined> => {
    if (entry?.kind !== "file" || !entry.present) return undefined;
    let bytes: Buffer;
    try {
      bytes = await source.read(entry, { maxBytes: MAX_METADATA_BYTES });
    } catch (error) {
      context.unreadable({
        code: "CORRUPT",
        message: `could not be read: ${(error as Error).message}`,
        file: entry.path,
      });
      return undefined;
    }
    return decodeDict(bytes, {
      what: entry.path.split("/").at(-1) ?? entry.path,
      file: entry.path,
      report: context.unreadable,
    });
  };
  for (const container of source.glob(`${BUNDLE_ROOT}/*`)) {
    if (container.kind !== "directory") continue;
    const cap = new TextCap();
    const record: ApplicationRecord = {
      bundleId: "",
      installedFrom: "unknown",
      metadataSource: "itunes-metadata",
      container: container.path,
    };
    assignDefined(record, { containerCreatedAt: container.birthAt });
    const metadata = await readDict(source.get(`${container.path}/iTunesMetadata.plist`));
    if (metadata !== undefined) assignDefined(record, itunesFields(metadata, cap));
    const bundlePath = `${container.path}/BundleMetadata.plist`;
    const bundle = await readDict(source.get(bundlePath));
    if (bundle !== undefined) assignDefined(record, bundleFields(bundle, { file: bundlePath, context }));
    if (record.bundleId === "") {
      // No (usable) iTunesMetadata: sideloaded, enterprise or developer builds. The app's own Info.plist names it.
      const infoEntry = source
        .glob(`${container.path}/*.app/Info.plist`)
        .find((e) => e.kind === "file" && e.present);
      const info = await readDict(infoEntry);
      if (info !== undefined) {
        record.metadataSource = "bundle-info";
        record.bundleId = cap.text(info.CFBundleIdentifier, "bundleId") ?? "";
        assignDefined(record, {
          name: record.name ?? cap.text(info.CFBundleDisplayName ?? info.CFBundleName, "name"),
          version: record.version ?? cap.text(info.CFBundleShortVersionString, "version"),
        });
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
    yield cap.finish(record);
  }
}

async function* collectApplications(
  source: EvidenceSource,
  context: SourceContext,
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
  paths: [
    `${BUNDLE_ROOT}/*/iTunesMetadata.plist`,
    `${BUNDLE_ROOT}/*/BundleMetadata.plist`,
    `${BUNDLE_ROOT}/*/*.app/Info.plist`,
  ],
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
