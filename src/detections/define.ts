/** The detection contract: a named rule over stored artifact records (and indicators), returning findings. */
import type { ArtifactRecord, ArtifactStatus } from "../artifacts/define.js";
import type { IndicatorIndex } from "../indicators/indicator-index.js";
import type { Finding } from "../model/finding.js";
import type { DeviceInfo, EvidenceKind } from "../readers/types.js";

/** Records to iterate (for…of) and count. */
export interface RecordView<R> extends Iterable<ArtifactRecord<R>> {
  readonly length: number;
}

/** What a detection can look at: records by artifact id, artifact statuses, the source and the indicators. */
export interface DetectionContext {
  /** Records of one artifact (empty when it was not present). */
  /** The records of an artifact (an array, or a list derived again on each pass: iterate, do not keep). */
  records<R = unknown>(artifactId: string): RecordView<R>;
  /** The status of an artifact on this source (undefined when it never ran). */
  status(artifactId: string): ArtifactStatus | undefined;
  evidenceKind: EvidenceKind;
  device: DeviceInfo;
  /** Loaded indicators; undefined when none were loaded (heuristics still run). */
  indicators: IndicatorIndex | undefined;
}

/** A note that a detection could only partly run, for the verdict's "what was not checked". */
export interface Limitation {
  rule: string;
  message: string;
  /** True when the verdict should become "incomplete" for lack of this source. */
  important: boolean;
}

/** The result of one detection. */
export interface DetectionResult {
  findings: Finding[];
  limitations: Limitation[];
}

/** A named rule, with its own file and tests (STYLE.md: heuristics are small named files). */
export interface Detection {
  id: string;
  title: string;
  /** Artifact ids it reads. */
  reads: readonly string[];
  /**
   * Content fields (ArtifactDefinition.contentFields) it needs, by artifact id. They are withheld
   * from artifacts/*.jsonl unless the scan had --include-content, so `recheck` cannot run the rule
   * again on records stored without them and says so instead.
   */
  readsContent?: Readonly<Record<string, readonly string[]>>;
  run(context: DetectionContext): DetectionResult;
}

/** Identity helper for detection definitions. */
export function defineDetection(detection: Detection): Detection {
  return detection;
}
