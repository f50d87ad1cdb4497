import { describe, expect, it } from "vitest";
import type { ObservableKind } from "../model/observable.js";
import type { Warning } from "../model/warning.js";
import { buildIndicatorIndex } from "./indicator-index.js";
import type { IndicatorEntry, IndicatorType } from "./types.js";

const IOCS: [IndicatorType, string][] = [
  ["domain-name", "evil.com"],
  ["domain-name", "cdn.bad.org"],
  ["domain-name", "Web-Trackers.COM."],
  ["domain-name", "xn--bcher-kva.example"],
  ["domain-name", "münchen-evil.de"],
  ["domain-name", "1ca43.appspot.com"],
  ["domain-name", "appspot.com"],
  ["domain-name", "co.uk"],
  ["domain-name", "fgr1w2gnsdvsb.xyz/x"],
  ["domain-name", "203.0.113.9"],
  ["freedns-zone", "duckdns.org"],
  ["tld", ".zip"],
  ["ipv4-addr", "198.51.100.7"],
  ["ipv4-addr", "192.0.2.0/24"],
  ["ipv6-addr", "2001:DB8::1"],
  ["ipv6-addr", "2001:db8:ff00::/40"],
  ["url", "HTTPS://Evil-Url.NET:443/a%7eb/c?x=1&y=%2f"],
  ["email-addr", "TravisLong544@yahoo.com"],
  ["process:name", "BackupAgent"],
  ["process:name", "com.apple.avcapture"],
  ["process:name", "bh"],
  ["file:name", "roleaccountd.plist"],
  ["file:name", "private/var/db/com.apple.xpc.roleaccountd.staging/"],
  ["file:path", "/private/var/tmp/l/"],
  ["file:path", "/private/var/tmp/UserEventAgent"],
  ["file:path", "/tmp/kusama.txt"],
  ["file:path", "private/var/db/bad.db"],
  ["file:path", "Library/Preferences/com.apple.photolibraryd.plist"],
  ["file:hashes.sha256", "C1884E617348EBBDFE7CFE5FC99945B37296D6EBC6059BB74FBAEEA277D32941"],
  ["file:hashes.md5", "d41d8cd98f00b204e9800998ecf8427e"],
  ["app:id", "com.client.appA"],
  ["configuration-profile:id", "76DAB334-7E17-475D-A5D6-0794EB5818A5"],
  ["x509-certificate:hashes.sha1", "0123456789abcdef0123456789abcdef01234567"],
  ["app:cert.sha1", "89ABCDEF0123456789abcdef0123456789abcdef"],
];

function makeIndex() {
  const entries: IndicatorEntry[] = IOCS.map(([type, value]) => ({
    type,
    value,
    collection: "Test",
    source: "test.stix2",
  }));
  const warnings: Warning[] = [];
  return { index: buildIndicatorIndex(entries, { warnings }), warnings };
}

const { index } = makeIndex();

function hits(kind: ObservableKind, value: string): string[] {
  return index.match({ kind, value }).map((m) => `${m.indicator} ${m.reason}`);
}

describe("IndicatorIndex.match", () => {
  it.each<[ObservableKind, string, string[]]>([
    // domains: the IOC and its subdomains, nothing else
    ["domain", "evil.com", ["evil.com exact"]],
    ["domain", "www.evil.com", ["evil.com subdomain"]],
    ["domain", "a.b.evil.com", ["evil.com subdomain"]],
    ["domain", "EVIL.com.", ["evil.com exact"]],
    ["domain", "web.evil.com", ["evil.com subdomain"]],
    ["domain", "notevil.com", []],
    ["domain", "evil.com.other.net", []],
    ["domain", "evil.co", []],
    ["domain", "com", []],
    ["domain", "cdn.bad.org", ["cdn.bad.org exact"]],
    ["domain", "x.cdn.bad.org", ["cdn.bad.org subdomain"]],
    ["domain", "bad.org", []],
    // MVT's lstrip("www.") turns "wweb-trackers.com" into "eb-trackers.com"; we do not strip.
    ["domain", "web-trackers.com", ["Web-Trackers.COM. exact"]],
    ["domain", "www.web-trackers.com", ["Web-Trackers.COM. subdomain"]],
    ["domain", "eb-trackers.com", []],
    // MVT's lstrip("www.") turned "wevil.com" into "evil.com", a false match.
    ["domain", "wevil.com", []],
    ["domain", "ww.evil.com", ["evil.com subdomain"]],
    // IDN: Unicode and punycode are the same name
    ["domain", "bücher.example", ["xn--bcher-kva.example exact"]],
    ["domain", "XN--BCHER-KVA.example", ["xn--bcher-kva.example exact"]],
    ["domain", "xn--mnchen-evil-thb.de", ["münchen-evil.de exact"]],
    // Public Suffix List: an IOC that is a public suffix matches only itself
    ["domain", "x.1ca43.appspot.com", ["1ca43.appspot.com subdomain"]],
    ["domain", "other.appspot.com", []],
    ["domain", "appspot.com", ["appspot.com exact"]],
    ["domain", "bbc.co.uk", []],
    // a domain IOC with a path keeps its host
    ["domain", "fgr1w2gnsdvsb.xyz", ["fgr1w2gnsdvsb.xyz/x exact"]],
    ["domain", "203.0.113.9", ["203.0.113.9 exact"]],
    ["domain", "198.51.100.7", ["198.51.100.7 exact"]],
    ["domain", "x.duckdns.org", ["duckdns.org freedns-zone"]],
    ["domain", "evil.zip", [".zip tld"]],
    ["domain", "not a domain", []],
    ["domain", "", []],
    // IP and CIDR
    ["ip", "198.51.100.7", ["198.51.100.7 exact"]],
    ["ip", "198.51.100.8", []],
    ["ip", "192.0.2.200", ["192.0.2.0/24 cidr"]],
    ["ip", "192.0.3.1", []],
    ["ip", "::ffff:198.51.100.7", ["198.51.100.7 exact"]],
    ["ip", "2001:db8:0:0:0:0:0:1", ["2001:DB8::1 exact"]],
    ["ip", "[2001:db8::1]", ["2001:DB8::1 exact"]],
    ["ip", "2001:db8:ff12::5", ["2001:db8:ff00::/40 cidr"]],
    ["ip", "2001:db8:fe00::5", []],
    ["ip", "300.1.1.1", []],
    // URLs: normalised equality for url IOCs; the host goes through domain and IP matching
    ["url", "https://evil-url.net/a~b/c?x=1&y=%2F", ["HTTPS://Evil-Url.NET:443/a%7eb/c?x=1&y=%2f exact"]],
    [
      "url",
      "https://EVIL-URL.net/a%7Eb/c?x=1&y=%2f#frag",
      ["HTTPS://Evil-Url.NET:443/a%7eb/c?x=1&y=%2f exact"],
    ],
    ["url", "https://evil-url.net/a~b/c?x=2", []],
    ["url", "https://www.evil.com:8443/x?y=a=b", ["evil.com subdomain"]],
    // MVT compared the netloc with its port ("evil.com:8443") to the IOC.
    ["url", "https://evil.com:8443/", ["evil.com exact"]],
    ["url", "http://notevil.com/evil.com", []],
    ["url", "evil.com/path", ["evil.com exact"]],
    ["url", "http://198.51.100.7:8080/", ["198.51.100.7 exact"]],
    ["url", "http://[2001:db8::1]/", ["2001:DB8::1 exact"]],
    ["url", "http://bücher.example/", ["xn--bcher-kva.example exact"]],
    ["url", "mailto:travislong544@YAHOO.com?subject=hi", ["TravisLong544@yahoo.com exact"]],
    ["url", "http://[bad", []],
    // e-mail
    ["email", "TRAVISLONG544@yahoo.com", ["TravisLong544@yahoo.com exact"]],
    ["email", "mailto:travislong544@yahoo.com", ["TravisLong544@yahoo.com exact"]],
    ["email", "travislong544@yahoo.co", []],
    // processes: basename equality, truncated names as iOS stores them
    ["process", "BackupAgent", ["BackupAgent exact"]],
    ["process", "BackupAgent2", []],
    ["process", "backupagent", []],
    ["process", "/System/Library/PrivateFrameworks/X.framework/BackupAgent", ["BackupAgent exact"]],
    ["process", "com.apple.avcapt", ["com.apple.avcapture truncated-name"]],
    ["process", "com.apple.avcap", []],
    ["process", "com.apple.avcapture", ["com.apple.avcapture exact"]],
    // paths: canonical device paths, directory IOCs match what is under them
    ["path", "/private/var/tmp/l/payload", ["/private/var/tmp/l/ prefix"]],
    ["path", "/private/var/tmp/l", ["/private/var/tmp/l/ exact"]],
    ["path", "/private/var/tmp/lx", []],
    ["path", "/var/tmp/l/x", ["/private/var/tmp/l/ prefix"]],
    ["path", "/private/var/tmp/UserEventAgent", ["/private/var/tmp/UserEventAgent exact"]],
    ["path", "/private/var/tmp/UserEventAgent2", []],
    ["path", "/private/var/tmp/kusama.txt", ["/tmp/kusama.txt exact"]],
    ["path", "/private/var/db/bad.db", ["private/var/db/bad.db exact"]],
    [
      "path",
      "/private/var/mobile/Library/Preferences/com.apple.photolibraryd.plist",
      ["Library/Preferences/com.apple.photolibraryd.plist suffix"],
    ],
    ["path", "/private/var/mobile/Library/Preferences/xcom.apple.photolibraryd.plist", []],
    ["path", "/private/var/mobile/Library/Preferences/roleaccountd.plist", ["roleaccountd.plist basename"]],
    [
      "path",
      "/private/var/db/com.apple.xpc.roleaccountd.staging/bh",
      ["private/var/db/com.apple.xpc.roleaccountd.staging/ prefix", "bh process-basename"],
    ],
    ["path", "/usr/libexec/bh", ["bh process-basename"]],
    ["path", "/bh/x", []],
    ["file-name", "roleaccountd.plist", ["roleaccountd.plist exact"]],
    ["file-name", "Roleaccountd.plist", []],
    // identifiers and hashes
    [
      "hash",
      "c1884e617348ebbdfe7cfe5fc99945b37296d6ebc6059bb74fbaeea277d32941",
      ["C1884E617348EBBDFE7CFE5FC99945B37296D6EBC6059BB74FBAEEA277D32941 exact"],
    ],
    ["hash", "D41D8CD98F00B204E9800998ECF8427E", ["d41d8cd98f00b204e9800998ecf8427e exact"]],
    ["hash", "nothex", []],
    ["app-id", "COM.client.appa", ["com.client.appA exact"]],
    ["profile-id", "76dab334-7e17-475d-a5d6-0794eb5818a5", ["76DAB334-7E17-475D-A5D6-0794EB5818A5 exact"]],
    // MVT tested `observed in ioc` (a substring of the IOC matched); a fragment is not the profile.
    ["profile-id", "76DAB334", []],
    [
      "cert-sha1",
      "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67",
      ["0123456789abcdef0123456789abcdef01234567 exact"],
    ],
    [
      "cert-sha1",
      "89abcdef0123456789abcdef0123456789abcdef",
      ["89ABCDEF0123456789abcdef0123456789abcdef exact"],
    ],
  ])("%s %j", (kind, value, expected) => {
    expect(hits(kind, value)).toEqual(expected);
  });

  it("returns indicator, type, collection, source and reason", () => {
    expect(index.match({ kind: "domain", value: "www.evil.com" })).toEqual([
      {
        indicator: "evil.com",
        type: "domain-name",
        collection: "Test",
        source: "test.stix2",
        reason: "subdomain",
      },
    ]);
  });

  it("reports the same value once per collection that lists it", () => {
    const both = buildIndicatorIndex([
      { type: "domain-name", value: "evil.com", collection: "A", source: "a" },
      { type: "domain-name", value: "evil.com", collection: "B", source: "b" },
    ]);
    expect(both.match({ kind: "url", value: "https://evil.com/" })).toHaveLength(2);
  });

  it("warns about values it cannot use, naming them", () => {
    const { warnings } = makeIndex();
    expect(warnings).toEqual([]);
    const bad: Warning[] = [];
    buildIndicatorIndex(
      [
        {
          type: "domain-name",
          value: "https://github.com/x",
          collection: "C",
          source: "f",
          id: "indicator--1",
        },
        { type: "ipv4-addr", value: "1.2.3", collection: "C", source: "f" },
        { type: "file:path", value: "/", collection: "C", source: "f" },
        { type: "file:hashes.sha256", value: "xyz", collection: "C", source: "f" },
      ],
      { warnings: bad },
    );
    expect(bad.map((w) => w.code)).toEqual([
      "BAD_INDICATOR",
      "BAD_INDICATOR",
      "BAD_INDICATOR",
      "BAD_INDICATOR",
    ]);
    expect(bad[0]?.message).toContain("indicator--1");
    expect(bad[0]?.file).toBe("f");
  });
});
