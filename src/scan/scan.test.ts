import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleBackup } from "../generate/sample-device.js";
import { openEvidence } from "../readers/open-evidence.js";
import { runCli } from "../testing/cli.js";
import { corpusPath } from "../testing/corpus.js";
import { resultsValidator } from "../testing/results-schema.js";
import { snapshotTree } from "../testing/tree-snapshot.js";
import type { ScanResults } from "./results.js";
import { scanSource } from "./scan.js";

let root = "";
let infected = "";
let uninfected = "";
const PASSWORD = "scan-test-password";

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "spyglass-scan-"));
  infected = join(root, "infected");
  uninfected = join(root, "uninfected");
  await writeSampleBackup(infected, {
    profile: "triangulation",
    seed: "scan-test",
    encryption: { password: PASSWORD, dpic: 1000, iter: 100 },
  });
  await writeSampleBackup(uninfected, { profile: "clean", seed: "scan-test" });
}, 120_000);

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

async function readResults(dir: string): Promise<ScanResults> {
  return JSON.parse(await fs.readFile(join(dir, "results.json"), "utf8")) as ScanResults;
}

describe("spyglass scan", () => {
  it("gives the infected sample the verdict detected (exit 3), explains it, and leaves the evidence untouched", async () => {
    const before = await snapshotTree(infected);
    const out = join(root, "out-infected");
    const run = await runCli(["scan", infected, "--output", out], { SPYGLASS_BACKUP_PASSWORD: PASSWORD });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(3);
    const lines = run.stdout.split("\n");
    expect(lines.findIndex((l) => l.includes("VERDICT: DETECTED"))).toBeLessThan(
      lines.findIndex((l) => l.includes("Findings (")),
    );
    expect(run.stdout).toContain("triangulation/backupagent");
    expect(await snapshotTree(infected)).toEqual(before);

    const results = await readResults(out);
    const validate = await resultsValidator();
    expect(validate(results), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    expect(results.verdict).toBe("detected");
    expect(results.tool.name).toBe("spyglass");
    expect(results.inputs[0]?.hashes.map((h) => h.path.split("/").pop())).toContain("Manifest.db");
    expect(
      results.inputs[0]?.filesRead.some(
        (f) => f.path.endsWith("DataUsage.sqlite") && /^[0-9a-f]{64}$/.test(f.sha256),
      ),
    ).toBe(true);
    expect(results.indicatorSets.some((s) => s.origin === "bundled")).toBe(true);
    const backupAgent = results.findings.find((f) => f.rule === "triangulation/backupagent");
    expect(backupAgent?.certainty).toBe("exact");
    expect(backupAgent?.evidence[0]?.artifact).toMatch(/^ios\//);
    expect(backupAgent?.evidence[0]?.path).toMatch(/^\/private\/var\//);
    for (const finding of results.findings) {
      expect(finding.summary.length, finding.rule).toBeGreaterThan(10);
      expect(finding.evidence.length, finding.rule).toBeGreaterThan(0);
      expect(
        finding.indicator !== undefined || finding.heuristic !== undefined || finding.certainty === "exact",
        finding.rule,
      ).toBe(true);
    }

    const alerts = JSON.parse(await fs.readFile(join(out, "alerts.json"), "utf8")) as Array<
      Record<string, unknown>
    >;
    expect(alerts.length).toBe(results.findings.length);
    for (const alert of alerts)
      expect(Object.keys(alert)).toEqual(
        expect.arrayContaining(["level", "module", "message", "event_time", "event", "matched_indicator"]),
      );

    const timeline = (await fs.readFile(join(out, "timeline.csv"), "utf8")).trimEnd().split("\n");
    expect(timeline[0]).toBe('"UTC Timestamp","Plugin","Event","Description"');
    const times = timeline.slice(1).map((l) => l.slice(1, 27));
    expect([...times].sort()).toEqual(times);
    expect(new Set(timeline).size).toBe(timeline.length);
    expect(timeline.some((l) => l.includes('"ALERT CRITICAL"'))).toBe(true);

    const sms = await fs.readFile(join(out, "artifacts", "ios", "sms.jsonl"), "utf8");
    expect(sms.split("\n").filter(Boolean).length).toBeGreaterThan(0);
  }, 120_000);

  it("gives the uninfected twin no finding above low and the verdict no_known_traces (exit 0)", async () => {
    const out = join(root, "out-uninfected");
    const run = await runCli(["scan", uninfected, "--output", out, "--iocs", corpusPath("iocs") ?? "iocs"]);
    const results = await readResults(out);
    const serious = results.findings.filter((f) => ["critical", "high", "medium"].includes(f.level));
    expect(serious.map((f) => `${f.rule}: ${f.summary}`)).toEqual([]);
    expect(results.verdict).toBe("no_known_traces");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/does not prove that the device is free of spyware/);
    expect(run.stdout).not.toMatch(/clean/i);
    // The generated plain backup holds Safari history, so the unencrypted-backup note leaves it out.
    const safari = results.artifacts.find((a) => a.id === "ios/safari-history");
    expect(safari?.status).toBe("found");
    const note = results.devices[0]?.notChecked.find((l) => l.startsWith("unencrypted backup"));
    expect(note ?? "").not.toMatch(/Safari history/);
    expect(run.stdout).toMatch(
      /Artifacts: \d+ found, 0 partial, \d+ not present, 0 failed, \d+ not applicable\n\s+found: .*datausage \(\d+\)/s,
    );
    expect(run.stdout).not.toMatch(/VERDICT: CLEAN/i);
  }, 120_000);

  it("an error (wrong password) exits 1 with one line, gives no verdict and writes nothing", async () => {
    const out = join(root, "out-wrong");
    const run = await runCli(["scan", infected, "--output", out], { SPYGLASS_BACKUP_PASSWORD: "wrong" });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    await expect(fs.access(out)).rejects.toThrow();
  });

  it("--json prints results.json; unknown evidence is an error", async () => {
    const run = await runCli(["scan", uninfected, "--json"]);
    expect((JSON.parse(run.stdout) as ScanResults).devices[0]?.device.name).toBeDefined();
    const notEvidence = join(root, "not-evidence");
    await fs.mkdir(notEvidence, { recursive: true });
    await fs.writeFile(join(notEvidence, "notes.txt"), "hello");
    const bad = await runCli(["scan", notEvidence]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Not evidence Spyglass can read/);
    const two = await runCli(["scan", root]);
    expect(two.code).toBe(1);
    expect(two.stderr).toMatch(/holds 2 backups \(infected, uninfected\)/);
  });

  it("recheck matches stored records against new indicators, without the evidence or its password", async () => {
    const out = join(root, "out-uninfected-recheck");
    await runCli(["scan", uninfected, "--output", out]);
    const results = await readResults(out);
    const visited = (
      await fs.readFile(join(out, "artifacts", "ios", "safari-history.jsonl"), "utf8").catch(() => "")
    )
      .split("\n")
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { data: { url?: string } }).data.url)
      .find((u): u is string => typeof u === "string" && u.startsWith("http"));
    const target = visited === undefined ? undefined : new URL(visited).hostname;
    expect(target, "the uninfected sample has Safari visits").toBeDefined();
    await fs.mkdir(join(root, "new"), { recursive: true });
    await fs.writeFile(join(root, "new", "domains.txt"), `${target}\n`);
    const recheck = await runCli(["recheck", out, "--iocs", join(root, "new", "domains.txt")]);
    expect(recheck.stdout).toMatch(/New findings \(\d+\)/);
    expect(recheck.stdout).toContain(target!);
    expect(results.findings.every((f) => f.indicator?.value !== target)).toBe(true);
  }, 120_000);
});

describe("privacy and re-checking", () => {
  it("withholds message bodies from the artifact files unless --include-content", async () => {
    const plainOut = join(root, "out-private");
    await runCli(["scan", uninfected, "--output", plainOut]);
    const withheld = (await fs.readFile(join(plainOut, "artifacts", "ios", "sms.jsonl"), "utf8"))
      .split("\n")
      .filter(Boolean);
    const texts = withheld
      .map((l) => (JSON.parse(l) as { data: { text?: string } }).data.text)
      .filter((t): t is string => t !== undefined);
    expect(texts.length).toBeGreaterThan(0);
    expect(texts.every((t) => t.startsWith("[withheld:"))).toBe(true);
    const fullOut = join(root, "out-content");
    await runCli(["scan", uninfected, "--output", fullOut, "--include-content"]);
    const kept = (await fs.readFile(join(fullOut, "artifacts", "ios", "sms.jsonl"), "utf8"))
      .split("\n")
      .filter(Boolean);
    expect(
      kept.some((l) => !(JSON.parse(l) as { data: { text?: string } }).data.text?.startsWith("[withheld:")),
    ).toBe(true);
  });

  it("recheck keeps the findings of the scan and its verdict", async () => {
    const out = join(root, "out-infected-recheck");
    await runCli(["scan", infected, "--output", out], { SPYGLASS_BACKUP_PASSWORD: PASSWORD });
    const run = await runCli(["recheck", out, "--json"]);
    expect(run.code).toBe(3);
    const parsed = JSON.parse(run.stdout) as { verdict: string; devices: Array<{ newFindings: unknown[] }> };
    expect(parsed.verdict).toBe("detected");
    expect(parsed.devices[0]?.newFindings).toEqual([]);
  }, 60_000);
});

describe.skipIf(corpusPath("backups") === undefined)("scans of the corpus backups (no traces)", () => {
  it("gives no_known_traces for the plain and the encrypted backup", async () => {
    const dir = corpusPath("backups")!;
    for (const name of ["dev-ios16-plain", "dev-ios16-enc"]) {
      const run = await runCli(["scan", join(dir, name), "--json", "--iocs", corpusPath("iocs")!], {
        SPYGLASS_BACKUP_PASSWORD: "spyglass-test",
      });
      const results = JSON.parse(run.stdout) as ScanResults;
      expect(results.verdict, `${name}: ${JSON.stringify(results.findings.map((f) => f.summary))}`).toBe(
        "no_known_traces",
      );
      expect(run.code).toBe(0);
    }
  }, 120_000);
});

describe("scanSource", () => {
  it("gives the same statuses, findings and verdict whether or not records are streamed and placed on a timeline", async () => {
    const scanOnce = async (streamed: boolean) => {
      const source = await openEvidence(infected, { password: () => PASSWORD });
      try {
        let streamedRecords = 0;
        const scan = await scanSource(source, {
          id: "d1",
          indicators: undefined,
          ...(streamed
            ? {
                timeline: true,
                sink: () => {
                  streamedRecords += 1;
                },
              }
            : {}),
        });
        return { scan, streamedRecords };
      } finally {
        await source.close();
      }
    };
    const quiet = await scanOnce(false);
    const streamed = await scanOnce(true);
    const statusOf = (s: typeof quiet.scan) =>
      s.statuses.map(({ id, status, records }) => ({ id, status, records }));
    expect(statusOf(quiet.scan)).toEqual(statusOf(streamed.scan));
    expect(quiet.scan.findings).toEqual(streamed.scan.findings);
    expect(quiet.scan.verdict.verdict).toBe("detected");
    expect(streamed.scan.verdict).toEqual(quiet.scan.verdict);
    // The listing is derived again when read, the same entries in the same order.
    const listing = (s: typeof quiet.scan) => [...(s.records.get("ios/file-listing") ?? [])];
    expect(listing(quiet.scan).length).toBeGreaterThan(100);
    expect(listing(quiet.scan)).toEqual(listing(streamed.scan));
    expect(streamed.streamedRecords).toBe(streamed.scan.statuses.reduce((n, s) => n + s.records, 0));
  });
});
