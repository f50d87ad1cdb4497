import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../testing/cli.js";
import { corpusPath } from "../../testing/corpus.js";
import { inferObservable } from "./iocs.js";

const temp = mkdtempSync(join(tmpdir(), "spyglass-cli-iocs-"));
const env = { SPYGLASS_DATA_DIR: join(temp, "data") };
const extra = join(temp, "extra.stix2");
writeFileSync(
  extra,
  JSON.stringify({
    type: "bundle",
    id: "bundle--x",
    objects: [
      { type: "malware", id: "malware--x", name: "Extra" },
      {
        type: "indicator",
        id: "indicator--1",
        pattern: "[file:name = 'implant.dylib'] OR [process:name = 'Launch']",
      },
      { type: "relationship", id: "relationship--1", source_ref: "indicator--1", target_ref: "malware--x" },
      { type: "indicator", id: "indicator--2", pattern: "[domain-name:value = 'broken" },
    ],
  }),
);
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe("inferObservable", () => {
  it.each([
    ["https://evil.com/x", "url"],
    ["mailto:a@b.com", "url"],
    ["192.0.2.1", "ip"],
    ["2001:db8::1", "ip"],
    ["someone@icloud.com", "email"],
    ["/private/var/tmp/x", "path"],
    ["d41d8cd98f00b204e9800998ecf8427e", "hash"],
    ["76DAB334-7E17-475D-A5D6-0794EB5818A5", "profile-id"],
    ["www.evil.com", "domain"],
    ["BackupAgent", "process"],
    ["process:com.apple.x", "process"],
    ["domain:BackupAgent", "domain"],
    ["file-name:roleaccountd.plist", "file-name"],
  ])("%s is %s", (input, kind) => {
    expect(inferObservable(input).kind).toBe(kind);
  });
});

describe("spyglass iocs", () => {
  it("list shows the bundled pack by default and says so", async () => {
    const run = await runCli(["iocs", "list"], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Operation Triangulation  [bundled, stix2]  112 indicators");
    expect(run.stdout).toContain("types   domain-name 75, email-addr 36, process:name 1");
    expect(run.stdout).toContain("The bundled pack is loaded by default");
    const none = await runCli(["iocs", "list", "--no-bundled", "--json"], env);
    expect(JSON.parse(none.stdout)).toEqual({ total: 0, sets: [], warnings: [] });
  });

  it("list --json gives sets with hashes and counts, and the load warnings", async () => {
    const run = await runCli(["iocs", "list", "--iocs", extra, "--json"], env);
    const report = JSON.parse(run.stdout) as {
      total: number;
      sets: { name: string; origin: string; sha256: string; counts: object }[];
      warnings: { message: string }[];
    };
    expect(report.sets.map((s) => `${s.origin}:${s.name}`)).toEqual([
      "option:Extra",
      "bundled:Operation Triangulation",
    ]);
    expect(report.sets[0]?.counts).toEqual({ "file:name": 1, "process:name": 1 });
    expect(report.sets[0]?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.total).toBe(114);
    expect(report.warnings[0]?.message).toMatch(/^indicator--2: bad pattern: unterminated string/);
  });

  it("check --json prints one entry per value, in order", async () => {
    const run = await runCli(
      [
        "iocs",
        "check",
        "--json",
        "--iocs",
        extra,
        "https://WWW.BackupRabbit.com/x",
        "notbackuprabbit.com",
        "process:Launch",
        "implant.dylib",
        "BackupAgent",
      ],
      env,
    );
    expect(run.code).toBe(0);
    const results = JSON.parse(run.stdout) as {
      value: string;
      kind: string;
      matches: { reason: string }[];
    }[];
    expect(results.map((r) => [r.value, r.kind, r.matches.map((m) => m.reason)])).toEqual([
      ["https://WWW.BackupRabbit.com/x", "url", ["subdomain"]],
      ["notbackuprabbit.com", "domain", []],
      ["Launch", "process", ["exact"]],
      // has a dot, so it is read as a domain: file names need the file-name: prefix
      ["implant.dylib", "domain", []],
      ["BackupAgent", "process", ["exact"]],
    ]);
    expect(results[0]?.matches[0]).toEqual({
      indicator: "backuprabbit.com",
      type: "domain-name",
      collection: "Operation Triangulation",
      source: expect.stringMatching(/iocs\/operation_triangulation\.stix2$/),
      reason: "subdomain",
    });
  });

  it("check prints matches for people", async () => {
    const run = await runCli(["iocs", "check", "travislong544@YAHOO.com", "apple.com"], env);
    expect(run.stdout).toContain("travislong544@YAHOO.com (email): 1 match");
    expect(run.stdout).toContain('travislong544@yahoo.com (email-addr, exact) in "Operation Triangulation"');
    expect(run.stdout).toContain("apple.com (domain): no match");
  });

  it("fails with one line on usage errors and missing files", async () => {
    const none = await runCli(["iocs", "check"], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^spyglass: Expected at least one value/);
    const missing = await runCli(["iocs", "list", "--iocs", join(temp, "missing")], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("spyglass iocs update", () => {
  const root = corpusPath("iocs", "mvt-indicators");
  let server: Server;
  let base = "";
  beforeAll(async () => {
    // Serves one mvt-indicators entry, the way raw.githubusercontent.com lays out files.
    server = createServer((request, response) => {
      const path = request.url ?? "";
      if (root !== undefined && path === "/index.yaml") {
        response.end(
          "indicators:\n  - type: github\n    name: Operation Triangulation\n    github:\n      owner: mvt-project\n      repo: mvt-indicators\n      branch: main\n      path: 2023-06_01_operation_triangulation/operation_triangulation.stix2\n",
        );
      } else if (root !== undefined && path.startsWith("/mvt-project/mvt-indicators/main/2023-06_01")) {
        response.end(readFileSync(join(root, path.slice("/mvt-project/mvt-indicators/main/".length))));
      } else {
        response.writeHead(404).end();
      }
    });
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  it.skipIf(root === undefined)("downloads into the data folder; list then shows it", async () => {
    const run = await runCli(["iocs", "update", "--index", `${base}/index.yaml`], {
      ...env,
      SPYGLASS_IOCS_BASE_URL: base,
    });
    expect(run.stderr).toBe(`Reading ${base}/index.yaml\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("1 added, 0 updated, 0 unchanged, 0 removed");
    expect(run.stdout).toContain("+ Operation Triangulation: domain-name 75, email-addr 36, process:name 1");
    const list = await runCli(["iocs", "list", "--json"], env);
    const sets = (JSON.parse(list.stdout) as { sets: { origin: string }[] }).sets;
    expect(sets.map((s) => s.origin)).toEqual(["user-data", "bundled"]);
    const failed = await runCli(["iocs", "update", "--base-url", `${base}/nothing`], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/HTTP 404\. The previous indicators are unchanged/);
  });
});
