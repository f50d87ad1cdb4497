/** The terminal summary: verdict first, then findings grouped by rule, then what was not checked. */
import { failureWarning } from "../artifacts/define.js";
import { FINDING_LEVELS } from "../model/finding.js";
import { type Warning, warningLine } from "../model/warning.js";
import type { ScanResults, StoredFinding } from "./results.js";
import type { Verdict } from "./verdict.js";

const TITLE: Record<Verdict, string> = {
  detected: "DETECTED — traces of known spyware",
  suspicious: "SUSPICIOUS — signs worth an expert's look, no exact trace",
  no_known_traces: "NO KNOWN TRACES",
  incomplete: "INCOMPLETE — no known traces, but important sources were missing or unreadable",
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

/**
 * Per artifact: found (with record counts and any warnings), partial (records, then what stopped
 * the read), failed with its warning, not present, and not applicable to this evidence.
 */
function artifactLines(results: ScanResults, device: string): string[] {
  const statuses = results.artifacts.filter((a) => a.device === device);
  const short = (a: StoredArtifact): string => a.id.replace(/^ios\//, "");
  const by = (status: StoredArtifact["status"]): StoredArtifact[] =>
    statuses.filter((a) => a.status === status);
  const [found, partial, failed, absent, inapplicable] = [
    by("found"),
    by("partial"),
    by("failed"),
    by("not_present"),
    by("not_applicable"),
  ];
  const lines = [
    `  Artifacts: ${found.length} found, ${partial.length} partial, ${absent.length} not present, ${failed.length} failed, ${inapplicable.length} not applicable`,
  ];
  const list = (
    label: string,
    items: readonly StoredArtifact[],
    name: (a: StoredArtifact) => string,
  ): void => {
    if (items.length === 0) return;
    lines.push(...wrap(`${label}: ${items.map(name).join(", ")}`, 96).map((l) => `    ${l}`));
  };
  list("found", found, (a) => `${short(a)} (${a.records})`);
  for (const a of found.filter((f) => f.warnings.length > 0)) {
    const more = a.warnings.length - 1;
    lines.push(
      `    warning: ${short(a)} — ${describe(a.warnings[0])}${more > 0 ? ` (and ${more} more warning${more === 1 ? "" : "s"})` : ""}`,
    );
  }
  for (const a of partial) lines.push(`    partial: ${a.id} — ${describe(failureWarning(a))}`);
  for (const a of failed) lines.push(`    failed: ${a.id} — ${describe(failureWarning(a))}`);
  list("not present", absent, short);
  list("not applicable to this evidence", inapplicable, short);
  lines.push("");
  return lines;
}

/** A warning on one line, or where to look when there is none. */
function describe(warning: Warning | undefined): string {
  return warning === undefined ? "see results.json" : warningLine(warning);
}

type StoredArtifact = ScanResults["artifacts"][number];

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
