import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QUADREAM_DOMAIN, QUADREAM_PROCESS } from "../generate/sample/traces.js";
import { writeSampleBackup } from "../generate/sample-device.js";
import { buildIndicatorIndex } from "../indicators/indicator-index.js";
import type { Finding } from "../model/finding.js";
import { runCli } from "../testing/cli.js";
import { snapshotTree } from "../testing/tree-snapshot.js";
import type { DeviceRecheck } from "./recheck.js";
import { recheckStored } from "./recheck.js";
import type { ScanResults } from "./results.js";

interface RecheckJson {
  verdict: string;
  previousVerdict: string;
  indicatorSets: Array<{ sha256: string }>;
  devices: Array<{
    verdict: { verdict: string; notChecked: string[] };
    previousVerdict: string;
    newFindings: Finding[];
    findings: Finding[];
    notRerun: Array<{ rule: string; message: string }>;
  }>;
}

let root = "";
let evidence = "";
/** Scanned with the bundled indicators only: the QuaDream calendar heuristic makes it suspicious. */
let plain = "";
/** The same, with --include-content. */
let withContent = "";
/** Scanned with an extra list naming QuaDream's process: detected. */
let detected = "";
let processes = "";
let domains = "";

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "spyglass-recheck-"));
  evidence = join(root, "quadream");
  await writeSampleBackup(evidence, { profile: "quadream", seed: "recheck-test" });
  processes = join(root, "iocs-process", "processes.txt");
  domains = join(root, "iocs-domain", "domains.txt");
  await fs.mkdir(join(root, "iocs-process"));
  await fs.mkdir(join(root, "iocs-domain"));
  await fs.writeFile(processes, `${QUADREAM_PROCESS}\n`);
  await fs.writeFile(domains, `${QUADREAM_DOMAIN}\n`);
  plain = join(root, "out-plain");
  withContent = join(root, "out-content");
  detected = join(root, "out-detected");
  expect((await runCli(["scan", evidence, "--output", plain])).code).toBe(2);
  expect((await runCli(["scan", evidence, "--output", withContent, "--include-content"])).code).toBe(2);
  expect((await runCli(["scan", evidence, "--output", detected, "--iocs", processes])).code).toBe(3);
}, 120_000);

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function readResults(dir: string): Promise<ScanResults> {
  return JSON.parse(await fs.readFile(join(dir, "results.json"), "utf8")) as ScanResults;
}

async function recheckJson(args: string[]): Promise<{ code: number; json: RecheckJson }> {
  const run = await runCli(["recheck", ...args, "--json"]);
  expect(run.stderr).toBe("");
  return { code: run.code, json: JSON.parse(run.stdout) as RecheckJson };
}

describe("spyglass recheck", () => {
  it("keeps a detected verdict, its findings and its indicator sets when rechecked without the indicators that found it", async () => {
    const scan = await readResults(detected);
    expect(scan.verdict).toBe("detected");
    const before = await snapshotTree(detected);
    const { code, json } = await recheckJson([detected]);
    expect(code).toBe(3);
    expect(json.verdict).toBe("detected");
    expect(json.previousVerdict).toBe("detected");
    expect(json.devices[0]?.newFindings).toEqual([]);
    expect(json.devices[0]?.findings.map((f) => f.rule)).toEqual(scan.findings.map((f) => f.rule));
    expect(json.devices[0]?.findings.some((f) => f.indicator?.value === QUADREAM_PROCESS)).toBe(true);
    expect(json.indicatorSets.map((s) => s.sha256)).toEqual(
      expect.arrayContaining(scan.indicatorSets.map((s) => s.sha256)),
    );
    const text = await runCli(["recheck", detected, "--iocs", domains]);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain("Device d1: verdict DETECTED (unchanged since the scan)");
    expect(text.stdout).not.toMatch(/NO_KNOWN_TRACES/);
    expect(await snapshotTree(detected), "recheck writes nothing").toEqual(before);
  }, 60_000);

  it("reports exactly the one hit a new indicator set adds, and the verdict before and after", async () => {
    const { code, json } = await recheckJson([plain, "--iocs", processes]);
    const device = json.devices[0]!;
    expect(device.newFindings.map((f) => [f.rule, f.indicator?.value])).toEqual([
      ["indicator/process", QUADREAM_PROCESS],
    ]);
    expect(device.findings.length).toBe((await readResults(plain)).findings.length + 1);
    expect(device.previousVerdict).toBe("suspicious");
    expect(device.verdict.verdict).toBe("detected");
    expect(code).toBe(3);
    const text = await runCli(["recheck", plain, "--iocs", processes]);
    expect(text.stdout).toContain("Device d1: verdict DETECTED (was SUSPICIOUS at the scan)");
    expect(text.stdout).toContain("New findings (1):");
    expect(text.stdout).toContain("1 of them not used by the scan");
  }, 60_000);

  it("keeps the QuaDream calendar trace and says the rule could not run again on withheld notes", async () => {
    const { code, json } = await recheckJson([plain]);
    const device = json.devices[0]!;
    expect(code).toBe(2);
    expect(device.verdict.verdict).toBe("suspicious");
    expect(device.findings.filter((f) => f.rule === "mvt/quadream-calendar")).toHaveLength(1);
    expect(device.newFindings).toEqual([]);
    expect(device.notRerun.map((l) => l.rule)).toEqual(["mvt/quadream-calendar"]);
    expect(device.notRerun[0]?.message).toMatch(/description of \d+ ios\/calendar records? \(withheld/);
    expect(
      device.verdict.notChecked.some((l) => l.startsWith("mvt/quadream-calendar: could not run again")),
    ).toBe(true);
    const text = await runCli(["recheck", plain]);
    expect(text.stdout).toMatch(/Not run again on the stored records:\n {4}mvt\/quadream-calendar: /);
  }, 60_000);

  it("runs the calendar rule again when the scan kept content, and finds nothing new", async () => {
    const { code, json } = await recheckJson([withContent]);
    const device = json.devices[0]!;
    expect(code).toBe(2);
    expect(device.notRerun).toEqual([]);
    expect(device.newFindings).toEqual([]);
    expect(device.findings.filter((f) => f.rule === "mvt/quadream-calendar")).toHaveLength(1);
  }, 60_000);

  it("exits 1 for a folder without results or with a results.json that is not one", async () => {
    const empty = join(root, "empty");
    await fs.mkdir(empty);
    const missing = await runCli(["recheck", empty]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No readable results\.json/);
    await fs.writeFile(
      join(empty, "results.json"),
      JSON.stringify({ ...(await readResults(plain)), findings: [{ rule: "x" }] }),
    );
    const corrupt = await runCli(["recheck", empty]);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toMatch(/not a Spyglass results file/);
  });
});

describe("recheckStored", () => {
  function rechecked(results: ScanResults): DeviceRecheck {
    const [device] = recheckStored({ results, records: new Map() }, buildIndicatorIndex([]));
    return device!;
  }

  it("never judges a device less alarming than its scan did", async () => {
    const scan = await readResults(plain);
    const device = {
      ...scan.devices[0]!,
      verdict: "incomplete" as const,
      explanation: "the scan's explanation",
      notChecked: ["ios/sms: listed in the evidence but its content is missing"],
    };
    const result = rechecked({ ...scan, devices: [device], findings: [], verdict: "incomplete" });
    expect(result.verdict.verdict).toBe("incomplete");
    expect(result.verdict.explanation).toBe("the scan's explanation");
    expect(result.verdict.notChecked).toContain("ios/sms: listed in the evidence but its content is missing");
  });

  it("judges the stored findings with the new ones, without the records that produced them", async () => {
    const scan = await readResults(detected);
    const result = rechecked(scan);
    expect(result.verdict.verdict).toBe("detected");
    expect(result.findings).toHaveLength(scan.findings.length);
    expect(result.newFindings).toEqual([]);
  });
});
