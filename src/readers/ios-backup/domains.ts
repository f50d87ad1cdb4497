/**
 * Backup domains → canonical device paths (../shared/DESIGN.md "Device paths are canonical";
 * ../shared/reference/ios-formats.md section 1.5). App containers keep the bundle or group id
 * where a file-system dump has the container UUID, so `*` globs match both.
 */

const FIXED: Record<string, string> = {
  HomeDomain: "/private/var/mobile",
  MediaDomain: "/private/var/mobile",
  CameraRollDomain: "/private/var/mobile",
  RootDomain: "/private/var/root",
  WirelessDomain: "/private/var/wireless",
  SystemPreferencesDomain: "/private/var/preferences",
  KeychainDomain: "/private/var/Keychains",
  DatabaseDomain: "/private/var/db",
  ManagedPreferencesDomain: "/private/var/Managed Preferences",
  HealthDomain: "/private/var/mobile/Library/Health",
  MobileDeviceDomain: "/private/var/MobileDevice",
  ProtectedDomain: "/private/var/protected",
  InstallDomain: "/private/var/installd",
  TonesDomain: "/private/var/mobile",
  BooksDomain: "/private/var/mobile/Media/Books",
  KeyboardDomain: "/private/var/mobile",
  HomeKitDomain: "/private/var/mobile",
  NetworkDomain: "/private/var/networkd",
};

const PREFIXED: Array<[string, string]> = [
  ["AppDomainGroup-", "/private/var/mobile/Containers/Shared/AppGroup/"],
  ["AppDomainPlugin-", "/private/var/mobile/Containers/Data/PluginKitPlugin/"],
  ["AppDomain-", "/private/var/mobile/Containers/Data/Application/"],
  ["SysSharedContainerDomain-", "/private/var/containers/Shared/SystemGroup/"],
  ["SysContainerDomain-", "/private/var/containers/Data/System/"],
];

/** The device folder a backup domain stands for; unknown domains go under /private/var/.backup-domains/. */
export function domainRoot(domain: string): string {
  const fixed = FIXED[domain];
  if (fixed !== undefined) return fixed;
  for (const [prefix, root] of PREFIXED) {
    if (domain.startsWith(prefix) && domain.length > prefix.length)
      return root + safeComponent(domain.slice(prefix.length));
  }
  return `/private/var/.backup-domains/${safeComponent(domain)}`;
}

/** The canonical device path of a backup file (domain + relativePath), normalised and kept inside its root. */
export function devicePath(domain: string, relativePath: string): string {
  return pathUnder(domainRoot(domain), relativePath);
}

/** `relativePath` under a domain's device folder, with empty, `.` and `..` components resolved inside it. */
export function pathUnder(root: string, relativePath: string): string {
  const normal = normalRelativePath(relativePath);
  return normal === "" ? root : `${root}/${normal}`;
}

/** relativePath itself when it is normal (the usual case), else with empty, `.` and `..` components resolved ("" for the root). */
export function normalRelativePath(relativePath: string): string {
  if (relativePath === "" || isNormal(relativePath)) return relativePath;
  const parts: string[] = [];
  for (const part of relativePath.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return parts.join("/");
}

/** True when no component is empty, `.` or `..` (the usual case, checked without a regex). */
function isNormal(path: string): boolean {
  // Native searches settle almost every path; only names with a leading dot need the walk below.
  if (
    path === "" ||
    path.charCodeAt(0) === 47 ||
    path.charCodeAt(path.length - 1) === 47 ||
    path.includes("//")
  )
    return false;
  if (path.charCodeAt(0) !== 46 && !path.includes("/.")) return true;
  let start = 0;
  for (let i = 0; i <= path.length; i++) {
    if (i < path.length && path.charCodeAt(i) !== 47) continue;
    const length = i - start;
    if (length === 0) return false;
    if (
      path.charCodeAt(start) === 46 &&
      (length === 1 || (length === 2 && path.charCodeAt(start + 1) === 46))
    )
      return false;
    start = i + 1;
  }
  return true;
}

function safeComponent(value: string): string {
  return value.replaceAll("/", "_").replace(/^\.+$/, "_");
}
