import { execFile } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import type { ScanResults } from "../scan/results.js";

const run = promisify(execFile);
const built = resolve(import.meta.dirname, "..", "..", "dist", "demo", "run-demo.js");

describe.skipIf(!existsSync(built))("npm run demo (the README's first command)", () => {
  it('writes an infected and an uninfected sample, scans both, and keeps their results, never saying "clean"', async () => {
    const out = await fs.mkdtemp(join(tmpdir(), "spyglass-demo-"));
    try {
      const { stdout } = await run(process.execPath, [built, out], { maxBuffer: 64 * 1024 * 1024 });
      expect(stdout).toMatch(/VERDICT: DETECTED/);
      expect(stdout).toMatch(/VERDICT: NO KNOWN TRACES/);
      expect(stdout).not.toMatch(/clean/i);
      for (const [name, verdict] of [
        ["infected", "detected"],
        ["uninfected", "no_known_traces"],
      ] as const) {
        const results = JSON.parse(
          await fs.readFile(join(out, "results", name, "results.json"), "utf8"),
        ) as ScanResults;
        expect(results.verdict, name).toBe(verdict);
        for (const file of ["alerts.json", "timeline.csv"])
          expect(existsSync(join(out, "results", name, file)), `${name}/${file}`).toBe(true);
      }
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  }, 120_000);
});

if (!existsSync(built))
  console.warn("SKIPPED: dist/demo/run-demo.js is not built (npm test builds it first)");
