/** The verdict of one device: detected, suspicious, no known traces, or incomplete — never "clean". */
import { type ArtifactStatus, failureWarning } from "../artifacts/define.js";
import type { Limitation } from "../detections/define.js";
import { FINDING_LEVELS, type Finding, type FindingLevel } from "../model/finding.js";
import { type Warning, warningLine } from "../model/warning.js";
import type { EvidenceKind } from "../readers/types.js";

export type Verdict = "detected" | "suspicious" | "no_known_traces" | "incomplete";

/** Exit status of `scan` and `recheck` for a verdict (1 is reserved for errors). */
export const VERDICT_EXIT: Record<Verdict, number> = {
  no_known_traces: 0,
  suspicious: 2,
  detected: 3,
  incomplete: 4,
};

/** Ordered from most to least alarming, for combining devices. */
const ORDER: readonly Verdict[] = ["detected", "suspicious", "incomplete", "no_known_traces"];

/**
 * Artifacts without which a verdict on this kind of evidence is incomplete. Each entry lists
 * alternatives: any one of them found is enough.
 */
export const IMPORTANT_ARTIFACTS: Record<EvidenceKind, readonly (readonly string[])[]> = {
  "ios-backup": [["ios/datausage"], ["ios/sms"]],
  // A dump holds netusage.sqlite too; it covers per-process network usage as DataUsage.sqlite does
  // (triangulation/backupagent reads either).
  "fs-dump": [["ios/datausage", "ios/netusage"], ["ios/sms"]],
  sysdiagnose: [],
};

/** A verdict with the reasons behind it and what was not checked. */
export interface VerdictResult {
  verdict: Verdict;
  /** One or two sentences for a non-expert. */
  explanation: string;
  /** What was missing, unreadable or skipped. */
  notChecked: string[];
}

/** True when `level` is at least `floor`. */
export function atLeast(level: FindingLevel, floor: FindingLevel): boolean {
  return FINDING_LEVELS.indexOf(level) <= FINDING_LEVELS.indexOf(floor);
}

/**
 * Names without repeats, in first-seen order and spelling; names that differ only in case, spaces,
 * hyphens or underscores are one ("OperationTriangulation" from MVT's pack, "Operation Triangulation"
 * from ours).
 */
export function distinctNames(names: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const name of names) {
    const key = name.toLowerCase().replace(/[\s_-]+/g, "");
    if (!seen.has(key)) seen.set(key, name);
  }
  return [...seen.values()];
}

/** Why an artifact gave nothing to check (absent, content missing, unreadable), or undefined when it did. */
function gapOf(status: ArtifactStatus | undefined): string | undefined {
  if (status === undefined || status.status === "not_present") {
    if (status?.warnings.some((w) => w.code === "MISSING_PAYLOAD") === true)
      return "listed in the evidence but its content is missing";
    const skipped = status?.warnings.find((w) => w.code === "SKIPPED");
    return skipped === undefined
      ? "not present in this evidence"
      : `listed in the evidence but not read (${skipped.message})`;
  }
  if (status.status === "failed") return `could not be read (${failureWarning(status)?.message ?? "failed"})`;
  if (status.status === "partial") return partlyRead(status);
  return undefined;
}

/** Decides the verdict from findings, detection limitations and artifact statuses. */
export function decideVerdict(input: {
  kind: EvidenceKind;
  findings: readonly Finding[];
  limitations: readonly Limitation[];
  statuses: readonly ArtifactStatus[];
  /** Warnings of the evidence itself; an important one (a corrupt index) makes the verdict incomplete. */
  warnings?: readonly Warning[];
}): VerdictResult {
  const notChecked: string[] = [];
  let incomplete = false;
  const reported = new Set<string>();
  for (const group of IMPORTANT_ARTIFACTS[input.kind]) {
    const gaps = group.map((id) => ({
      id,
      gap: gapOf(input.statuses.find((s) => s.id === id)),
    }));
    if (gaps.some((g) => g.gap === undefined)) continue;
    incomplete = true;
    for (const g of gaps) reported.add(g.id);
    notChecked.push(
      gaps.map((g) => `${g.id}: ${g.gap}`).join("; ") + (gaps.length > 1 ? " (any one would do)" : ""),
    );
  }
  for (const warning of input.warnings ?? []) {
    if (warning.important !== true) continue;
    incomplete = true;
    notChecked.push(`evidence: ${warningLine(warning)}`);
  }
  for (const limitation of input.limitations) {
    notChecked.push(`${limitation.rule}: ${limitation.message}`);
    if (limitation.important) incomplete = true;
  }
  for (const status of input.statuses) {
    if (reported.has(status.id) || (status.status !== "failed" && status.status !== "partial")) continue;
    notChecked.push(`${status.id}: ${gapOf(status)}`);
  }

  const detected = input.findings.filter((f) => f.certainty === "exact" && atLeast(f.level, "high"));
  const suspicious = input.findings.filter((f) => atLeast(f.level, "medium"));
  if (detected.length > 0) {
    const campaigns = distinctNames(
      detected.map((f) => f.campaign ?? f.indicator?.collection).filter((c): c is string => c !== undefined),
    );
    return {
      verdict: "detected",
      explanation: `Spyglass found ${detected.length} exact trace${detected.length === 1 ? "" : "s"} of known spyware${
        campaigns.length > 0 ? ` (${campaigns.join(", ")})` : ""
      }. Treat the device as compromised and seek expert help (for example Amnesty Tech's Security Lab or Access Now's helpline); keep this evidence.`,
      notChecked,
    };
  }
  if (suspicious.length > 0) {
    return {
      verdict: "suspicious",
      explanation: `Spyglass found ${suspicious.length} suspicious sign${suspicious.length === 1 ? "" : "s"} but no exact trace of known spyware. Heuristics can fire on benign activity: have an expert review the findings below before drawing conclusions.`,
      notChecked,
    };
  }
  if (incomplete) {
    return {
      verdict: "incomplete",
      explanation:
        "Spyglass found no known traces, but important sources were missing or unreadable, so the check is incomplete. See what was not checked below; a fuller acquisition (an encrypted backup, a file-system dump) can close the gap.",
      notChecked,
    };
  }
  return {
    verdict: "no_known_traces",
    explanation:
      "Spyglass found no known traces of spyware. This does not prove that the device is free of spyware: some spyware leaves no trace in this kind of evidence, traces can be erased, and indicators only cover campaigns that have been documented. Re-check these results when new indicators are published (`spyglass recheck`).",
    notChecked,
  };
}

/**
 * Artifacts iOS keeps out of unencrypted backups (MVT's "B(enc)" modules, reference/mvt.md §2),
 * named for people.
 */
export const ENCRYPTED_BACKUP_ONLY: readonly (readonly [id: string, name: string])[] = [
  ["ios/safari-history", "Safari history"],
  ["ios/safari-browser-state", "Safari tabs"],
  ["ios/calls", "call history"],
  ["ios/interactionc", "contact interactions (interactionC.db)"],
];

/**
 * For an unencrypted backup: which of the encrypted-only artifacts are really absent, or
 * undefined when none is (a backup made some other way can hold them).
 */
export function unencryptedBackupNote(statuses: readonly ArtifactStatus[]): string | undefined {
  const absent = ENCRYPTED_BACKUP_ONLY.filter(([id]) => {
    const status = statuses.find((s) => s.id === id);
    return status === undefined || status.status === "not_present";
  }).map(([, name]) => name);
  if (absent.length === 0) return undefined;
  const list = absent.length === 1 ? absent[0] : `${absent.slice(0, -1).join(", ")} and ${absent.at(-1)}`;
  return `unencrypted backup: ${list} ${absent.length === 1 ? "is" : "are"} not in it (iOS leaves ${absent.length === 1 ? "it" : "them"} out of unencrypted backups); an encrypted backup gives a fuller check`;
}

/** What a partly read artifact lost: the warning says where the read stopped; the rest was not checked. */
function partlyRead(status: ArtifactStatus): string {
  const reason = failureWarning(status);
  return `only partly read (${reason === undefined ? "a file failed" : warningLine(reason)}); the rest was not checked`;
}

/** The most alarming of several verdicts. */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  for (const verdict of ORDER) if (verdicts.includes(verdict)) return verdict;
  return "no_known_traces";
}
