/** `spyglass scan <evidence>...`: one verdict per device, every finding explained. */
import { SpyglassError } from "../../errors.js";
import { loadIndicators } from "../../indicators/load.js";
import { openEvidence } from "../../readers/open-evidence.js";
import type { EvidenceSource } from "../../readers/types.js";
import { mvtAlerts } from "../../scan/mvt-alerts.js";
import { ResultsFolder } from "../../scan/output.js";
import { buildResults } from "../../scan/results.js";
import { type DeviceScan, scanSource } from "../../scan/scan.js";
import { renderSummary } from "../../scan/summary.js";
import { timelineRows, writeTimelineCsv } from "../../scan/timeline.js";
import { VERDICT_EXIT } from "../../scan/verdict.js";
import { parseCommandArgs } from "../args.js";
import { defineCommand } from "../command.js";
import { backupKeyOptions, KEY_OPTIONS, KEY_OPTIONS_HELP } from "../password.js";
import { toolVersion } from "../version.js";

const USAGE = "spyglass scan <evidence>... [--iocs FILE|DIR]... [--output DIR] [--json]";

export const scanCommand = defineCommand({
  path: ["scan"],
  summary: "Check evidence from an iPhone for traces of spyware and give a verdict",
  help: `Usage: ${USAGE}

Reads each piece of evidence (an iTunes/Finder backup folder, plain or encrypted, or a full
file-system dump as a folder, .tar, .tar.gz or .zip), parses its artifacts, matches them against
the indicators and runs the detections, then prints one verdict per device:

  detected         exact traces of known spyware                      (exit status 3)
  suspicious       heuristic signs, no exact trace                    (exit status 2)
  no_known_traces  nothing known found; not proof there is no spyware (exit status 0)
  incomplete       nothing found, but important sources missing or unreadable (exit status 4)
An error (wrong password, unreadable evidence) exits with status 1 and gives no verdict.

Nothing is written unless --output is given; decrypted data never touches the disk.

Options:
  --iocs FILE|DIR        indicator files or folders (STIX2, mvt-indicators lists, TinyCheck
                         JSON, MISP); repeatable. Also SPYGLASS_IOCS and the files that
                         \`spyglass iocs update\` downloaded; the bundled Operation Triangulation
                         pack is always loaded
  --output DIR           write results.json, alerts.json (MVT's shape), timeline.csv and
                         artifacts/<id>.jsonl into DIR (empty, or use --force)
  --force                write into a non-empty output folder
  --json                 print results.json to stdout instead of the summary
  --include-content      keep message bodies and other personal content in the artifact files
${KEY_OPTIONS_HELP}`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        ...KEY_OPTIONS,
        iocs: { type: "string", multiple: true },
        output: { type: "string" },
        force: { type: "boolean" },
        json: { type: "boolean" },
        "include-content": { type: "boolean" },
      },
      USAGE,
    );
    if (positionals.length === 0)
      throw new SpyglassError("USAGE", "Name at least one piece of evidence", { hint: `Usage: ${USAGE}` });
    const startedAt = new Date().toISOString();
    const indicators = await loadIndicators({ paths: values.iocs ?? [], env: io.env });
    const keys = await backupKeyOptions(values, io);

    // Open every piece of evidence before writing anything: a wrong password stops the run cleanly.
    const sources: EvidenceSource[] = [];
    try {
      for (const input of positionals) sources.push(await openEvidence(input, keys));
      const folder =
        values.output === undefined
          ? undefined
          : await ResultsFolder.create(values.output, values.force === true, [
              ...positionals,
              ...sources.map((source) => source.input),
            ]);
      const includeContent = values["include-content"] === true;
      const scans: DeviceScan[] = [];
      for (const [i, source] of sources.entries()) {
        const id = `d${i + 1}`;
        const device = sources.length > 1 ? id : undefined;
        scans.push(
          await scanSource(source, {
            id,
            indicators: indicators.index,
            timeline: folder !== undefined,
            ...(device === undefined ? {} : { device }),
            ...(folder === undefined
              ? {}
              : {
                  sink: (record, definition) =>
                    folder.writeRecord(record, definition, includeContent, device),
                }),
          }),
        );
        // Reports need the records and the listing only: let go of file handles and kept bytes.
        await source.close();
      }
      const results = buildResults({
        version: toolVersion(),
        startedAt,
        scans,
        indicatorSets: indicators.sets,
        indicatorWarnings: indicators.warnings,
      });
      if (folder !== undefined) {
        await folder.close();
        await folder.writeFile("results.json", `${JSON.stringify(results, null, 2)}\n`);
        await folder.writeFile("alerts.json", `${JSON.stringify(mvtAlerts(results.findings), null, 2)}\n`);
        await writeTimelineCsv(
          folder.path("timeline.csv"),
          timelineRows(scans.flatMap((s) => (s.timeline === undefined ? [] : [s.timeline]))),
        );
      }
      if (values.json === true) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else {
        io.stdout.write(
          renderSummary(results, { color: io.stdout.isTTY === true && io.env.NO_COLOR === undefined }),
        );
        if (folder !== undefined) io.stdout.write(`Results written to ${folder.dir}\n`);
      }
      return VERDICT_EXIT[results.verdict];
    } finally {
      for (const source of sources) await source.close();
    }
  },
});
