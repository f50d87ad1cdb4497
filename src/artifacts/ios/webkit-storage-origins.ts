/**
 * WebKit's partitioned website-data layout (iOS 16+): each storage folder `<top hash>/<frame hash>/`
 * holds an `origin` file naming the top-level and frame origins in WTF::Persistence encoding.
 * Folder names are salted hashes, so only this file says which sites stored data.
 */
import { SpyglassError } from "../../errors.js";
import type { Observable } from "../../model/observable.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { compact, hostOf, webLocation } from "./_shared/web.js";

/** One origin that stored website data, from an `origin` file. */
export interface WebkitStorageOriginRecord {
  /** Device path of the `origin` file. */
  path: string;
  /** The site in the address bar when the data was stored, e.g. `https://news.example`. */
  topOrigin: string;
  /** The origin that stored the data (differs from `topOrigin` for third-party frames). */
  url: string;
  /** True when the frame origin is the top origin. */
  firstParty: boolean;
  /** When WebKit wrote the origin file, i.e. first stored data for this pair. */
  birthAt?: string;
  modifiedAt?: string;
  /** App container (bundle id in backups, UUID in dumps). */
  container?: string;
  /** True for the store of SafariViewService (in-app Safari views). */
  safariViewService?: boolean;
  /** The Safari profile data store (`WebsiteDataStore/<UUID>`), when not the default one. */
  dataStore?: string;
}

/** Longest string accepted inside an origin file; real ones hold a scheme and a host name. */
const MAX_STRING = 4096;
/** Largest origin file decoded. */
const MAX_FILE = 64 * 1024;

/** A SecurityOriginData as stored: protocol, host and optional port. */
export interface DecodedOrigin {
  protocol: string;
  host: string;
  port?: number;
}

class OriginReader {
  private offset = 0;
  constructor(private readonly bytes: Buffer) {}

  private need(count: number): void {
    if (this.offset + count > this.bytes.length) {
      throw new SpyglassError("CORRUPT", "origin file ends inside a value", { offset: this.offset });
    }
  }

  private u8(): number {
    this.need(1);
    return this.bytes.readUInt8(this.offset++);
  }

  private bool(): boolean {
    const value = this.u8();
    if (value > 1)
      throw new SpyglassError("CORRUPT", `invalid boolean ${value}`, { offset: this.offset - 1 });
    return value === 1;
  }

  /** WTF::Persistence String: u32 length (0xFFFFFFFF = null), u8 is8Bit, then Latin-1 or UTF-16LE characters. */
  string(): string {
    this.need(4);
    const length = this.bytes.readUInt32LE(this.offset);
    this.offset += 4;
    if (length === 0xffffffff) return "";
    if (length > MAX_STRING) {
      throw new SpyglassError("CORRUPT", `string of ${length} characters in an origin file`, {
        offset: this.offset,
      });
    }
    const is8Bit = this.bool();
    const size = is8Bit ? length : length * 2;
    this.need(size);
    const text = this.bytes.toString(is8Bit ? "latin1" : "utf16le", this.offset, this.offset + size);
    this.offset += size;
    return text;
  }

  origin(): DecodedOrigin {
    const protocol = this.string();
    const host = this.string();
    const hasPort = this.bool();
    let port: number | undefined;
    if (hasPort) {
      this.need(2);
      port = this.bytes.readUInt16LE(this.offset);
      this.offset += 2;
    }
    return port === undefined ? { protocol, host } : { protocol, host, port };
  }
}

/** Decodes an `origin` file (a WebCore::ClientOrigin: top origin, then frame origin); throws when malformed. */
export function decodeClientOrigin(bytes: Buffer): { top: DecodedOrigin; frame: DecodedOrigin } {
  if (bytes.length > MAX_FILE) throw new SpyglassError("BUDGET", `origin file of ${bytes.length} bytes`);
  const reader = new OriginReader(bytes);
  return { top: reader.origin(), frame: reader.origin() };
}

/** An origin as a URL string (`scheme://host[:port]`); undefined for opaque or odd values. */
export function originUrl(origin: DecodedOrigin): string | undefined {
  const scheme = origin.protocol.toLowerCase();
  if (!/^[a-z][a-z0-9+.-]{0,31}$/.test(scheme)) return undefined;
  if (scheme === "file") return "file://";
  if (origin.host === "" || /[\s/\\@?#]/.test(origin.host)) return undefined;
  const host = origin.host.includes(":") && !origin.host.startsWith("[") ? `[${origin.host}]` : origin.host;
  return `${scheme}://${host}${origin.port === undefined ? "" : `:${origin.port}`}`;
}

/** Yields the one record of an `origin` file. */
export function* parseStorageOrigin(
  bytes: Buffer,
  context: ParseContext,
): Iterable<WebkitStorageOriginRecord> {
  const { top, frame } = decodeClientOrigin(bytes);
  const topOrigin = originUrl(top);
  const url = originUrl(frame);
  if (topOrigin === undefined || url === undefined) {
    context.warn({ code: "CORRUPT", message: "origin file names an origin that is not a URL" });
    return;
  }
  const path = context.file.path;
  yield compact<WebkitStorageOriginRecord>({
    path,
    topOrigin,
    url,
    firstParty: topOrigin === url,
    birthAt: context.file.birthAt,
    modifiedAt: context.file.modifiedAt,
    container: webLocation(path).container,
    safariViewService: path.includes("/SystemData/com.apple.SafariViewService/") || undefined,
    dataStore: /\/Library\/WebKit\/WebsiteDataStore\/([^/]+)\//.exec(path)?.[1],
  });
}

const ROOTS = [
  "/private/var/mobile/Containers/Data/Application/*/Library/WebKit",
  "/private/var/mobile/Containers/Data/Application/*/SystemData/com.apple.SafariViewService/Library/WebKit",
  "/private/var/mobile/Library/WebKit",
];

/** ios/webkit-storage-origins: sites that stored data in WebKit's partitioned layout (Safari 16+, WKWebView). */
export const webkitStorageOriginsArtifact = defineArtifact<WebkitStorageOriginRecord>({
  id: "ios/webkit-storage-origins",
  title: "WebKit storage origins",
  description:
    "Top-level and frame origins that stored LocalStorage, IndexedDB or cache data in Safari and in-app web views on iOS 16+; exploit pages leave these even when their folder names are hashed.",
  sources: ["ios-backup", "fs-dump"],
  paths: ROOTS.flatMap((root) => [
    `${root}/WebsiteData/Default/*/*/origin`,
    `${root}/WebsiteDataStore/*/Origins/*/*/origin`,
  ]),
  iosVersions: "iOS 16–18",
  input: { kind: "bytes", parse: parseStorageOrigin },
  observables: (record) => {
    const found: Observable[] = [];
    if (hostOf(record.url) !== undefined) found.push({ kind: "url", value: record.url, field: "url" });
    if (!record.firstParty && hostOf(record.topOrigin) !== undefined)
      found.push({ kind: "url", value: record.topOrigin, field: "topOrigin" });
    return found;
  },
  events: (record) => {
    const under = record.firstParty ? "" : ` under ${record.topOrigin}`;
    const where = record.container === undefined ? "" : ` in ${record.container}`;
    const at = record.birthAt ?? record.modifiedAt;
    return at === undefined
      ? []
      : [
          {
            at,
            event: "webkit_origin_storage_created",
            description: `WebKit began storing data for ${record.url}${under}${where}`,
          },
        ];
  },
});
