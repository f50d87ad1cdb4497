import { describe, expect, it } from "vitest";
import { ARTIFACTS } from "../artifacts/registry.js";
import type { Finding, FindingEvidence } from "../model/finding.js";
import { MVT_MODULES, mvtAlerts, mvtModule } from "./mvt-alerts.js";

function evidence(artifact: string, kind: FindingEvidence["kind"] = "ios-backup", record?: unknown) {
  return { kind, artifact, path: "/p", ...(record === undefined ? {} : { record }) };
}

function finding(partial: Partial<Finding>): Finding {
  return {
    rule: "indicator/domain",
    level: "high",
    certainty: "exact",
    summary: "A finding.",
    evidence: [evidence("ios/sms", "ios-backup", { rowId: 3 })],
    ...partial,
  };
}

describe("alerts.json in MVT's shape", () => {
  it("uses MVT's module slugs where MVT has the module", () => {
    const cases: [FindingEvidence, string][] = [
      [evidence("ios/idstatuscache"), "id_status_cache"],
      [evidence("ios/osanalytics-addaily"), "os_analytics_ad_daily"],
      [evidence("ios/safari-history"), "safari_history"],
      [evidence("ios/safari-favicons"), "safari_favicon"],
      [evidence("ios/datausage"), "datausage"],
      [evidence("ios/sms"), "sms"],
      [evidence("ios/whatsapp-messages"), "whatsapp"],
      [evidence("ios/keychain-analytics", "fs-dump"), "analytics"],
      [evidence("ios/file-listing", "ios-backup"), "manifest"],
      [evidence("ios/file-listing", "fs-dump"), "filesystem"],
      [evidence("ios/webkit-website-data", "fs-dump", { kind: "indexeddb" }), "webkit_indexeddb"],
      [evidence("ios/webkit-website-data", "fs-dump", { kind: "localstorage" }), "webkit_local_storage"],
      [
        evidence("ios/webkit-website-data", "fs-dump", { kind: "safariviewservice" }),
        "webkit_safari_view_service",
      ],
    ];
    for (const [e, slug] of cases) expect(mvtModule(e, "rule"), `${e.artifact} ${e.kind}`).toBe(slug);
  });

  it("keeps our id, snake-cased, where MVT has no module, and the rule without evidence", () => {
    expect(mvtModule(evidence("ios/safari-history-tombstones"), "r")).toBe("safari_history_tombstones");
    expect(mvtModule(evidence("ios/preference-files"), "r")).toBe("preference_files");
    expect(mvtModule(evidence("ios/file-listing", "sysdiagnose"), "r")).toBe("file_listing");
    expect(mvtModule(evidence("ios/webkit-website-data", "fs-dump", {}), "r")).toBe("webkit_website_data");
    expect(mvtModule(undefined, "triangulation/event-window")).toBe("triangulation/event-window");
  });

  it("maps only artifacts that exist", () => {
    const ids = new Set(ARTIFACTS.map((a) => a.id));
    for (const id of Object.keys(MVT_MODULES)) expect(ids.has(id), id).toBe(true);
  });

  it("names indicator types by MVT's list names, keeps ours where MVT has no list", () => {
    const types: [string, string][] = [
      ["domain-name", "domains"],
      ["ipv4-addr", "domains"],
      ["url", "urls"],
      ["email-addr", "emails"],
      ["process:name", "processes"],
      ["file:name", "file_names"],
      ["file:path", "file_paths"],
      ["file:hashes.sha256", "files_sha256"],
      ["app:id", "app_ids"],
      ["configuration-profile:id", "ios_profile_ids"],
      ["ipv6-addr", "ipv6-addr"],
      ["tld", "tld"],
      ["freedns-zone", "freedns-zone"],
    ];
    for (const [type, list] of types) {
      const [alert] = mvtAlerts([
        finding({
          indicator: {
            value: "v",
            type,
            collection: "Pegasus",
            source: "/iocs/nso/pegasus.stix2",
            reason: "exact",
          },
        }),
      ]) as { matched_indicator: { type: string } }[];
      expect(alert!.matched_indicator.type, type).toBe(list);
    }
  });

  it("writes MVT's six keys with MVT's values, then our extra ones", () => {
    const alerts = mvtAlerts([
      {
        ...finding({
          time: "2023-01-01T10:05:14.123Z",
          indicator: {
            value: "evil.com",
            type: "domain-name",
            collection: "Pegasus",
            source: "/iocs/nso/pegasus.stix2",
            reason: "subdomain",
          },
        }),
        device: "phone-a",
      },
      finding({ rule: "mvt/threat-notification", level: "info" }),
    ]);
    expect(alerts[0]).toEqual({
      level: "HIGH",
      module: "sms",
      message: "A finding.",
      event_time: "2023-01-01 10:05:14.123000",
      event: { rowId: 3 },
      matched_indicator: {
        value: "evil.com",
        type: "domains",
        name: "Pegasus",
        stix2_file_name: "pegasus.stix2",
      },
      rule: "indicator/domain",
      device: "phone-a",
    });
    expect(alerts[1]).toMatchObject({ level: "INFORMATIONAL", event_time: "", matched_indicator: null });
    expect(Object.keys(alerts[1] as object)).not.toContain("device");
  });
});
