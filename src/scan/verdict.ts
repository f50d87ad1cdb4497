/** The verdict of one device: detected, suspicious, no known traces, or incomplete — never "clean". */
import type { ArtifactStatus } from "../artifacts/define.js";
import type { Limitation } from "../detections/define.js";
import { FINDING_LEVELS, type Finding, type FindingLevel } from "../model/finding.js";
import type { Warning } from "../model/warning.js";
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

/** Artifacts without which a verdict on this kind of evidence is incomplete. */
export const IMPORTANT_ARTIFACTS: Record<EvidenceKind, readonly string[]> = {
  "ios-backup": ["ios/datausage", "ios/sms"],
  "fs-dump": ["ios/datausage", "ios/sms"],
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
  for (const id of IMPORTANT_ARTIFACTS[input.kind]) {
    const status = input.statuses.find((s) => s.id === id);
    if (status === undefined || status.status === "not_present") {
      incomplete = true;
      const missingPayload = status?.warnings.some((w) => w.code === "MISSING_PAYLOAD") === true;
      notChecked.push(
        `${id}: ${missingPayload ? "listed in the evidence but its content is missing" : "not present in this evidence"}`,
      );
    } else if (status.status === "failed") {
      incomplete = true;
      notChecked.push(`${id}: could not be read (${status.warnings[0]?.message ?? "failed"})`);
    }
  }
  for (const warning of input.warnings ?? []) {
    if (warning.important !== true) continue;
    incomplete = true;
    notChecked.push(`evidence: ${warning.message}${warning.file === undefined ? "" : ` (${warning.file})`}`);
  }
  for (const limitation of input.limitations) {
    notChecked.push(`${limitation.rule}: ${limitation.message}`);
    if (limitation.important) incomplete = true;
  }
  for (const status of input.statuses) {
    if (status.status === "failed" && !IMPORTANT_ARTIFACTS[input.kind].includes(status.id)) {
      notChecked.push(`${status.id}: could not be read (${status.warnings[0]?.message ?? "failed"})`);
    }
  }

  const detected = input.findings.filter((f) => f.certainty === "exact" && atLeast(f.level, "high"));
  const suspicious = input.findings.filter((f) => atLeast(f.level, "medium"));
  if (detected.length > 0) {
    const campaigns = [
      ...new Set(
        detected
          .map((f) => f.campaign ?? f.indicator?.collection)
          .filter((c): c is string => c !== undefined),
      ),
    ];
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
      "Spyglass found no known traces of spyware. This does not mean the device is clean: some spyware leaves no trace in this kind of evidence, traces can be erased, and indicators only cover campaigns that have been documented. Re-check these results when new indicators are published (`spyglass recheck`).",
    notChecked,
  };
}

/** The most alarming of several verdicts. */
export function combineVerdicts(verdicts: readonly Verdict[]): Verdict {
  for (const verdict of ORDER) if (verdicts.includes(verdict)) return verdict;
  return "no_known_traces";
}
