/**
 * Indicator hits: every observable of every record of every artifact, matched against the loaded
 * indicators. One finding per (record, indicator); the level depends on the kind of value and the
 * match reason (docs/detections.md has the table), and repeats of one indicator in one artifact are capped,
 * keeping the strongest.
 */
import type { ArtifactDefinition, ArtifactRecord } from "../../artifacts/define.js";
import { ARTIFACTS } from "../../artifacts/registry.js";
import type { IndicatorMatch, IndicatorType, MatchReason } from "../../indicators/types.js";
import { FINDING_LEVELS, type Finding, type FindingLevel } from "../../model/finding.js";
import type { Observable, ObservableKind } from "../../model/observable.js";
import { type DetectionContext, defineDetection } from "../define.js";
import { earliest, evidenceOf, lowerLevel } from "../support.js";

/**
 * Findings kept per rule, indicator and artifact (the strongest: highest level, exact before
 * heuristic, then earliest); the rest are counted in a note on the first one listed.
 */
export const MAX_FINDINGS_PER_INDICATOR = 20;

/**
 * Artifacts where a domain or URL only shows the page was visited or loaded (a browser trail). A hit
 * there has the level of any other network hit (MVT reports it CRITICAL), with a note that a visit
 * alone, e.g. reading about spyware, can explain it.
 */
const BROWSING = new Set([
  "ios/safari-history",
  "ios/safari-browser-state",
  "ios/safari-favicons",
  "ios/safari-history-tombstones",
  "ios/chrome-favicons",
  "ios/firefox-favicons",
  "ios/webkit-storage-origins",
  "ios/cache-files",
  "ios/webkit-resource-load-statistics",
  "ios/webkit-session-resource-log",
  "ios/webkit-website-data",
  "ios/chrome-history",
  "ios/firefox-history",
]);

/** Reasons that are weaker than an exact hit: one level lower. */
const WEAK_REASONS = new Set<MatchReason>([
  "truncated-name",
  "basename",
  "process-basename",
  "tld",
  "freedns-zone",
]);
/** Reasons that name a whole family of hosts rather than one: heuristic. */
const HEURISTIC_REASONS = new Set<MatchReason>(["tld", "freedns-zone"]);

/** The rule id of an indicator type. */
export function ruleOf(type: IndicatorType): string {
  switch (type) {
    case "domain-name":
    case "freedns-zone":
    case "tld":
      return "indicator/domain";
    case "ipv4-addr":
    case "ipv6-addr":
      return "indicator/ip";
    case "url":
      return "indicator/url";
    case "email-addr":
      return "indicator/email";
    case "process:name":
      return "indicator/process";
    case "file:path":
      return "indicator/path";
    case "file:name":
      return "indicator/file-name";
    case "file:hashes.md5":
    case "file:hashes.sha1":
    case "file:hashes.sha256":
      return "indicator/hash";
    case "app:id":
      return "indicator/app-id";
    case "configuration-profile:id":
      return "indicator/profile-id";
    default:
      return "indicator/certificate";
  }
}

/**
 * The level of a hit before the reason is taken into account (the table in docs/detections.md): the
 * kind of value decides it, wherever it was seen.
 */
export function baseLevel(kind: ObservableKind): FindingLevel {
  switch (kind) {
    case "process":
    case "email":
    case "profile-id":
    case "app-id":
      return "critical";
    default:
      return "high";
  }
}

/** The level and certainty of one hit. */
export function gradeHit(
  kind: ObservableKind,
  reason: MatchReason,
): { level: FindingLevel; certainty: "exact" | "heuristic" } {
  const level = baseLevel(kind);
  return {
    level: WEAK_REASONS.has(reason) ? lowerLevel(level) : level,
    certainty: HEURISTIC_REASONS.has(reason) ? "heuristic" : "exact",
  };
}

const KIND_WORDS: Record<ObservableKind, string> = {
  domain: "the domain",
  url: "the link",
  ip: "the IP address",
  email: "the address",
  process: "the process name",
  path: "the file",
  "file-name": "the file name",
  "app-id": "the app",
  "profile-id": "the configuration profile",
  hash: "a file with hash",
  "cert-sha1": "a certificate with fingerprint",
};

const REASON_WORDS: Record<MatchReason, string> = {
  exact: "",
  subdomain: " (a subdomain of it)",
  cidr: " (inside the listed range)",
  prefix: " (inside the listed folder)",
  suffix: " (ending with the listed path)",
  basename: " (same file name)",
  "process-basename": " (file named like the listed process)",
  "truncated-name": " (the first 16 characters, as iOS stores process names)",
  "freedns-zone": " (under a free dynamic-DNS zone)",
  tld: " (under a suspicious top-level domain)",
};

function shorten(value: string): string {
  return value.length > 120 ? `${value.slice(0, 117)}...` : value;
}

/** Every way one record matched one indicator; the strongest decides the finding. */
interface Hit {
  record: ArtifactRecord;
  definition: ArtifactDefinition;
  matches: { observable: Observable; match: IndicatorMatch }[];
}

/** How strong a graded match is: a higher number is a stronger finding. */
function strength(grade: { level: FindingLevel; certainty: "exact" | "heuristic" }): number {
  return (
    FINDING_LEVELS.length - FINDING_LEVELS.indexOf(grade.level) + (grade.certainty === "exact" ? 0.5 : 0)
  );
}

/** The strongest of a hit's matches: highest level, then exact before heuristic. */
function strongest(hit: Hit): { observable: Observable; match: IndicatorMatch } {
  const rank = (m: Hit["matches"][number]): number => strength(gradeHit(m.observable.kind, m.match.reason));
  return hit.matches.reduce((best, m) => (rank(m) > rank(best) ? m : best));
}

/** A hit waiting for the cap: its strength and time decide whether it is listed. */
interface Candidate {
  hit: Hit;
  strength: number;
  time: string | undefined;
  /** Order of discovery, so that listed findings keep the artifacts' and records' order. */
  seq: number;
}

/** True when `a` should be listed before `b` is: stronger, then earlier (no time last), then found first. */
function outranks(a: Candidate, b: Candidate): boolean {
  if (a.strength !== b.strength) return a.strength > b.strength;
  if (a.time !== b.time) return b.time === undefined || (a.time !== undefined && a.time < b.time);
  return a.seq < b.seq;
}

/** The strongest hits of one rule, indicator and artifact, and how many were left out. */
interface CapGroup {
  kept: Candidate[];
  extra: number;
}

/** Adds a hit to its group, keeping at most MAX_FINDINGS_PER_INDICATOR of the strongest. */
function keepStrongest(group: CapGroup, candidate: Candidate): void {
  if (group.kept.length < MAX_FINDINGS_PER_INDICATOR) {
    group.kept.push(candidate);
    return;
  }
  group.extra += 1;
  let weakest = 0;
  for (let i = 1; i < group.kept.length; i++) if (outranks(group.kept[weakest]!, group.kept[i]!)) weakest = i;
  if (outranks(candidate, group.kept[weakest]!)) group.kept[weakest] = candidate;
}

function hitFinding(context: DetectionContext, hit: Hit): Finding {
  const { definition, record } = hit;
  const { observable: first, match } = strongest(hit);
  const { level, certainty } = gradeHit(first.kind, match.reason);
  const fields = [...new Set(hit.matches.map((m) => m.observable.field))];
  const finding: Finding = {
    rule: ruleOf(match.type),
    level,
    certainty,
    summary: `${definition.title} contains ${KIND_WORDS[first.kind]} "${shorten(first.value)}", which matches "${shorten(match.indicator)}" in the indicator list "${match.collection}"${REASON_WORDS[match.reason]}.`,
    evidence: [evidenceOf(context, record, { field: fields.join(", ") })],
    indicator: {
      value: match.indicator,
      type: match.type,
      collection: match.collection,
      source: match.source,
      reason: match.reason,
    },
  };
  const time = earliest(definition.events(record.data).map((e) => e.at));
  if (time !== undefined) finding.time = time;
  const notes: string[] = [];
  if (
    BROWSING.has(record.artifact) &&
    (first.kind === "domain" || first.kind === "url" || first.kind === "ip")
  )
    notes.push(
      "Visiting a listed domain, e.g. reading about spyware or following a link without being infected, can cause this.",
    );
  if (match.reason === "truncated-name")
    notes.push("iOS keeps only 16 characters of a process name, so a different process may share them.");
  if (match.reason === "basename" || match.reason === "process-basename")
    notes.push("Only the file name matches; a legitimate file can have the same name.");
  if (HEURISTIC_REASONS.has(match.reason))
    notes.push("The indicator names a whole zone of hosts, most of which are harmless.");
  const others = [
    ...new Set(
      hit.matches
        .map((m) => m.match)
        .filter((m) => m.collection !== match.collection || m.source !== match.source)
        .map((m) => `"${m.collection}" (${m.source})`),
    ),
  ];
  if (others.length > 0) notes.push(`Also listed in ${others.join(", ")}.`);
  if (notes.length > 0) finding.notes = notes;
  return finding;
}

export const indicatorHitsDetection = defineDetection({
  id: "indicator/hits",
  title: "Known indicators of compromise",
  reads: ARTIFACTS.map((a) => a.id),
  run(context) {
    const index = context.indicators;
    const findings: Finding[] = [];
    if (index === undefined)
      return {
        findings,
        limitations: [
          {
            rule: "indicator/hits",
            message: "No indicator lists were loaded, so nothing was compared with known spyware indicators.",
            important: false,
          },
        ],
      };
    // Capped per artifact as well as per indicator, and by strength: many browser visits to a listed
    // domain must not hide the one SMS link to it, nor weak matches a stronger one.
    const groups = new Map<string, CapGroup>();
    let seq = 0;
    for (const definition of ARTIFACTS) {
      const kinds = definition.observableKinds;
      if (kinds !== undefined && !kinds.some((kind) => index.covers(kind))) continue;
      for (const record of context.records(definition.id)) {
        const hits = new Map<string, Hit>();
        for (const observable of definition.observables(record.data)) {
          for (const match of index.match(observable)) {
            // One finding per indicator value, whichever lists carry it (bundled and downloaded sets overlap).
            const key = `${match.type}\0${match.indicator.toLowerCase()}`;
            const hit = hits.get(key);
            if (hit === undefined) hits.set(key, { record, definition, matches: [{ observable, match }] });
            else hit.matches.push({ observable, match });
          }
        }
        for (const [key, hit] of hits) {
          const capKey = `${ruleOf(hit.matches[0]!.match.type)}\0${key}\0${definition.id}`;
          let group = groups.get(capKey);
          if (group === undefined) {
            group = { kept: [], extra: 0 };
            groups.set(capKey, group);
          }
          const { observable, match } = strongest(hit);
          keepStrongest(group, {
            hit,
            strength: strength(gradeHit(observable.kind, match.reason)),
            time: earliest(definition.events(record.data).map((e) => e.at)),
            seq: seq++,
          });
        }
      }
    }
    const listed: { seq: number; finding: Finding }[] = [];
    for (const group of groups.values()) {
      const kept = group.kept
        .sort((a, b) => a.seq - b.seq)
        .map((c) => ({ seq: c.seq, finding: hitFinding(context, c.hit) }));
      const first = kept[0]!.finding;
      if (group.extra > 0)
        first.notes = [
          ...(first.notes ?? []),
          `${group.extra} more records of this artifact matched this indicator; only the ${MAX_FINDINGS_PER_INDICATOR} strongest (highest level, then earliest) are listed.`,
        ];
      listed.push(...kept);
    }
    findings.push(...listed.sort((a, b) => a.seq - b.seq).map((l) => l.finding));
    return { findings, limitations: [] };
  },
});
