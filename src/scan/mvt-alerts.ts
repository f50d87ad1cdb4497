/**
 * alerts.json in the shape of MVT's (V3) alerts (MVT's AlertStore.as_json): level, module, message,
 * event_time, event, matched_indicator {value, type, name, stix2_file_name}. Module slugs and
 * indicator list names are MVT's wherever MVT has an equivalent; docs/detections.md has the tables.
 */
import { basename } from "node:path";
import type { IndicatorType } from "../indicators/types.js";
import type { Finding, FindingEvidence } from "../model/finding.js";
import { mvtTime } from "./timeline.js";

/** MVT's module slug of each artifact that one MVT module reads (its class name snake-cased). */
export const MVT_MODULES: Readonly<Record<string, string>> = {
  "ios/applications": "applications",
  "ios/backup-info": "backup_info",
  "ios/cache-files": "cache_files",
  "ios/calendar": "calendar",
  "ios/calls": "calls",
  "ios/chrome-favicons": "chrome_favicon",
  "ios/chrome-history": "chrome_history",
  "ios/configuration-profiles": "configuration_profiles",
  "ios/contacts": "contacts",
  "ios/datausage": "datausage",
  "ios/firefox-favicons": "firefox_favicon",
  "ios/firefox-history": "firefox_history",
  "ios/global-preferences": "global_preferences",
  "ios/idstatuscache": "id_status_cache",
  "ios/interactionc": "interaction_c",
  "ios/keychain-analytics": "analytics",
  "ios/locationd-clients": "locationd_clients",
  "ios/netusage": "netusage",
  "ios/os-version-history": "ios_version_history",
  "ios/osanalytics-addaily": "os_analytics_ad_daily",
  "ios/profile-events": "profile_events",
  "ios/safari-browser-state": "safari_browser_state",
  "ios/safari-favicons": "safari_favicon",
  "ios/safari-history": "safari_history",
  "ios/shortcuts": "shortcuts",
  "ios/sms": "sms",
  "ios/sms-attachments": "sms_attachments",
  "ios/tcc": "tcc",
  "ios/webkit-resource-load-statistics": "webkit_resource_load_statistics",
  "ios/webkit-session-resource-log": "webkit_session_resource_log",
  "ios/whatsapp-contacts": "whatsapp_contacts",
  "ios/whatsapp-messages": "whatsapp",
};

/** MVT's three website-data modules, by the store our one artifact names in `kind`. */
const WEBSITE_DATA_MODULES: Readonly<Record<string, string>> = {
  indexeddb: "webkit_indexeddb",
  localstorage: "webkit_local_storage",
  safariviewservice: "webkit_safari_view_service",
};

/** MVT's internal list name of each indicator type it loads (its `Indicator.type`). */
export const MVT_INDICATOR_LISTS: Readonly<Partial<Record<IndicatorType, string>>> = {
  "domain-name": "domains",
  // MVT keeps IPv4 indicators with the domains and matches them as hosts.
  "ipv4-addr": "domains",
  url: "urls",
  "email-addr": "emails",
  "process:name": "processes",
  "file:name": "file_names",
  "file:path": "file_paths",
  "file:hashes.md5": "files_md5",
  "file:hashes.sha1": "files_sha1",
  "file:hashes.sha256": "files_sha256",
  "app:id": "app_ids",
  "app:cert.md5": "app_cert_hashes",
  "app:cert.sha1": "app_cert_hashes",
  "app:cert.sha256": "app_cert_hashes",
  "configuration-profile:id": "ios_profile_ids",
  "android-property:name": "android_property_names",
};

/** The `module` of an alert: MVT's slug for the evidence's artifact, else our artifact id snake-cased. */
export function mvtModule(evidence: FindingEvidence | undefined, rule: string): string {
  if (evidence === undefined) return rule;
  const { artifact } = evidence;
  // One artifact for what MVT splits by source: Manifest.db (backups) or the dump's file system.
  if (artifact === "ios/file-listing") {
    if (evidence.kind === "ios-backup") return "manifest";
    if (evidence.kind === "fs-dump") return "filesystem";
  }
  if (artifact === "ios/webkit-website-data") {
    const kind = (evidence.record as { kind?: unknown } | undefined)?.kind;
    const slug = typeof kind === "string" ? WEBSITE_DATA_MODULES[kind] : undefined;
    if (slug !== undefined) return slug;
  }
  return MVT_MODULES[artifact] ?? artifact.replace(/^ios\//, "").replaceAll("-", "_");
}

const MVT_LEVEL: Record<Finding["level"], string> = {
  critical: "CRITICAL",
  high: "HIGH",
  medium: "MEDIUM",
  low: "LOW",
  info: "INFORMATIONAL",
};

/**
 * One MVT alert per finding. `rule` (and `device` for several devices) are ours and extra: MVT's
 * reader of alerts.json takes its six keys by name and ignores the others.
 */
export function mvtAlerts(findings: ReadonlyArray<Finding & { device?: string }>): unknown[] {
  return findings.map((finding) => ({
    level: MVT_LEVEL[finding.level],
    module: mvtModule(finding.evidence[0], finding.rule),
    message: finding.summary,
    event_time: finding.time === undefined ? "" : mvtTime(finding.time),
    event: finding.evidence[0]?.record ?? {},
    matched_indicator:
      finding.indicator === undefined
        ? null
        : {
            value: finding.indicator.value,
            type: MVT_INDICATOR_LISTS[finding.indicator.type as IndicatorType] ?? finding.indicator.type,
            name: finding.indicator.collection,
            // MVT names the file without its folder; results.json keeps the whole path.
            stix2_file_name: basename(finding.indicator.source),
          },
    rule: finding.rule,
    ...(finding.device === undefined ? {} : { device: finding.device }),
  }));
}
