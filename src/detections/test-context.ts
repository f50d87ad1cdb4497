/** Builds DetectionContexts for tests: from records given directly, or by running the real artifact parsers. */
import type { ArtifactDefinition, ArtifactRecord, ArtifactStatus } from "../artifacts/define.js";
import { runArtifact } from "../artifacts/run.js";
import type { IndicatorIndex } from "../indicators/indicator-index.js";
import type { EvidenceKind, EvidenceSource } from "../readers/types.js";
import type { DetectionContext } from "./define.js";

/** A record of `artifact` read from `file`. */
export function record<R>(
  artifact: string,
  file: string,
  data: R,
  options: { origin?: string } = {},
): ArtifactRecord<R> {
  return { artifact, file, origin: options.origin ?? "", data };
}

/**
 * A context over the given records. Artifacts with records count as "found"; `statuses` overrides
 * or adds statuses (e.g. `{ "ios/datausage": "not_present" }`); others are undefined (never ran).
 */
export function contextOf(
  records: readonly ArtifactRecord[],
  options: {
    kind?: EvidenceKind;
    indicators?: IndicatorIndex;
    statuses?: Record<string, ArtifactStatus["status"]>;
  } = {},
): DetectionContext {
  const byId = new Map<string, ArtifactRecord[]>();
  for (const r of records) {
    const list = byId.get(r.artifact);
    if (list === undefined) byId.set(r.artifact, [r]);
    else list.push(r);
  }
  const statuses = new Map<string, ArtifactStatus>();
  for (const [id, list] of byId)
    statuses.set(id, { id, status: "found", records: list.length, files: [], warnings: [] });
  for (const [id, status] of Object.entries(options.statuses ?? {}))
    statuses.set(id, { id, status, records: byId.get(id)?.length ?? 0, files: [], warnings: [] });
  return {
    records: <R>(id: string) => (byId.get(id) ?? []) as ArtifactRecord<R>[],
    status: (id) => statuses.get(id),
    evidenceKind: options.kind ?? "ios-backup",
    device: {},
    indicators: options.indicators,
  };
}

/** Runs artifact definitions over a source and returns every record and status (the real parsers). */
export async function collect(
  source: EvidenceSource,
  definitions: readonly ArtifactDefinition[],
): Promise<{ records: ArtifactRecord[]; statuses: ArtifactStatus[] }> {
  const records: ArtifactRecord[] = [];
  const statuses: ArtifactStatus[] = [];
  for (const definition of definitions)
    statuses.push(await runArtifact(source, definition, (r) => records.push(r)));
  return { records, statuses };
}
