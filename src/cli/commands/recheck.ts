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
and bundled sets) and prints the findings that are new since that scan. The verdict is judged
over the scan's findings (always kept) plus the new ones, so it is never less alarming than the
scan's; both are printed. Rules that need content withheld from artifacts/ (scan without
--include-content) are not run again and are listed. Nothing is written.
Exit status as for scan: 0 no known traces, 2 suspicious, 3 detected, 4 incomplete, 1 error.

Options:
  --iocs FILE|DIR        indicator files or folders; repeatable
  --json                 print {verdict, previousVerdict, indicatorSets (the scan's, then new ones),
                         devices:[{device, verdict, previousVerdict, newFindings,
                         findings (the scan's, then new ones), notRerun}]} as JSON`,
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
    const scanSets = new Set(stored.results.indicatorSets.map((s) => s.sha256));
    const added = indicators.sets.filter((s) => !scanSets.has(s.sha256));
    if (values.json === true) {
      io.stdout.write(
        `${JSON.stringify(
          {
            verdict,
            previousVerdict: stored.results.verdict,
            indicatorSets: [...stored.results.indicatorSets, ...added],
            devices: rechecked.map((r) => ({
              device: r.device,
              verdict: r.verdict,
              previousVerdict: r.previousVerdict,
              newFindings: r.newFindings,
              findings: r.findings,
              notRerun: r.notRerun,
            })),
          },
          null,
          2,
        )}\n`,
      );
      return VERDICT_EXIT[verdict];
    }
    const total = indicators.sets.reduce((n, s) => n + s.total, 0);
    const files = (n: number): string => `${n} indicator file${n === 1 ? "" : "s"}`;
    io.stdout.write(
      `Re-checked ${positionals[0]} (scanned ${stored.results.finishedAt}) against ${total} indicators from ${files(indicators.sets.length)} loaded now, ${added.length} of them not used by the scan.\n` +
        `The scan's findings and its ${files(stored.results.indicatorSets.length)} are kept.\n\n`,
    );
    for (const r of rechecked) {
      const change =
        r.previousVerdict === r.verdict.verdict
          ? "unchanged since the scan"
          : `was ${r.previousVerdict.toUpperCase()} at the scan`;
      io.stdout.write(`Device ${r.device}: verdict ${r.verdict.verdict.toUpperCase()} (${change})\n`);
      io.stdout.write(`  ${r.verdict.explanation}\n`);
      const kept = r.findings.length - r.newFindings.length;
      io.stdout.write(`  Findings of the scan, kept: ${kept}.\n`);
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
      if (r.notRerun.length > 0) {
        io.stdout.write("  Not run again on the stored records:\n");
        for (const l of r.notRerun) io.stdout.write(`    ${l.rule}: ${l.message}\n`);
      }
      io.stdout.write("\n");
    }
    return VERDICT_EXIT[verdict];
  },
});
