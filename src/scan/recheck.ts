/** Re-checks stored results against new indicators, without the evidence or its password. */
import { createReadStream, promises as fs } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ArtifactRecord } from "../artifacts/define.js";
import type { Limitation } from "../detections/define.js";
import { DETECTIONS } from "../detections/registry.js";
import { SpyglassError } from "../errors.js";
import type { IndicatorIndex } from "../indicators/indicator-index.js";
import type { Finding } from "../model/finding.js";
import { isWithheld } from "./output.js";
import type { ScanResults, StoredFinding } from "./results.js";
import { detectionContext, runDetections } from "./scan.js";
import { combineVerdicts, decideVerdict, VERDICT_EXIT, type Verdict, type VerdictResult } from "./verdict.js";

const MAX_LINE = 64 * 1024 * 1024;

/** A stable identity for comparing findings across runs. */
export function findingKey(finding: Finding): string {
  const evidence = finding.evidence[0];
  return [
    finding.rule,
    finding.indicator?.value ?? "",
    evidence?.path ?? "",
    evidence?.rowId ?? "",
    evidence?.field ?? "",
    finding.time ?? "",
  ].join("|");
}

/** Loads results.json and every artifacts/**.jsonl of a results folder. */
export async function loadStoredResults(
  dir: string,
): Promise<{ results: ScanResults; records: Map<string, Map<string, ArtifactRecord[]>> }> {
  let results: ScanResults;
  try {
    results = JSON.parse(await fs.readFile(join(dir, "results.json"), "utf8")) as ScanResults;
  } catch {
    throw new SpyglassError("NOT_FOUND", `No readable results.json in ${dir}`, {
      hint: "Give a folder written by `spyglass scan --output`",
    });
  }
  if (
    typeof results.schemaVersion !== "number" ||
    !Array.isArray(results.devices) ||
    !results.devices.every(isStoredDevice) ||
    !Array.isArray(results.findings) ||
    !results.findings.every(isStoredFinding) ||
    !Array.isArray(results.artifacts) ||
    !Array.isArray(results.indicatorSets)
  ) {
    throw new SpyglassError("CORRUPT", "results.json is not a Spyglass results file", {
      file: join(dir, "results.json"),
    });
  }
  const records = new Map<string, Map<string, ArtifactRecord[]>>();
  const single = results.devices.length === 1 ? results.devices[0]?.id : undefined;
  const files = await listJsonl(join(dir, "artifacts"));
  for (const file of files) {
    const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
    let lineNumber = 0;
    for await (const line of lines) {
      lineNumber += 1;
      if (line.length === 0) continue;
      if (line.length > MAX_LINE)
        throw new SpyglassError("BUDGET", `Line ${lineNumber} is longer than ${MAX_LINE} bytes`, { file });
      let parsed: ArtifactRecord & { device?: string };
      try {
        parsed = JSON.parse(line) as ArtifactRecord & { device?: string };
      } catch {
        throw new SpyglassError("CORRUPT", `Line ${lineNumber} is not JSON`, { file });
      }
      const device = parsed.device ?? single ?? "d1";
      let byArtifact = records.get(device);
      if (byArtifact === undefined) {
        byArtifact = new Map();
        records.set(device, byArtifact);
      }
      const list = byArtifact.get(parsed.artifact);
      const record: ArtifactRecord = {
        artifact: parsed.artifact,
        file: parsed.file,
        origin: parsed.origin,
        data: parsed.data,
      };
      if (list === undefined) byArtifact.set(parsed.artifact, [record]);
      else list.push(record);
    }
  }
  return { results, records };
}

function isStoredDevice(value: unknown): boolean {
  const device = value as Partial<ScanResults["devices"][number]> | null;
  return (
    typeof device === "object" &&
    device !== null &&
    typeof device.id === "string" &&
    typeof device.verdict === "string" &&
    Object.hasOwn(VERDICT_EXIT, device.verdict) &&
    typeof device.explanation === "string" &&
    Array.isArray(device.notChecked)
  );
}

function isStoredFinding(value: unknown): boolean {
  const finding = value as Partial<StoredFinding> | null;
  return (
    typeof finding === "object" &&
    finding !== null &&
    typeof finding.rule === "string" &&
    typeof finding.device === "string" &&
    typeof finding.level === "string" &&
    Array.isArray(finding.evidence)
  );
}

async function listJsonl(dir: string): Promise<string[]> {
  const out: string[] = [];
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listJsonl(path)));
    else if (entry.isFile() && entry.name.endsWith(".jsonl")) out.push(path);
  }
  return out.sort();
}

/** What a recheck found for one device. */
export interface DeviceRecheck {
  device: string;
  /** Over the scan's findings and the new ones; never less alarming than `previousVerdict`. */
  verdict: VerdictResult;
  /** The device's verdict in results.json. */
  previousVerdict: Verdict;
  /** The scan's findings (kept as stored, with their ids), then the new ones. */
  findings: Finding[];
  /** Findings the scan did not have (one that re-derives identically is not new). */
  newFindings: Finding[];
  /** Rules that could not run again on the stored records, and why. */
  notRerun: Limitation[];
}

/**
 * Runs the detections again on the stored records with the given indicators. The verdict is
 * judged over the scan's stored findings plus the new ones, so a recheck given fewer indicators
 * than the scan never loses what the scan found.
 */
export function recheckStored(
  stored: { results: ScanResults; records: Map<string, Map<string, ArtifactRecord[]>> },
  indicators: IndicatorIndex,
): DeviceRecheck[] {
  const out: DeviceRecheck[] = [];
  for (const device of stored.results.devices) {
    const statuses = stored.results.artifacts.filter((a) => a.device === device.id);
    const records = stored.records.get(device.id) ?? new Map<string, ArtifactRecord[]>();
    const context = detectionContext({
      records,
      statuses,
      kind: device.kind,
      device: device.device,
      indicators,
    });
    const notRerun = withheldInputs(records);
    const skipped = new Set(notRerun.map((l) => l.rule));
    const rerun = runDetections(
      context,
      DETECTIONS.filter((d) => !skipped.has(d.id)),
    );
    const kept: Finding[] = stored.results.findings.filter((f: StoredFinding) => f.device === device.id);
    const known = new Set(kept.map(findingKey));
    const newFindings: Finding[] = [];
    for (const finding of rerun.findings) {
      const key = findingKey(finding);
      if (known.has(key)) continue;
      known.add(key);
      newFindings.push(finding);
    }
    const findings = [...kept, ...newFindings];
    const judged = decideVerdict({
      kind: device.kind,
      findings,
      limitations: [...rerun.limitations, ...notRerun],
      statuses,
      warnings: stored.results.warnings.filter((w) => w.device === device.id),
    });
    out.push({
      device: device.id,
      verdict: neverLessAlarming(judged, device),
      previousVerdict: device.verdict,
      findings,
      newFindings,
      notRerun,
    });
  }
  return out;
}

/** Rules whose content inputs were withheld from the stored records (the scan had no --include-content). */
function withheldInputs(records: ReadonlyMap<string, readonly ArtifactRecord[]>): Limitation[] {
  const out: Limitation[] = [];
  for (const detection of DETECTIONS) {
    const missing: string[] = [];
    for (const [artifact, fields] of Object.entries(detection.readsContent ?? {})) {
      let count = 0;
      for (const record of records.get(artifact) ?? []) {
        const data = record.data as Record<string, unknown> | null;
        if (typeof data === "object" && data !== null && fields.some((f) => isWithheld(data[f]))) count += 1;
      }
      if (count > 0)
        missing.push(`the ${fields.join(", ")} of ${count} ${artifact} record${count === 1 ? "" : "s"}`);
    }
    if (missing.length > 0)
      out.push({
        rule: detection.id,
        message: `could not run again: the stored records lack ${missing.join(" and ")} (withheld; a scan with --include-content keeps content); the scan's own findings of this rule are kept`,
        important: false,
      });
  }
  return out;
}

/** The stored verdict stands when judging again comes out less alarming (the same statuses, fewer inputs). */
function neverLessAlarming(
  judged: VerdictResult,
  before: { verdict: Verdict; explanation: string; notChecked: readonly string[] },
): VerdictResult {
  const notChecked = [...new Set([...judged.notChecked, ...before.notChecked])];
  if (combineVerdicts([judged.verdict, before.verdict]) === judged.verdict) return { ...judged, notChecked };
  return { verdict: before.verdict, explanation: before.explanation, notChecked };
}
