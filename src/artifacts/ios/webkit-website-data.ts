/** WebKit website-data folders (IndexedDB, LocalStorage, SafariViewService): one record per origin-named entry. */
import type { Observable } from "../../model/observable.js";
import type { EvidenceEntry } from "../../readers/types.js";
import { defineArtifact } from "../define.js";
import { compact, hostOf, originFromWebsiteDataName, webLocation } from "./_shared/web.js";

/** Which store the entry belongs to. */
export type WebsiteDataKind = "indexeddb" | "localstorage" | "safariviewservice";

/** One origin that left website data on the device. */
export interface WebkitWebsiteDataRecord {
  /** Device path of the origin-named folder or file. */
  path: string;
  kind: WebsiteDataKind;
  /** The folder or file name, e.g. `https_www.example.com_0`. */
  name: string;
  /** The origin rebuilt from the name, e.g. `https://www.example.com`. */
  url: string;
  /** For IndexedDB v1 nested folders: the top-level origin the frame origin was stored under. */
  topOrigin?: string;
  /** The store inside SafariViewService (`IndexedDB`, `LocalStorage`), when not its top folder. */
  store?: string;
  modifiedAt?: string;
  birthAt?: string;
  /** App container (bundle id in backups, UUID in dumps). */
  container?: string;
}

const APP = "/private/var/mobile/Containers/Data/Application/*";
const DATA = "Library/WebKit/WebsiteData";
const SVS = `${APP}/SystemData/com.apple.SafariViewService/${DATA}`;

/** Classifies an entry by its place in the WebsiteData tree; undefined when it is not an origin entry. */
function classify(path: string): { kind: WebsiteDataKind; store?: string; topName?: string } | undefined {
  const marker = "/SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData/";
  const at = path.indexOf(marker);
  if (at >= 0) {
    const parts = path.slice(at + marker.length).split("/");
    const store = parts.length > 1 ? parts[0] : undefined;
    return { kind: "safariviewservice", ...(store === undefined ? {} : { store }) };
  }
  const nested = /\/WebsiteData\/IndexedDB\/v1\/([^/]+)\/[^/]+$/.exec(path);
  if (nested?.[1] !== undefined) return { kind: "indexeddb", topName: nested[1] };
  if (/\/WebsiteData\/IndexedDB\/(?:v1\/)?[^/]+$/.test(path)) return { kind: "indexeddb" };
  if (/\/WebsiteData\/LocalStorage\/[^/]+$/.test(path)) return { kind: "localstorage" };
  return undefined;
}

/** Yields one record per entry whose name encodes an origin; other entries (wal files, `v1`) are ignored. */
export function* parseWebsiteData(entries: readonly EvidenceEntry[]): Iterable<WebkitWebsiteDataRecord> {
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.path)) continue;
    seen.add(entry.path);
    const name = entry.path.slice(entry.path.lastIndexOf("/") + 1);
    const url = originFromWebsiteDataName(name);
    const place = classify(entry.path);
    if (url === undefined || place === undefined) continue;
    yield compact<WebkitWebsiteDataRecord>({
      path: entry.path,
      kind: place.kind,
      name,
      url,
      topOrigin: place.topName === undefined ? undefined : originFromWebsiteDataName(place.topName),
      store: place.store,
      modifiedAt: entry.modifiedAt,
      birthAt: entry.birthAt,
      container: webLocation(entry.path).container,
    });
  }
}

/** ios/webkit-website-data: origins that stored IndexedDB or LocalStorage data in WebKit views. */
export const webkitWebsiteDataArtifact = defineArtifact<WebkitWebsiteDataRecord>({
  id: "ios/webkit-website-data",
  title: "WebKit website data origins",
  description:
    "Origins that stored IndexedDB or LocalStorage data in Safari, in-app browsers and SafariViewService; exploit pages often leave such folders named after their domain.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    `${APP}/${DATA}/IndexedDB/*`,
    `${APP}/${DATA}/IndexedDB/v1/*`,
    `${APP}/${DATA}/IndexedDB/v1/*/*`,
    `${APP}/${DATA}/LocalStorage/*`,
    `/private/var/mobile/${DATA}/IndexedDB/*`,
    `/private/var/mobile/${DATA}/IndexedDB/v1/*`,
    `/private/var/mobile/${DATA}/IndexedDB/v1/*/*`,
    `/private/var/mobile/${DATA}/LocalStorage/*`,
    `${SVS}/*`,
    `${SVS}/IndexedDB/*`,
    `${SVS}/IndexedDB/v1/*`,
    `${SVS}/LocalStorage/*`,
  ],
  iosVersions: "iOS 12–18",
  input: { kind: "entries", parse: parseWebsiteData },
  observables: (record) => {
    const observables: Observable[] = [];
    if (hostOf(record.url) !== undefined) observables.push({ kind: "url", value: record.url, field: "url" });
    const top = record.topOrigin;
    if (top !== undefined && top !== record.url && hostOf(top) !== undefined)
      observables.push({ kind: "url", value: top, field: "topOrigin" });
    return observables;
  },
  events: (record) =>
    record.modifiedAt === undefined
      ? []
      : [
          {
            at: record.modifiedAt,
            event: `webkit_${record.kind}_modified`,
            description: `WebKit ${record.store ?? record.kind} data of ${record.url} last modified${record.container === undefined ? "" : ` in ${record.container}`}`,
          },
        ],
});
