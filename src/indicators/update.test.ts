import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, normalize } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { corpusPath } from "../testing/corpus.js";
import { loadIndicators } from "./load.js";
import { MANIFEST_NAME, readIndicatorIndex, updateIndicators } from "./update.js";
import { parseYamlSubset, YamlSubsetError } from "./yaml-subset.js";

describe("parseYamlSubset", () => {
  it("reads the indicators.yaml shapes", () => {
    const doc = parseYamlSubset(
      [
        "# comment",
        "indicators:",
        "  -",
        "    type: github",
        "    name: 'It''s: quoted' # trailing comment",
        "    sources:",
        "      - Kaspersky Lab",
        "    github:",
        "      owner: mvt-project",
        "      path: a/b.stix2",
        "  - type: download_url",
        '    download_url: "https://example.org/x.stix2"',
        "    sources: [A, B]",
        "    references:",
        "    - https://example.org/#anchor",
      ].join("\n"),
    );
    expect(doc).toEqual({
      indicators: [
        {
          type: "github",
          name: "It's: quoted",
          sources: ["Kaspersky Lab"],
          github: { owner: "mvt-project", path: "a/b.stix2" },
        },
        {
          type: "download_url",
          download_url: "https://example.org/x.stix2",
          sources: ["A", "B"],
          references: ["https://example.org/#anchor"],
        },
      ],
    });
  });

  it.each([
    ["a: &anchor x", /unsupported/],
    ["a: |\n  text", /unsupported/],
    ["a: 1\na: 2", /duplicate key/],
    ["a:\n    b: 1\n  c: 2", /indentation/],
    [
      `${"a:\n".repeat(1)}${Array.from({ length: 40 }, (_, i) => `${"  ".repeat(i + 1)}k:`).join("\n")}`,
      /deeper/,
    ],
    ["a: 'open", /unterminated/],
  ])("refuses %j", (text, message) => {
    expect(() => parseYamlSubset(text)).toThrow(message);
  });

  it("throws only YamlSubsetError on damaged input", () => {
    const sample =
      "indicators:\n  -\n    type: github\n    name: 'A'\n    github:\n      owner: o\n      path: p\n  - x: [a, b]\n";
    let seed = 5;
    const random = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = " -:'\"[]#\n\tab&|";
    for (let i = 0; i < 2000; i++) {
      const chars = sample.split("");
      for (let e = 0; e < 3; e++) {
        const at = Math.floor(random() * chars.length);
        chars[at] = alphabet.charAt(Math.floor(random() * alphabet.length));
      }
      try {
        parseYamlSubset(chars.join(""));
      } catch (error) {
        expect(error).toBeInstanceOf(YamlSubsetError);
      }
    }
  });

  it("keeps within its size budget", () => {
    expect(() => parseYamlSubset("a: b\n".repeat(300_000))).toThrow(/exceeds|lines/);
  });
});

describe("readIndicatorIndex", () => {
  it("maps github entries to raw URLs, rebased when asked", () => {
    const text =
      "indicators:\n  - type: github\n    name: T\n    github:\n      owner: o\n      repo: r\n      path: d/f.stix2\n";
    expect(readIndicatorIndex(text)).toEqual([
      { name: "T", url: "https://raw.githubusercontent.com/o/r/main/d/f.stix2", fileName: "o_r_d_f.stix2" },
    ]);
    expect(readIndicatorIndex(text, { baseUrl: "http://127.0.0.1:9/" })[0]?.url).toBe(
      "http://127.0.0.1:9/o/r/main/d/f.stix2",
    );
  });

  it("keeps download_url entries, rebasing only raw.githubusercontent.com ones", () => {
    const text = [
      "indicators:",
      "  - type: download_url",
      "    name: A",
      "    download_url: https://example.org/iocs/a.stix2",
      "  - name: B",
      "    download_url: https://raw.githubusercontent.com/o/r/main/b.json",
      "  - name: C",
      "    download_url: https://example.org/other/a.stix2",
    ].join("\n");
    expect(readIndicatorIndex(text, { baseUrl: "http://127.0.0.1:9" })).toEqual([
      { name: "A", url: "https://example.org/iocs/a.stix2", fileName: "example.org_iocs_a.stix2" },
      {
        name: "B",
        url: "http://127.0.0.1:9/o/r/main/b.json",
        fileName: "raw.githubusercontent.com_o_r_main_b.json",
      },
      { name: "C", url: "https://example.org/other/a.stix2", fileName: "example.org_other_a.stix2" },
    ]);
  });

  it("refuses unsafe or unusable entries", () => {
    const entry = (body: string) => `indicators:\n  - name: X\n${body}`;
    expect(() =>
      readIndicatorIndex(
        entry("    type: github\n    github:\n      owner: o\n      repo: r\n      path: ../x\n"),
      ),
    ).toThrow(/unsafe/);
    expect(() => readIndicatorIndex(entry("    download_url: file:///etc/passwd\n"))).toThrow(/http/);
    expect(() => readIndicatorIndex(entry("    type: other\n"))).toThrow(/neither/);
    expect(() => readIndicatorIndex("foo: bar")).toThrow(/indicators/);
  });
});

/** Serves the corpus as raw.githubusercontent.com would: /<owner>/<repo>/<branch>/<path>. */
const REPOS: Record<string, string> = {
  "mvt-project/mvt-indicators/main": "mvt-indicators",
  "AmnestyTech/investigations/master": "amnesty-investigations",
  "AssoEchap/stalkerware-indicators/master": "stalkerware-indicators",
};

describe("updateIndicators against a local server", () => {
  const root = corpusPath("iocs");
  const temp = mkdtempSync(join(tmpdir(), "spyglass-update-"));
  let server: Server;
  let base = "";
  const failing = new Set<string>();
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
      requests.push(path);
      const parts = path.split("/").filter((p) => p !== "");
      const repo = REPOS[parts.slice(0, 3).join("/")];
      const rest = normalize(parts.slice(3).join("/"));
      if (root === undefined || repo === undefined || rest.startsWith("..") || failing.has(path)) {
        response.writeHead(404).end();
        return;
      }
      try {
        response.writeHead(200).end(readFileSync(join(root, repo, rest)));
      } catch {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
    rmSync(temp, { recursive: true, force: true });
  });

  it.skipIf(root === undefined)("downloads the 15 indexed bundles, then reports what changed", async () => {
    const directory = join(temp, "data", "iocs");
    const first = await updateIndicators({ directory, baseUrl: base });
    expect(first.files).toHaveLength(15);
    expect(first.added).toHaveLength(15);
    expect(requests[0]).toBe("/mvt-project/mvt-indicators/main/indicators.yaml");
    const names = readdirSync(directory).sort();
    expect(names).toContain(
      "mvt-project_mvt-indicators_2023-06_01_operation_triangulation_operation_triangulation.stix2",
    );
    expect(names).toContain(MANIFEST_NAME);
    expect(names.filter((n) => !n.startsWith("."))).toHaveLength(15);

    const loaded = await loadIndicators({ env: { SPYGLASS_DATA_DIR: join(temp, "data") }, bundled: false });
    expect(loaded.sets).toHaveLength(15);
    expect(loaded.sets.every((s) => s.origin === "user-data")).toBe(true);

    writeFileSync(join(directory, "mvt-project_mvt-indicators_candiru_candiru.stix2"), "changed");
    writeFileSync(join(directory, "stale.stix2"), "{}");
    const second = await updateIndicators({ directory, baseUrl: base });
    expect(second.added).toEqual([]);
    expect(second.updated).toEqual(["mvt-project_mvt-indicators_candiru_candiru.stix2"]);
    expect(second.removed).toEqual(["stale.stix2"]);
    expect(second.unchanged).toHaveLength(14);
    expect(readdirSync(join(temp, "data")).sort()).toEqual(["iocs"]);
  });

  it.skipIf(root === undefined)("leaves the previous set intact when a download fails", async () => {
    const directory = join(temp, "keep", "iocs");
    mkdirSync(directory, { recursive: true });
    writeFileSync(join(directory, "old.stix2"), "old");
    failing.add("/mvt-project/mvt-indicators/main/candiru/candiru.stix2");
    const error = await updateIndicators({ directory, baseUrl: base }).catch((e: unknown) => e);
    failing.clear();
    expect(isSpyglassError(error, "NETWORK")).toBe(true);
    expect((error as Error).message).toMatch(/candiru\.stix2: HTTP 404/);
    expect(readdirSync(directory)).toEqual(["old.stix2"]);
    expect(readdirSync(join(temp, "keep"))).toEqual(["iocs"]);
  });

  it.skipIf(root === undefined)("refuses a file that is not indicators, and an oversized one", async () => {
    const directory = join(temp, "bad", "iocs");
    const indexUrl = `${base}/mvt-project/mvt-indicators/main/README.md`;
    const notYaml = await updateIndicators({ directory, indexUrl }).catch((e: unknown) => e);
    expect(isSpyglassError(notYaml, "CORRUPT")).toBe(true);
    const big = await updateIndicators({ directory, baseUrl: base, maxBytes: 1000 }).catch((e: unknown) => e);
    expect(isSpyglassError(big, "BUDGET")).toBe(true);
    expect(() => readdirSync(directory)).toThrow();
  });
});
