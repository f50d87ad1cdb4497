/** The results.json document (schema: docs/results.schema.json). */
import type { ArtifactStatus } from "../artifacts/define.js";
import type { IndicatorSetInfo } from "../indicators/types.js";
import type { Finding } from "../model/finding.js";
import type { Warning } from "../model/warning.js";
import type { DeviceInfo, EvidenceKind } from "../readers/types.js";
import type { FileRead } from "./hashing-source.js";
import type { DeviceScan, InputHash } from "./scan.js";
import { combineVerdicts, type Verdict } from "./verdict.js";

/** 2: artifact status "partial", every finding carries `indicator` or `heuristic`, warnings may be `important`, files read may name a link target. */
export const RESULTS_SCHEMA_VERSION = 2;

/** A finding as stored: numbered and tied to its device. */
export type StoredFinding = Finding & { id: string; device: string };

/** results.json */
export interface ScanResults {
  schemaVersion: number;
  tool: { name: "spyglass"; version: string };
  startedAt: string;
  finishedAt: string;
  inputs: Array<{
    device: string;
    path: string;
    kind: EvidenceKind;
    encrypted: boolean | null;
    hashes: InputHash[];
    filesRead: FileRead[];
  }>;
  indicatorSets: IndicatorSetInfo[];
  indicatorWarnings: Warning[];
  devices: Array<{
    id: string;
    input: string;
    kind: EvidenceKind;
    device: DeviceInfo;
    verdict: Verdict;
    explanation: string;
    notChecked: string[];
    findingCounts: Record<string, number>;
  }>;
  verdict: Verdict;
  findings: StoredFinding[];
  warnings: Array<Warning & { device: string }>;
  artifacts: Array<ArtifactStatus & { device: string }>;
}

/** Assembles results.json from device scans. */
export function buildResults(input: {
  version: string;
  startedAt: string;
  scans: readonly DeviceScan[];
  indicatorSets: IndicatorSetInfo[];
  indicatorWarnings: Warning[];
}): ScanResults {
  const findings: StoredFinding[] = [];
  for (const scan of input.scans) {
    for (const finding of scan.findings)
      findings.push({ id: `F${findings.length + 1}`, device: scan.id, ...finding });
  }
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    tool: { name: "spyglass", version: input.version },
    startedAt: input.startedAt,
    finishedAt: new Date().toISOString(),
    inputs: input.scans.map((s) => ({
      device: s.id,
      path: s.input,
      kind: s.kind,
      encrypted: s.encrypted ?? null,
      hashes: s.inputHashes,
      filesRead: s.filesRead,
    })),
    indicatorSets: input.indicatorSets,
    indicatorWarnings: input.indicatorWarnings,
    devices: input.scans.map((s) => ({
      id: s.id,
      input: s.input,
      kind: s.kind,
      device: s.device,
      verdict: s.verdict.verdict,
      explanation: s.verdict.explanation,
      notChecked: s.verdict.notChecked,
      findingCounts: countLevels(s.findings),
    })),
    verdict: combineVerdicts(input.scans.map((s) => s.verdict.verdict)),
    findings,
    warnings: input.scans.flatMap((s) =>
      [...s.warnings, ...s.statuses.flatMap((st) => st.warnings)].map((w) => ({ ...w, device: s.id })),
    ),
    artifacts: input.scans.flatMap((s) => s.statuses.map((st) => ({ ...st, device: s.id }))),
  };
}

function countLevels(findings: readonly Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.level] = (counts[f.level] ?? 0) + 1;
  return counts;
}
