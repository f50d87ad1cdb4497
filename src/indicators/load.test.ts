import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { corpusPath } from "../testing/corpus.js";
import { plainListKind } from "./formats/plain-list.js";
import { buildIndicatorIndex } from "./indicator-index.js";
import { decodeIndicatorFile, loadIndicators } from "./load.js";
import type { IndicatorCounts, IndicatorType } from "./types.js";

const temp = mkdtempSync(join(tmpdir(), "spyglass-iocs-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function write(name: string, content: string | object): string {
  const path = join(temp, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

function bundle(patterns: string[], extra: object[] = []): object {
  return {
    type: "bundle",
    id: "bundle--1",
    objects: [
      { type: "malware", id: "malware--1", name: "Evil", spec_version: "2.1" },
      { type: "identity", id: "identity--1", name: "Someone" },
      ...patterns.flatMap((pattern, i) => [
        { type: "indicator", id: `indicator--${i}`, pattern, pattern_type: "stix" },
        {
          type: "relationship",
          id: `relationship--${i}`,
          source_ref: `indicator--${i}`,
          target_ref: "malware--1",
        },
      ]),
      ...extra,
    ],
  };
}

describe("loadIndicators on generated files", () => {
  it("names collections by report, else malware, else the file", async () => {
    const path = write(
      "collections/set.stix2",
      bundle(
        ["[domain-name:value = 'a.com']", "[domain-name:value = 'b.com']"],
        [
          { type: "report", id: "report--1", name: "The Report", object_refs: ["indicator--1"] },
          { type: "indicator", id: "indicator--9", pattern: "[domain-name:value = 'c.com']" },
        ],
      ),
    );
    const { index, sets } = await loadIndicators({ paths: [path], bundled: false });
    expect(index.match({ kind: "domain", value: "a.com" })[0]?.collection).toBe("Evil");
    expect(index.match({ kind: "domain", value: "b.com" })[0]?.collection).toBe("The Report");
    expect(index.match({ kind: "domain", value: "c.com" })[0]?.collection).toBe("set");
    expect(sets[0]?.collections.map((c) => c.name)).toEqual(["Evil", "The Report", "set"]);
    expect(sets[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(sets[0]?.format).toBe("stix2");
  });

  it("reads STIX 2.0 bundles (labels, no pattern_type)", async () => {
    const path = write("v20.json", {
      type: "bundle",
      id: "bundle--2",
      spec_version: "2.0",
      objects: [
        {
          type: "indicator",
          id: "indicator--1",
          labels: ["malicious-activity"],
          pattern: "[url:value = 'http://x.com/a=b']",
        },
      ],
    });
    const { index } = await loadIndicators({ paths: [path], bundled: false });
    expect(index.match({ kind: "url", value: "http://x.com/a=b" })).toHaveLength(1);
  });

  it("skips one bad indicator with a warning naming it, and keeps the rest", async () => {
    const path = write(
      "bad-one.stix2",
      bundle([
        "[domain-name:value = 'good.com']",
        `[domain-name:value = '${"x".repeat(1024 * 1024)}']`,
        "[domain-name:value = 'unterminated]",
        "[mutex:name = 'abc']",
        "[url:value = 'https://q.com/?a=b=c']",
      ]),
    );
    const { index, warnings } = await loadIndicators({ paths: [path], bundled: false });
    expect(index.size).toBe(2);
    expect(index.match({ kind: "url", value: "https://q.com/?a=b=c" })).toHaveLength(1);
    expect(warnings.map((w) => w.message)).toEqual([
      expect.stringMatching(/^indicator--1: bad pattern: pattern of \d+ characters exceeds/),
      expect.stringMatching(/^indicator--2: bad pattern: unterminated string/),
      "indicator--3: object path mutex:name is not supported",
    ]);
  });

  it("turns broken files into warnings and goes on", async () => {
    const dir = join(temp, "broken");
    write("broken/malformed.stix2", '{"type": "bundle", "objects": [');
    write("broken/deep.json", `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    write("broken/not-a-bundle.stix2", { hello: "world" });
    const big = write("broken/huge.stix2", "");
    truncateSync(big, 100 * 1024 * 1024);
    write("broken/z-good.stix2", bundle(["[domain-name:value = 'still.com']"]));
    const { index, warnings } = await loadIndicators({ paths: [dir], bundled: false });
    expect(index.match({ kind: "domain", value: "still.com" })).toHaveLength(1);
    const byFile = Object.fromEntries(
      warnings.map((w) => [basename(w.file ?? ""), `${w.code} ${w.message}`]),
    );
    expect(byFile["malformed.stix2"]).toMatch(/^CORRUPT not loaded: malformed JSON/);
    expect(byFile["deep.json"]).toMatch(/^BUDGET not loaded: nesting deeper than 64/);
    expect(byFile["not-a-bundle.stix2"]).toMatch(/^SKIPPED not a STIX2 bundle/);
    expect(byFile["huge.stix2"]).toMatch(/^BUDGET 104857600 bytes exceeds/);
  });

  it("loads plain lists only where no bundle sits beside them", async () => {
    write("lists/campaign/domains.txt", "a.example\n\nb.example\n# comment\n");
    write("lists/campaign/processes.txt", "evild");
    write("lists/campaign/README.md", "# not indicators");
    write("lists/withbundle/domains.txt", "zzz.example\n");
    write("lists/withbundle/set.stix2", bundle(["[domain-name:value = 'y.example']"]));
    const { index, sets } = await loadIndicators({ paths: [join(temp, "lists")], bundled: false });
    expect(index.match({ kind: "domain", value: "b.example" })[0]?.collection).toBe("campaign");
    expect(index.match({ kind: "process", value: "evild" })).toHaveLength(1);
    expect(index.match({ kind: "domain", value: "zzz.example" })).toEqual([]);
    expect(sets.map((s) => `${s.format}:${basename(s.source)}`)).toEqual([
      "plain-list:domains.txt",
      "plain-list:processes.txt",
      "stix2:set.stix2",
    ]);
  });

  it("reads TinyCheck and MISP files", async () => {
    const tiny = write("tiny/iocs.json", {
      iocs: [
        { type: "domain", tag: "stalkerware", tlp: "white", value: "spy.example" },
        { type: "ip4addr", tag: "suspect", tlp: "white", value: "192.0.2.5" },
        { type: "ip6addr", tag: "suspect", tlp: "white", value: "2001:db8::5" },
        { type: "cidr", tag: "suspect", tlp: "white", value: "198.51.100.0/24" },
        { type: "sha1cert", tag: "suspect", tlp: "white", value: "0123456789abcdef0123456789abcdef01234567" },
        { type: "freedns", tag: "suspect", tlp: "white", value: "ddns.example" },
        { type: "tld", tag: "suspect", tlp: "white", value: ".top" },
        { type: "ns", tag: "suspect", tlp: "white", value: "ns1.njalla.example" },
        { type: "snort", tag: "suspect", tlp: "white", value: "alert tcp any any -> any any" },
      ],
    });
    const misp = write("misp/event.json", {
      response: [
        {
          Event: {
            info: "Spy campaign",
            Attribute: [
              { type: "domain", value: "misp.example", uuid: "u1" },
              { type: "domain|ip", value: "pair.example|203.0.113.1" },
              { type: "url", value: "https://misp.example/x" },
              { type: "filename|sha256", value: `implant|${"a".repeat(64)}` },
              { type: "email-src", value: "spy@misp.example" },
              { type: "comment", value: "nothing" },
            ],
            Object: [{ name: "file", Attribute: [{ type: "filename", value: "/private/var/tmp/x.dylib" }] }],
          },
        },
      ],
    });
    const { index, sets, warnings } = await loadIndicators({ paths: [tiny, misp], bundled: false });
    expect(sets.map((s) => s.format)).toEqual(["tinycheck", "misp"]);
    expect(sets[0]?.counts).toEqual({
      "domain-name": 1,
      "ipv4-addr": 2,
      "ipv6-addr": 1,
      "x509-certificate:hashes.sha1": 1,
      "freedns-zone": 1,
      tld: 1,
      "name-server": 1,
    });
    expect(index.match({ kind: "ip", value: "198.51.100.9" })[0]?.reason).toBe("cidr");
    expect(index.match({ kind: "domain", value: "a.ddns.example" })[0]?.reason).toBe("freedns-zone");
    expect(index.match({ kind: "domain", value: "x.top" })[0]?.reason).toBe("tld");
    expect(
      index.match({ kind: "cert-sha1", value: "0123456789ABCDEF0123456789ABCDEF01234567" }),
    ).toHaveLength(1);
    expect(index.match({ kind: "ip", value: "203.0.113.1" })[0]?.collection).toBe("Spy campaign");
    expect(index.match({ kind: "hash", value: "a".repeat(64) })).toHaveLength(1);
    expect(index.match({ kind: "path", value: "/private/var/tmp/x.dylib" })).toHaveLength(1);
    expect(index.match({ kind: "file-name", value: "implant" })).toHaveLength(1);
    expect(index.match({ kind: "email", value: "SPY@misp.example" })).toHaveLength(1);
    expect(warnings.map((w) => w.message)).toEqual([
      "1 snort rules skipped: they need packets, not single values",
      "attribute types not used: comment (1)",
    ]);
  });

  it("takes SPYGLASS_IOCS and the user data directory, and loads identical files once", async () => {
    const a = write("env/a.stix2", bundle(["[domain-name:value = 'env.example']"]));
    const dataDir = join(temp, "data");
    mkdirSync(join(dataDir, "iocs"), { recursive: true });
    writeFileSync(join(dataDir, "iocs", "copy.stix2"), readFileSync(a));
    write("data/iocs/own.stix2", bundle(["[domain-name:value = 'own.example']"]));
    const { sets, warnings } = await loadIndicators({
      env: { SPYGLASS_IOCS: `${a}:${join(temp, "missing")}`, SPYGLASS_DATA_DIR: dataDir },
      bundled: false,
    });
    expect(sets.map((s) => `${s.origin}:${basename(s.source)}`)).toEqual([
      "env:a.stix2",
      "user-data:own.stix2",
    ]);
    expect(warnings.map((w) => w.message)).toEqual([
      "SPYGLASS_IOCS names a missing path",
      expect.stringMatching(/^same content as .*a\.stix2, loaded once$/),
    ]);
  });

  it("says when a --iocs folder holds no indicator files", async () => {
    write("empty/README.md", "nothing here");
    const { sets, warnings } = await loadIndicators({ paths: [join(temp, "empty")], bundled: false });
    expect(sets).toEqual([]);
    expect(warnings).toEqual([
      { code: "SKIPPED", message: "no indicator files in this folder", file: join(temp, "empty") },
    ]);
  });

  it("stops on a --iocs path that does not exist", async () => {
    const error = await loadIndicators({ paths: [join(temp, "nope")] }).catch((e: unknown) => e);
    expect(isSpyglassError(error, "NOT_FOUND")).toBe(true);
  });
});

const LIST_TYPES: Record<string, (line: string) => IndicatorType> = {
  "domain-name": () => "domain-name",
  "email-addr": () => "email-addr",
  "process:name": () => "process:name",
  "file:path": () => "file:path",
  "file:name": () => "file:name",
  "app:id": () => "app:id",
  "configuration-profile:id": () => "configuration-profile:id",
  "android-property:name": () => "android-property:name",
  "ip-address": (l) => (l.includes(":") ? "ipv6-addr" : "ipv4-addr"),
  "file-hash": (l) =>
    l.length === 64 ? "file:hashes.sha256" : l.length === 40 ? "file:hashes.sha1" : "file:hashes.md5",
  "cert-hash": (l) =>
    l.length === 64 ? "app:cert.sha256" : l.length === 40 ? "app:cert.sha1" : "app:cert.md5",
};

/** Counts per type from a bundle's own plain lists: distinct non-empty lines (v2/v3/v4 subsets left out). */
function countsFromLists(dir: string): IndicatorCounts {
  const counts: IndicatorCounts = {};
  for (const name of readdirSync(dir)) {
    const kind = plainListKind(name);
    if (kind === undefined || /^v\d/.test(name)) continue;
    const lines = new Set(
      readFileSync(join(dir, name), "utf8")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== ""),
    );
    for (const line of lines) {
      const type = LIST_TYPES[kind]!(line);
      counts[type] = (counts[type] ?? 0) + 1;
    }
  }
  return counts;
}

describe("loadIndicators on the corpus", () => {
  const root = corpusPath("iocs");

  it.skipIf(root === undefined)("loads every bundle with the counts of its own plain lists", async () => {
    const bundles = ["mvt-indicators", "amnesty-investigations"].flatMap((repo) =>
      readdirSync(join(root!, repo), { recursive: true, encoding: "utf8" })
        .filter((p) => p.endsWith(".stix2"))
        .map((p) => join(root!, repo, p)),
    );
    expect(bundles.length).toBe(16);
    for (const file of bundles) {
      const { sets, warnings } = await loadIndicators({ paths: [file], bundled: false });
      expect(warnings, file).toEqual([]);
      expect(sets[0]?.counts, file).toEqual(countsFromLists(dirname(file)));
    }
  });

  it.skipIf(root === undefined)("matches SOURCE.md's counts for the key bundles", async () => {
    const counts = async (...parts: string[]) =>
      (await loadIndicators({ paths: [join(root!, ...parts)], bundled: false })).sets[0]?.counts;
    expect(
      await counts("mvt-indicators/2023-06_01_operation_triangulation/operation_triangulation.stix2"),
    ).toEqual({
      "domain-name": 75,
      "email-addr": 36,
      "process:name": 1,
    });
    expect(await counts("amnesty-investigations/2021-07-18_nso/pegasus.stix2")).toEqual({
      "domain-name": 1438,
      "process:name": 81,
      "email-addr": 29,
      "file:name": 1,
    });
    expect(await counts("mvt-indicators/2026-03-03_coruna_cryptowaters/coruna.stix2")).toEqual({
      "domain-name": 177,
      "file:hashes.sha256": 20,
      "file:path": 12,
      "file:name": 7,
    });
    // 5,046 indicators, some repeated inside one malware collection: counts are distinct values per collection.
    const stalkerware = (
      await loadIndicators({
        paths: [join(root!, "stalkerware-indicators/generated/stalkerware.stix2")],
        bundled: false,
      })
    ).sets[0];
    expect(stalkerware?.collections).toHaveLength(137);
    expect(stalkerware?.counts).toEqual({
      "domain-name": 1301,
      "file:hashes.sha256": 2910,
      "app:id": 566,
      "app:cert.sha1": 99,
    });
    const tiny = await loadIndicators({
      paths: [join(root!, "stalkerware-indicators/generated/indicators-for-tinycheck.json")],
      bundled: false,
    });
    // 1,593 domain entries, 1,455 distinct; two are GitHub URLs, not domains, and are refused with a warning.
    expect(tiny.sets[0]?.counts).toEqual({ "domain-name": 1453, "ipv4-addr": 65 });
    expect(tiny.warnings.map((w) => w.message)).toEqual([
      expect.stringContaining("https://github.com/earthshakira/android_hack"),
      expect.stringContaining("https://github.com/karma9874/AndroRAT"),
    ]);
  });

  it.skipIf(root === undefined)(
    "loads the whole corpus folder (its speed is measured by bench/indicators.ts)",
    async () => {
      const { index, sets } = await loadIndicators({ paths: [root!], bundled: false });
      expect(sets).toHaveLength(18);
      expect(index.size).toBeGreaterThan(12_000);
      expect(index.match({ kind: "domain", value: "www.backuprabbit.com" })[0]).toMatchObject({
        indicator: "backuprabbit.com",
        collection: "OperationTriangulation",
        reason: "subdomain",
      });
    },
  );
});

describe("decodeIndicatorFile on damaged input", () => {
  it("never throws, whatever the bytes", () => {
    const samples = [
      JSON.stringify(bundle(["[domain-name:value = 'a.com' OR file:hashes.'SHA-256' = 'ab']"])),
      JSON.stringify({
        iocs: [
          { type: "domain", value: "x.com", tag: "t" },
          { type: "cidr", value: "10.0.0.0/8" },
        ],
      }),
      JSON.stringify({ Event: { info: "e", Attribute: [{ type: "domain|ip", value: "a.com|1.2.3.4" }] } }),
    ];
    let seed = 11;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = "{}[]\",:\\'0 aA.-/|";
    for (const sample of samples) {
      for (let i = 0; i < 500; i++) {
        const chars = sample.split("");
        const edits = 1 + Math.floor(random() * 4);
        for (let e = 0; e < edits; e++) {
          const at = Math.floor(random() * chars.length);
          if (random() < 0.5) chars[at] = alphabet.charAt(Math.floor(random() * alphabet.length));
          else chars.splice(at, 1);
        }
        const name = i % 2 === 0 ? "x.stix2" : "x.json";
        const result = decodeIndicatorFile(Buffer.from(chars.join("")), name, { explicit: true });
        expect("parsed" in result || "warning" in result).toBe(true);
        if ("parsed" in result) buildIndicatorIndex(result.parsed.entries);
      }
    }
  });
});

describe("warnings stay readable", () => {
  it("folds thousands of bad values of one file into a count", async () => {
    const dir = mkdtempSync(join(tmpdir(), "spyglass-fold-"));
    try {
      const path = join(dir, "bad.stix2");
      const patterns = Array.from({ length: 3000 }, (_, i) =>
        i % 2 === 0 ? `[domain-name:value = 'bad host ${i}']` : `[mutex:name = 'm${i}']`,
      );
      writeFileSync(path, JSON.stringify(bundle(patterns)));
      const { warnings } = await loadIndicators({ paths: [path], bundled: false });
      expect(warnings).toHaveLength(102);
      expect(warnings.map((w) => w.message)).toContain("1450 more indicator warnings in this file");
      expect(warnings.map((w) => w.message)).toContain("1450 more unusable indicator values in this file");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
