/** `spyglass recheck <results-dir> --iocs …`: stored records against new indicators. */
import { SpyglassError } from "../../errors.js";
import { loadIndicators } from "../../indicators/load.js";
import { loadStoredResults, recheckStored } from "../../scan/recheck.js";
import { combineVerdicts, VERDICT_EXIT } from "../../scan/verdict.js";
import { parseCommandArgs } from "../args.js";
import { defineCommand } from "../command.js";

const USAGE = "spyglass recheck <results-dir> [--iocs FILE|DIR]... [--json]";

export const recheckCommand = defineCommand({
  path: ["recheck"],
  summary: "Match the records of an earlier scan against new indicators (no evidence or password needed)",
  help: `Usage: ${USAGE}

Reads results.json and artifacts/*.jsonl from a folder written by \`spyglass scan --output\`,
runs every detection again with the indicators loaded now (--iocs, SPYGLASS_IOCS, downloaded
and bundled sets) and prints the findings that are new since that scan, then the verdict.
Exit status as for scan: 0 no known traces, 2 suspicious, 3 detected, 4 incomplete, 1 error.

Options:
  --iocs FILE|DIR        indicator files or folders; repeatable
  --json                 print {devices:[{device, verdict, newFindings, findings}]} as JSON`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { iocs: { type: "string", multiple: true }, json: { type: "boolean" } },
      USAGE,
    );
    if (positionals.length !== 1)
      throw new SpyglassError("USAGE", "Name one results folder", { hint: `Usage: ${USAGE}` });
    const stored = await loadStoredResults(positionals[0]!);
    const indicators = await loadIndicators({ paths: values.iocs ?? [], env: io.env });
    const rechecked = recheckStored(stored, indicators.index);
    const verdict = combineVerdicts(rechecked.map((r) => r.verdict.verdict));
    if (values.json === true) {
      io.stdout.write(
        `${JSON.stringify(
          {
            verdict,
            indicatorSets: indicators.sets,
            devices: rechecked.map((r) => ({
              device: r.device,
              verdict: r.verdict,
              newFindings: r.newFindings,
              findings: r.findings,
            })),
          },
          null,
          2,
        )}\n`,
      );
      return VERDICT_EXIT[verdict];
    }
    const total = indicators.sets.reduce((n, s) => n + s.total, 0);
    io.stdout.write(
      `Re-checked ${positionals[0]} (scanned ${stored.results.finishedAt}) against ${total} indicators from ${indicators.sets.length} files.\n\n`,
    );
    for (const r of rechecked) {
      const before = stored.results.devices.find((d) => d.id === r.device)?.verdict;
      io.stdout.write(
        `Device ${r.device}: verdict ${r.verdict.verdict.toUpperCase()}${before !== undefined && before !== r.verdict.verdict ? ` (was ${before})` : ""}\n`,
      );
      if (r.newFindings.length === 0) io.stdout.write("  No new findings.\n");
      else {
        io.stdout.write(`  New findings (${r.newFindings.length}):\n`);
        for (const f of r.newFindings.slice(0, 50))
          io.stdout.write(
            `    ${f.level.toUpperCase().padEnd(8)} ${f.rule}  ${f.time ?? ""}  ${f.summary}\n`,
          );
        if (r.newFindings.length > 50)
          io.stdout.write(`    … and ${r.newFindings.length - 50} more (use --json)\n`);
      }
      io.stdout.write("\n");
    }
    return VERDICT_EXIT[verdict];
  },
});
