import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SampleProfile, writeSampleBackup } from "../generate/sample-device.js";
import { runCli } from "../testing/cli.js";
import { corpusPath } from "../testing/corpus.js";
import { resultsValidator } from "../testing/results-schema.js";
import type { ScanResults } from "./results.js";

/**
 * Each detection on a generated device that carries its trace, next to the clean twin that shares
 * all its everyday noise. Campaigns other than Triangulation are found through the published
 * indicator sets of the shared corpus (the bundled pack covers Triangulation only).
 */
const EXPECTED: Record<
  Exclude<SampleProfile, "clean">,
  { rules: string[]; verdict: string; needsCorpus: boolean }
> = {
  triangulation: {
    rules: [
      "triangulation/backupagent",
      "triangulation/event-window",
      "triangulation/watchface-attachment",
      "triangulation/imtransfer-then-backupagent",
      "triangulation/softwareupdate-plist",
      "indicator/email",
      "indicator/domain",
    ],
    verdict: "detected",
    needsCorpus: false,
  },
  pegasus: {
    rules: ["indicator/process", "indicator/domain", "mvt/tmp-attachment", "mvt/idstatuscache-nul-bytes"],
    verdict: "detected",
    needsCorpus: true,
  },
  predator: { rules: ["indicator/profile-id", "indicator/domain"], verdict: "detected", needsCorpus: true },
  quadream: { rules: ["indicator/process", "mvt/quadream-calendar"], verdict: "detected", needsCorpus: true },
  "mvt-heuristics": {
    rules: [
      "mvt/threat-notification",
      "mvt/safari-http-redirect",
      "mvt/app-not-from-store",
      "mvt/notification-profile",
    ],
    verdict: "suspicious",
    needsCorpus: false,
  },
};

const iocs = corpusPath("iocs");
let root = "";

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "spyglass-profiles-"));
});

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** Scans a generated device; its results (every finding included) must match docs/results.schema.json. */
async function scan(profile: SampleProfile): Promise<{ results: ScanResults; code: number }> {
  const dir = join(root, profile);
  await writeSampleBackup(dir, { profile, seed: "profiles" });
  const run = await runCli(["scan", dir, "--json", ...(iocs === undefined ? [] : ["--iocs", iocs])]);
  const results = JSON.parse(run.stdout) as ScanResults;
  const validate = await resultsValidator();
  expect(validate(results), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  return { results, code: run.code };
}

describe("generated devices with planted traces, and their clean twin", () => {
  it("the clean twin gives no finding above low", async () => {
    const { results, code } = await scan("clean");
    expect(
      results.findings
        .filter((f) => ["critical", "high", "medium"].includes(f.level))
        .map((f) => `${f.rule}: ${f.summary}`),
    ).toEqual([]);
    expect(results.verdict).toBe("no_known_traces");
    expect(code).toBe(0);
  }, 60_000);

  for (const [profile, expected] of Object.entries(EXPECTED)) {
    it.skipIf(expected.needsCorpus && iocs === undefined)(
      `${profile}: ${expected.rules.join(", ")}`,
      async () => {
        const { results } = await scan(profile as SampleProfile);
        const rules = new Set(results.findings.map((f) => f.rule));
        for (const rule of expected.rules)
          expect(rules.has(rule), `${profile} lacks ${rule}; got ${[...rules].join(", ")}`).toBe(true);
        expect(results.verdict).toBe(expected.verdict);
      },
      60_000,
    );
  }
});
