/** The vocabulary of indicators: types, loaded entries, matches and the description of a loaded set. */

/** What an indicator describes, named after its STIX object path (plus a few non-STIX extras). */
export type IndicatorType =
  | "domain-name"
  | "ipv4-addr"
  | "ipv6-addr"
  | "url"
  | "email-addr"
  | "process:name"
  | "file:name"
  | "file:path"
  | "file:hashes.md5"
  | "file:hashes.sha1"
  | "file:hashes.sha256"
  | "app:id"
  | "app:cert.md5"
  | "app:cert.sha1"
  | "app:cert.sha256"
  | "configuration-profile:id"
  | "x509-certificate:hashes.sha1"
  | "x509-certificate:hashes.sha256"
  | "android-property:name"
  /** TinyCheck `freedns`: a dynamic-DNS zone; any name under it is suspicious. */
  | "freedns-zone"
  /** TinyCheck `tld`: a top-level domain considered suspicious (weak signal). */
  | "tld"
  /** TinyCheck `ns`: a suspicious name server; kept and counted, no observable carries it yet. */
  | "name-server";

/** One indicator as loaded: the value as written in its file, its type, collection and file. */
export interface IndicatorEntry {
  value: string;
  type: IndicatorType;
  collection: string;
  /** The indicator file it came from (input path). */
  source: string;
  /** STIX id or MISP uuid when the format has one. */
  id?: string;
}

/** Why an observable matched an indicator. */
export type MatchReason =
  | "exact"
  | "subdomain"
  | "cidr"
  | "prefix"
  | "suffix"
  | "basename"
  | "process-basename"
  | "truncated-name"
  | "freedns-zone"
  | "tld";

/** One hit: the indicator (value and type), its collection, its file and the reason. */
export interface IndicatorMatch {
  indicator: string;
  type: IndicatorType;
  collection: string;
  source: string;
  reason: MatchReason;
}

/** Counts of loaded indicators per type. */
export type IndicatorCounts = Partial<Record<IndicatorType, number>>;

/** The formats an indicator file can have. */
export type IndicatorFormat = "stix2" | "plain-list" | "tinycheck" | "misp";

/** One loaded indicator file, as results record it: name, file, SHA-256 and counts per type. */
export interface IndicatorSetInfo {
  /** The collection's name when the file holds exactly one, else the file name. */
  name: string;
  source: string;
  sha256: string;
  format: IndicatorFormat;
  /** Where the file came from: --iocs, SPYGLASS_IOCS, the user data directory or the bundled pack. */
  origin: IndicatorOrigin;
  collections: { name: string; counts: IndicatorCounts; total: number }[];
  counts: IndicatorCounts;
  total: number;
}

/** How a file was found. */
export type IndicatorOrigin = "option" | "env" | "user-data" | "bundled";
