/**
 * `npm run demo`: generates a sample iPhone backup carrying Operation Triangulation traces
 * (encrypted, as real acquisitions should be) and its uninfected twin with the same everyday noise,
 * scans both with `spyglass scan`, and leaves evidence and results in demo-output/.
 */
import { promises as fs } from "node:fs";
import { join, resolve } from "node:path";
import { main } from "../cli/main.js";
import { writeSampleBackup } from "../generate/sample-device.js";

const OUT = resolve(process.argv[2] ?? "demo-output");
const PASSWORD = "demo-password";

async function run(): Promise<number> {
  await fs.rm(OUT, { recursive: true, force: true });
  const infected = join(OUT, "evidence", "infected-backup");
  const uninfected = join(OUT, "evidence", "uninfected-backup");
  process.stdout.write(`Generating two sample backups in ${join(OUT, "evidence")} …\n`);
  await writeSampleBackup(infected, {
    profile: "triangulation",
    seed: "spyglass-demo",
    encryption: { password: PASSWORD, dpic: 10_000, iter: 1000 },
  });
  await writeSampleBackup(uninfected, { profile: "clean", seed: "spyglass-demo" });

  const io = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: { ...process.env },
    debug: false,
  };
  const scans: Array<[string, string, NodeJS.ProcessEnv]> = [
    [
      "infected (encrypted backup, password from SPYGLASS_BACKUP_PASSWORD)",
      infected,
      { SPYGLASS_BACKUP_PASSWORD: PASSWORD },
    ],
    ["uninfected twin (plain backup)", uninfected, {}],
  ];
  for (const [label, evidence, env] of scans) {
    const name = evidence === infected ? "infected" : "uninfected";
    process.stdout.write(`\n=== spyglass scan ${label}\n\n`);
    const code = await main(["scan", evidence, "--output", join(OUT, "results", name)], {
      ...io,
      env: { ...io.env, ...env },
    });
    process.stdout.write(`(exit status ${code})\n`);
    if (code === 1) return 1;
  }
  process.stdout.write(
    `\nEvidence: ${join(OUT, "evidence")}\nResults:  ${join(OUT, "results")} (results.json, alerts.json, timeline.csv, artifacts/)\n`,
  );
  return 0;
}

run().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
