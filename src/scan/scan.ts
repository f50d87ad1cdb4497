/** One device's scan: artifacts → records, indicators and detections → findings → verdict. */
import { createHash } from "node:crypto";
import { createReadStream, promises as fs } from "node:fs";
import { join } from "node:path";
import type { ArtifactDefinition, ArtifactRecord, ArtifactStatus } from "../artifacts/define.js";
import { ARTIFACTS } from "../artifacts/registry.js";
import { runArtifact } from "../artifacts/run.js";
import type { Detection, DetectionContext, Limitation, RecordView } from "../detections/define.js";
import { DETECTIONS } from "../detections/registry.js";
import type { IndicatorIndex } from "../indicators/indicator-index.js";
import type { Finding } from "../model/finding.js";
import type { Warning } from "../model/warning.js";
import { openEvidence, READ_ONLY } from "../readers/evidence-open.js";
import type { DeviceInfo, EvidenceKind, EvidenceSource } from "../readers/types.js";
import { type FileRead, hashingSource } from "./hashing-source.js";
import { type DeviceTimeline, findingRows, type RecordList, TimelineRefs } from "./timeline.js";
import { decideVerdict, unencryptedBackupNote, type VerdictResult } from "./verdict.js";

/** A hashed file of the evidence itself (backup index and plists, or the archive). */
export interface InputHash {
  path: string;
  size: number;
  sha256: string;
}

/** Everything learnt about one device. */
export interface DeviceScan {
  id: string;
  input: string;
  kind: EvidenceKind;
  device: DeviceInfo;
  encrypted: boolean | undefined;
  statuses: ArtifactStatus[];
  records: Map<string, RecordList>;
  findings: Finding[];
  limitations: Limitation[];
  warnings: Warning[];
  filesRead: FileRead[];
  inputHashes: InputHash[];
  verdict: VerdictResult;
  /** Present when the scan was asked to keep a timeline (it is written only with --output). */
  timeline: DeviceTimeline | undefined;
}

/** Receives each record while it is produced (to stream artifacts/<id>.jsonl). */
export type ScanRecordSink = (record: ArtifactRecord, definition: ArtifactDefinition) => void;

/** Hashes the files that stand for the evidence as a whole. */
export async function hashEvidence(source: EvidenceSource): Promise<InputHash[]> {
  const files: string[] = [];
  if (source.kind === "ios-backup") {
    const dir = (source as EvidenceSource & { dir?: string }).dir ?? source.input;
    for (const name of ["Manifest.db", "Manifest.plist", "Info.plist", "Status.plist"])
      files.push(join(dir, name));
  } else {
    const stat = await fs.stat(source.input).catch(() => undefined);
    if (stat?.isFile() === true) files.push(source.input);
  }
  const out: InputHash[] = [];
  for (const path of files) {
    const hash = createHash("sha256");
    let size = 0;
    try {
      for await (const chunk of createReadStream(path, { fd: await openEvidence(path, READ_ONLY) })) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      out.push({ path, size, sha256: hash.digest("hex") });
    } catch {
      // A missing optional plist is reported by the reader, not here.
    }
  }
  return out;
}

/** Runs the detections (every registered one by default); one failing detection becomes a limitation, never a crash. */
export function runDetections(
  context: DetectionContext,
  detections: readonly Detection[] = DETECTIONS,
): { findings: Finding[]; limitations: Limitation[] } {
  const findings: Finding[] = [];
  const limitations: Limitation[] = [];
  for (const detection of detections) {
    try {
      const result = detection.run(context);
      for (const finding of result.findings) findings.push(finding);
      for (const limitation of result.limitations) limitations.push(limitation);
    } catch (error) {
      limitations.push({
        rule: detection.id,
        message: `the detection failed: ${(error as Error).message}`,
        important: false,
      });
    }
  }
  return { findings, limitations };
}

/** Builds the detection context over stored records. */
export function detectionContext(input: {
  records: ReadonlyMap<string, RecordList>;
  statuses: readonly ArtifactStatus[];
  kind: EvidenceKind;
  device: DeviceInfo;
  indicators: IndicatorIndex | undefined;
}): DetectionContext {
  return {
    records: <R>(id: string) => (input.records.get(id) ?? []) as RecordView<R>,
    status: (id: string) => input.statuses.find((s) => s.id === id),
    evidenceKind: input.kind,
    device: input.device,
    indicators: input.indicators,
  };
}

/** A record list that derives each record again from the source when it is read. */
function rederivedRecords(
  source: EvidenceSource,
  derived: { artifact: string; items: { readonly length: number; at(index: number): unknown } },
): RecordList {
  const { artifact, items } = derived;
  const wrap = (data: unknown): ArtifactRecord => ({ artifact, file: source.input, origin: "", data });
  return {
    length: items.length,
    at: (index) => (index >= 0 && index < items.length ? wrap(items.at(index)) : undefined),
    *[Symbol.iterator]() {
      for (let i = 0; i < items.length; i++) yield wrap(items.at(i));
    },
  };
}

/** Scans one opened source. */
export async function scanSource(
  opened: EvidenceSource,
  options: {
    id: string;
    indicators: IndicatorIndex | undefined;
    sink?: ScanRecordSink;
    device?: string;
    /** Keep timeline references (only needed to write timeline.csv). */
    timeline?: boolean;
  },
): Promise<DeviceScan> {
  // The evidence hashes are read while the artifacts are parsed (the reads wait on the disk).
  const inputHashes = hashEvidence(opened);
  inputHashes.catch(() => undefined);
  const { source, reads } = hashingSource(opened);
  const records = new Map<string, RecordList>();
  const refs = new TimelineRefs();
  const statuses: ArtifactStatus[] = [];
  for (const [definitionIndex, definition] of ARTIFACTS.entries()) {
    // Records the source can give again are not kept (the file listing of a large device).
    const rederive = definition.input.kind === "source" ? definition.input.rederive : undefined;
    if (
      rederive !== undefined &&
      definition.sources.includes(source.kind) &&
      options.sink === undefined &&
      options.timeline !== true
    ) {
      // Nothing to stream and nothing to place on a timeline: the records are made when read.
      const again = rederive(source);
      statuses.push({
        id: definition.id,
        status: again.length > 0 ? "found" : "not_present",
        records: again.length,
        files: [],
        warnings: [],
      });
      if (again.length > 0)
        records.set(definition.id, rederivedRecords(source, { artifact: definition.id, items: again }));
      continue;
    }
    const kept: ArtifactRecord[] = [];
    let produced = 0;
    const status = await runArtifact(source, definition, (record) => {
      if (rederive === undefined) kept.push(record);
      if (options.timeline === true) refs.addRecord(definition, record, definitionIndex, produced);
      produced += 1;
      options.sink?.(record, definition);
    });
    statuses.push(status);
    if (rederive !== undefined && produced > 0) {
      records.set(
        definition.id,
        rederivedRecords(source, { artifact: definition.id, items: rederive(source) }),
      );
    } else if (kept.length > 0) records.set(definition.id, kept);
  }
  const context = detectionContext({
    records,
    statuses,
    kind: source.kind,
    device: source.device,
    indicators: options.indicators,
  });
  const { findings, limitations } = runDetections(context);
  const timeline: DeviceTimeline | undefined =
    options.timeline === true
      ? {
          refs,
          rows: findings.flatMap((finding) => findingRows(finding, options.device)),
          records,
          definitions: ARTIFACTS,
          ...(options.device === undefined ? {} : { device: options.device }),
        }
      : undefined;
  const verdict = decideVerdict({
    kind: source.kind,
    findings,
    limitations,
    statuses,
    warnings: source.warnings,
  });
  const encrypted = (opened as EvidenceSource & { encrypted?: boolean }).encrypted;
  if (source.kind === "ios-backup" && encrypted === false) {
    const note = unencryptedBackupNote(statuses);
    if (note !== undefined) verdict.notChecked.push(note);
  }
  return {
    id: options.id,
    input: opened.input,
    kind: source.kind,
    device: source.device,
    encrypted,
    statuses,
    records,
    findings,
    limitations,
    warnings: [...source.warnings],
    filesRead: [...reads.values()].sort((a, b) => a.path.localeCompare(b.path)),
    inputHashes: await inputHashes,
    verdict,
    timeline,
  };
}
