/** WebKit's older tracking-prevention log: `browsingStatistics` of full_browsing_session_resourceLog.plist. */
import { isPlistDict, type PlistValue } from "../../formats/plist.js";
import type { Observable } from "../../model/observable.js";
import { fromDate, fromUnixSeconds } from "../../model/time.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asBoolean, cappedText, compact, webLocation } from "./_shared/web.js";

/** One domain's statistics from a session resource log. */
export interface WebkitSessionResourceLogRecord {
  /** Position in `browsingStatistics`. */
  index: number;
  /** The domain the statistics are about (`PrevalentResourceOrigin`, or `PrevalentResourceDomain` in model 15+). */
  origin: string;
  /** Domains that redirected the top frame to `origin`. */
  redirectsFrom: string[];
  /** Domains `origin` redirected the top frame to. */
  redirectsTo: string[];
  /** Top-frame domains `origin` was loaded under as a subframe. */
  subframeUnder: string[];
  /** Top-frame domains `origin` was loaded under as a subresource. */
  subresourceUnder: string[];
  /** Domains a subresource from `origin` redirected to. */
  subresourceRedirectsTo: string[];
  hadUserInteraction?: boolean;
  mostRecentUserInteractionAt?: string;
  lastSeenAt?: string;
  isPrevalent?: boolean;
  /** App container holding the log, when it lives in one. */
  container?: string;
  /** The web clip (home-screen web app) folder holding the log, when it is one. */
  webClip?: string;
  truncated?: string[];
}

/** Most domains stored per list. */
const MAX_DOMAINS = 500;

/** Reads a WebKit encoded set: an array of `{origin|domain, count?}` dictionaries (or bare strings). */
function domainList(
  item: Record<string, PlistValue>,
  keys: string[],
  field: string,
  truncated: string[],
): string[] {
  const out: string[] = [];
  for (const key of keys) {
    const list = item[key];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (out.length >= MAX_DOMAINS) {
        truncated.push(field);
        return out;
      }
      const value = isPlistDict(entry) ? (entry.domain ?? entry.origin) : entry;
      const text = cappedText(value, field, truncated);
      if (text !== undefined && text !== "") out.push(text);
    }
  }
  return out;
}

/** A WebKit time: a double of Unix seconds, or a plist date. */
function webkitTime(value: PlistValue | undefined): string | undefined {
  return value instanceof Date ? fromDate(value) : fromUnixSeconds(value);
}

/** Yields one record per entry of `browsingStatistics`. */
export function* parseSessionResourceLog(
  root: PlistValue,
  context: ParseContext,
): Iterable<WebkitSessionResourceLogRecord> {
  const statistics = isPlistDict(root) ? root.browsingStatistics : undefined;
  if (statistics === undefined) return;
  if (!Array.isArray(statistics)) {
    context.warn({ code: "CORRUPT", message: "browsingStatistics is not an array" });
    return;
  }
  const { container } = webLocation(context.file.path);
  const webClip = /^\/private\/var\/mobile\/Library\/WebClips\/([^/]+)\//.exec(context.file.path)?.[1];
  let skipped = 0;
  for (const [index, item] of statistics.entries()) {
    const truncated: string[] = [];
    const origin = isPlistDict(item)
      ? cappedText(item.PrevalentResourceDomain ?? item.PrevalentResourceOrigin, "origin", truncated)
      : undefined;
    if (!isPlistDict(item) || origin === undefined || origin === "") {
      skipped += 1;
      continue;
    }
    yield compact<WebkitSessionResourceLogRecord>({
      index,
      origin,
      redirectsFrom: domainList(item, ["topFrameUniqueRedirectsFrom"], "redirectsFrom", truncated),
      redirectsTo: domainList(item, ["topFrameUniqueRedirectsTo"], "redirectsTo", truncated),
      subframeUnder: domainList(
        item,
        ["subframeUnderTopFrameDomains", "subframeUnderTopFrameOrigins"],
        "subframeUnder",
        truncated,
      ),
      subresourceUnder: domainList(
        item,
        ["subresourceUnderTopFrameDomains", "subresourceUnderTopFrameOrigins"],
        "subresourceUnder",
        truncated,
      ),
      subresourceRedirectsTo: domainList(
        item,
        ["subresourceUniqueRedirectsTo"],
        "subresourceRedirectsTo",
        truncated,
      ),
      hadUserInteraction: asBoolean(item.hadUserInteraction),
      mostRecentUserInteractionAt: webkitTime(item.mostRecentUserInteraction),
      lastSeenAt: webkitTime(item.lastSeen),
      isPrevalent: asBoolean(item.isPrevalentResource),
      container,
      webClip,
      truncated: [...new Set(truncated)],
    });
  }
  if (skipped > 0) {
    context.warn({
      code: "CORRUPT",
      message: `${skipped} browsingStatistics entries without a domain were skipped`,
      count: skipped,
    });
  }
}

/** The first few domains of a list, for a one-line description. */
function few(list: string[]): string {
  return list.length <= 3 ? list.join(", ") : `${list.slice(0, 3).join(", ")} and ${list.length - 3} more`;
}

const LOG = "full_browsing_session_resourceLog.plist";
const STORE = `Library/WebKit/WebsiteData/ResourceLoadStatistics/${LOG}`;
const SVS = "SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData";

/** ios/webkit-session-resource-log: domains WebKit saw per browsing session, with the redirects between them. */
export const webkitSessionResourceLogArtifact = defineArtifact<WebkitSessionResourceLogRecord>({
  id: "ios/webkit-session-resource-log",
  title: "WebKit session resource log",
  description:
    "Domains loaded in WebKit browsing sessions with the top-frame redirects between them; shows exploit redirect chains (source → origin → destination).",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    `/private/var/mobile/${STORE}`,
    `/private/var/mobile/Containers/Data/Application/*/${STORE}`,
    `/private/var/mobile/Containers/Data/Application/*/${SVS}/${LOG}`,
    `/private/var/mobile/Containers/Data/Application/*/${SVS}/ResourceLoadStatistics/${LOG}`,
    `/private/var/mobile/Library/WebClips/*/Storage/${LOG}`,
    `/private/var/mobile/Containers/Data/PluginKitPlugin/*/${STORE}`,
    `/private/var/mobile/Containers/Shared/AppGroup/*/${STORE}`,
    `/private/var/containers/Data/System/*/${STORE}`,
  ],
  iosVersions: "iOS 11–16",
  input: { kind: "plist", parse: parseSessionResourceLog },
  observables: (record) => {
    const found: Observable[] = [{ kind: "domain", value: record.origin, field: "origin" }];
    const lists = [
      "redirectsFrom",
      "redirectsTo",
      "subframeUnder",
      "subresourceUnder",
      "subresourceRedirectsTo",
    ] as const;
    for (const list of lists) {
      record[list].forEach((value, i) => {
        found.push({ kind: "domain", value, field: `${list}[${i}]` });
      });
    }
    return found;
  },
  events: (record) => {
    const from = record.redirectsFrom.length > 0 ? ` (redirected from ${few(record.redirectsFrom)})` : "";
    const to = record.redirectsTo.length > 0 ? ` (redirected to ${few(record.redirectsTo)})` : "";
    const events = [];
    if (record.lastSeenAt !== undefined)
      events.push({
        at: record.lastSeenAt,
        event: "webkit_session_domain_seen",
        description: `WebKit session loaded ${record.origin}${from}${to}`,
      });
    if (record.mostRecentUserInteractionAt !== undefined)
      events.push({
        at: record.mostRecentUserInteractionAt,
        event: "webkit_session_domain_interaction",
        description: `User interacted with ${record.origin}`,
      });
    return events;
  },
});
