/** Re-checks stored results against new indicators, without the evidence or its password. */
import { createReadStream, promises as fs } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { ArtifactRecord } from "../artifacts/define.js";
import { SpyglassError } from "../errors.js";
import type { IndicatorIndex } from "../indicators/indicator-index.js";
import type { Finding } from "../model/finding.js";
import type { ScanResults, StoredFinding } from "./results.js";
import { detectionContext, runDetections } from "./scan.js";
import { decideVerdict, type VerdictResult } from "./verdict.js";

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
  if (typeof results.schemaVersion !== "number" || !Array.isArray(results.devices)) {
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
  verdict: VerdictResult;
  findings: Finding[];
  newFindings: Finding[];
}

/** Runs every detection on the stored records with the given indicators and reports what is new. */
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
    const { findings, limitations } = runDetections(context);
    const before = new Set(
      stored.results.findings.filter((f: StoredFinding) => f.device === device.id).map(findingKey),
    );
    out.push({
      device: device.id,
      verdict: decideVerdict({
        kind: device.kind,
        findings,
        limitations,
        statuses,
        warnings: stored.results.warnings.filter((w) => w.device === device.id),
      }),
      findings,
      newFindings: findings.filter((f) => !before.has(findingKey(f))),
    });
  }
  return out;
}
