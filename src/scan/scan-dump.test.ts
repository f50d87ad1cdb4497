import { execFileSync } from "node:child_process";
import { promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSampleDump } from "../generate/sample-device-dump.js";
import { runCli } from "../testing/cli.js";
import { snapshotTree } from "../testing/tree-snapshot.js";
import type { ScanResults } from "./results.js";

let root = "";
let infectedDump = "";
let cleanDump = "";

beforeAll(async () => {
  root = await fs.mkdtemp(join(tmpdir(), "spyglass-scan-dump-"));
  for (const profile of ["triangulation", "clean"] as const) {
    // Extraction tools often put the tree under a folder such as filesystem1/.
    await writeSampleDump(join(root, `${profile}-dump`, "filesystem1"), { profile, seed: "dump-test" });
  }
  infectedDump = join(root, "triangulation-dump");
  cleanDump = join(root, "clean-dump");
  execFileSync("tar", ["-czf", join(root, "infected.tar.gz"), "-C", infectedDump, "."]);
  execFileSync("tar", ["-cf", join(root, "infected.tar"), "-C", infectedDump, "."]);
  execFileSync("zip", ["-qr", join(root, "infected.zip"), "."], { cwd: infectedDump });
}, 120_000);

afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe("scanning full file-system dumps", () => {
  it("finds the Triangulation traces in a dump folder, a .tar, a .tar.gz and a .zip, without changing them", async () => {
    for (const evidence of [
      infectedDump,
      join(root, "infected.tar"),
      join(root, "infected.tar.gz"),
      join(root, "infected.zip"),
    ]) {
      const before = await snapshotTree(root);
      const run = await runCli(["scan", evidence, "--json"]);
      const results = JSON.parse(run.stdout) as ScanResults;
      expect(results.devices[0]?.kind, evidence).toBe("fs-dump");
      expect(results.verdict, evidence).toBe("detected");
      expect(
        results.findings.some((f) => f.rule === "triangulation/backupagent"),
        evidence,
      ).toBe(true);
      expect(run.code, evidence).toBe(3);
      expect(await snapshotTree(root)).toEqual(before);
    }
  }, 120_000);

  it("gives the clean twin's dump no finding above low", async () => {
    const run = await runCli(["scan", cleanDump, "--json"]);
    const results = JSON.parse(run.stdout) as ScanResults;
    expect(
      results.findings.filter((f) => ["critical", "high", "medium"].includes(f.level)).map((f) => f.summary),
    ).toEqual([]);
    expect(results.verdict).toBe("no_known_traces");
  }, 60_000);
});
