/** The terminal summary: verdict first, then findings grouped by rule, then what was not checked. */
import { FINDING_LEVELS } from "../model/finding.js";
import type { ScanResults, StoredFinding } from "./results.js";
import type { Verdict } from "./verdict.js";

const TITLE: Record<Verdict, string> = {
  detected: "DETECTED — traces of known spyware",
  suspicious: "SUSPICIOUS — signs worth an expert's look, no exact trace",
  no_known_traces: "NO KNOWN TRACES",
  incomplete: "INCOMPLETE — no known traces, but important sources were missing",
};

const COLOR: Record<Verdict, string> = {
  detected: "\u001b[1;31m",
  suspicious: "\u001b[1;33m",
  no_known_traces: "\u001b[1;32m",
  incomplete: "\u001b[1;35m",
};

/** Renders the summary; `color` adds ANSI colours (terminals only). */
export function renderSummary(
  results: ScanResults,
  options: { color: boolean; maxPerRule?: number },
): string {
  const paint = (verdict: Verdict, text: string): string =>
    options.color ? `${COLOR[verdict]}${text}\u001b[0m` : text;
  const out: string[] = [];
  const maxPerRule = options.maxPerRule ?? 5;
  for (const device of results.devices) {
    const d = device.device;
    const label = [
      d.name,
      d.productType,
      d.productVersion === undefined
        ? undefined
        : `iOS ${d.productVersion}${d.buildVersion === undefined ? "" : ` (${d.buildVersion})`}`,
    ]
      .filter(Boolean)
      .join(" · ");
    out.push(
      `${device.input} — ${device.kind === "ios-backup" ? "iOS backup" : "file-system dump"}${label === "" ? "" : ` — ${label}`}`,
    );
    out.push("");
    out.push(`  VERDICT: ${paint(device.verdict, TITLE[device.verdict])}`);
    out.push(...wrap(device.explanation, 100).map((line) => `  ${line}`));
    out.push("");
    const findings = results.findings.filter((f) => f.device === device.id);
    if (findings.length > 0) {
      out.push(`  Findings (${findings.length}):`);
      for (const [rule, group] of groupByRule(findings)) {
        const level = group[0]!.level;
        out.push(`    ${level.toUpperCase().padEnd(8)} ${rule} (${group.length})`);
        for (const finding of group.slice(0, maxPerRule))
          out.push(`      ${finding.time ?? "time unknown".padEnd(24)}  ${finding.summary}  [${finding.id}]`);
        if (group.length > maxPerRule)
          out.push(`      … and ${group.length - maxPerRule} more (results.json has them all)`);
      }
      out.push("");
    }
    out.push(...artifactLines(results, device.id));
    if (device.notChecked.length > 0) {
      out.push("  Not checked or limited:");
      for (const line of device.notChecked) out.push(`    - ${line}`);
      out.push("");
    }
  }
  const total = results.indicatorSets.reduce((n, s) => n + s.total, 0);
  out.push(
    `Indicators: ${total} from ${results.indicatorSets.length} file${results.indicatorSets.length === 1 ? "" : "s"} (${results.indicatorSets
      .map((s) => s.name)
      .slice(0, 4)
      .join(", ")}${results.indicatorSets.length > 4 ? ", …" : ""})`,
  );
  const warnings = results.warnings.length;
  if (warnings > 0) out.push(`Warnings: ${warnings} (see results.json or run with --json)`);
  return `${out.join("\n")}\n`;
}

/** Per artifact: found (with record counts), not present, or failed with its warning. */
function artifactLines(results: ScanResults, device: string): string[] {
  const statuses = results.artifacts.filter((a) => a.device === device && a.status !== "not_applicable");
  const found = statuses.filter((a) => a.status === "found");
  const failed = statuses.filter((a) => a.status === "failed");
  const absent = statuses.filter((a) => a.status === "not_present");
  const lines = [`  Artifacts: ${found.length} found, ${absent.length} not present, ${failed.length} failed`];
  lines.push(
    ...wrap(`found: ${found.map((a) => `${a.id.replace(/^ios\//, "")} (${a.records})`).join(", ")}`, 96).map(
      (l) => `    ${l}`,
    ),
  );
  for (const a of failed)
    lines.push(
      `    failed: ${a.id} — ${a.warnings[0]?.message ?? "see results.json"}${a.warnings[0]?.file === undefined ? "" : ` (${a.warnings[0].file})`}`,
    );
  if (absent.length > 0)
    lines.push(
      ...wrap(`not present: ${absent.map((a) => a.id.replace(/^ios\//, "")).join(", ")}`, 96).map(
        (l) => `    ${l}`,
      ),
    );
  lines.push("");
  return lines;
}

function groupByRule(findings: readonly StoredFinding[]): Map<string, StoredFinding[]> {
  const sorted = [...findings].sort(
    (a, b) =>
      FINDING_LEVELS.indexOf(a.level) - FINDING_LEVELS.indexOf(b.level) ||
      a.rule.localeCompare(b.rule) ||
      (a.time ?? "").localeCompare(b.time ?? ""),
  );
  const groups = new Map<string, StoredFinding[]>();
  for (const f of sorted) {
    const list = groups.get(f.rule);
    if (list === undefined) groups.set(f.rule, [f]);
    else list.push(f);
  }
  return groups;
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line.length + word.length + 1 > width && line !== "") {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}
