/** Device facts a dump carries in well-known files: iOS version and build, device name. */
import { isSpyglassError } from "../../errors.js";
import { isPlistDict, parsePlist } from "../../formats/plist.js";
import type { WarningList } from "../../model/warning.js";
import type { DeviceInfo, EvidenceSource } from "../types.js";

/** System partition: ProductVersion, ProductBuildVersion. */
export const SYSTEM_VERSION_PATH = "/System/Library/CoreServices/SystemVersion.plist";
/** Lockdown's data ark: "-DeviceName" among others. */
export const DATA_ARK_PATH = "/private/var/root/Library/Lockdown/data_ark.plist";
/** Files `readDeviceInfo` reads, so a .tar.gz keeps them in memory while indexing. */
export const DEVICE_INFO_PATHS: readonly string[] = [SYSTEM_VERSION_PATH, DATA_ARK_PATH];

const MAX_PLIST_BYTES = 4 * 1024 * 1024;

async function readDict(source: EvidenceSource, path: string, warnings: WarningList) {
  const entry = source.get(path);
  if (entry === undefined || entry.kind !== "file" || !entry.present) return undefined;
  try {
    const value = parsePlist(await source.read(entry, { maxBytes: MAX_PLIST_BYTES }), { file: path });
    return isPlistDict(value) ? value : undefined;
  } catch (error) {
    warnings.add({
      code: isSpyglassError(error, "BUDGET") ? "BUDGET" : "CORRUPT",
      message: `device information not read: ${(error as Error).message}`,
      file: path,
    });
    return undefined;
  }
}

/** Fills what the dump tells about the device; unreadable files become warnings. */
export async function readDeviceInfo(source: EvidenceSource, warnings: WarningList): Promise<DeviceInfo> {
  const device: DeviceInfo = {};
  const version = await readDict(source, SYSTEM_VERSION_PATH, warnings);
  const productVersion = version?.ProductVersion;
  const buildVersion = version?.ProductBuildVersion;
  if (typeof productVersion === "string") device.productVersion = productVersion;
  if (typeof buildVersion === "string") device.buildVersion = buildVersion;
  const ark = await readDict(source, DATA_ARK_PATH, warnings);
  const name = ark?.["-DeviceName"];
  if (typeof name === "string") device.name = name;
  return device;
}
