/** Analytics journal headers: which iOS version and build the device ran on which day (MVT IOSVersionHistory). */
import { defineArtifact } from "../define.js";
import { TextCap } from "./_shared/system.js";

/** The header of one Analytics-Journal-*.ips file. */
export interface OsVersionRecord {
  /** os_version as written, e.g. "iPhone OS 14.7.1 (18G82)". */
  osVersion: string;
  /** The version number and build parsed out of osVersion, when it has that shape. */
  version?: string;
  build?: string;
  /** The header's timestamp (local time with offset in the file) in UTC. */
  at?: string;
  bugType?: string;
  incidentId?: string;
  truncated?: string[];
}

/** Only the first line is read; a header is never near this long. */
const MAX_HEADER = 64 * 1024;

/** "2021-08-11 05:51:02.00 -0700" → UTC ISO. */
export function parseIpsTimestamp(text: string): string | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d+))?\s*(?:([+-])(\d\d):?(\d\d)|Z)?$/.exec(
    text.trim(),
  );
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, sign, oh, om] = m;
  const ms = Math.round(Number(`0.${frac ?? "0"}`) * 1000);
  let utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  if (sign !== undefined) utc -= (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) * 60_000;
  if (!Number.isFinite(utc) || utc < Date.UTC(2007, 0, 1) || utc > Date.UTC(2100, 0, 1)) return undefined;
  return new Date(utc).toISOString();
}

function text(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return undefined;
}

/** iOS version history from the analytics journals. */
export const osVersionHistoryArtifact = defineArtifact<OsVersionRecord>({
  id: "ios/os-version-history",
  title: "iOS version history",
  description:
    "The iOS version and build the device ran at each daily analytics journal; shows how long the device stayed on versions with known exploited vulnerabilities.",
  sources: ["fs-dump"],
  paths: ["/private/var/db/analyticsd/Analytics-Journal-*.ips"],
  iosVersions: "iOS 12–18",
  input: {
    kind: "bytes",
    *parse(bytes, context) {
      const head = bytes.subarray(0, MAX_HEADER);
      const newline = head.indexOf(0x0a);
      const line = head.subarray(0, newline < 0 ? head.length : newline).toString("utf8");
      let header: unknown;
      try {
        header = JSON.parse(line);
      } catch {
        context.warn({ code: "CORRUPT", message: "first line is not a JSON header" });
        return;
      }
      if (typeof header !== "object" || header === null || Array.isArray(header)) {
        context.warn({ code: "CORRUPT", message: "first line is not a JSON object" });
        return;
      }
      const fields = header as Record<string, unknown>;
      const osVersion = text(fields.os_version);
      if (osVersion === undefined) {
        context.warn({ code: "CORRUPT", message: "header has no os_version" });
        return;
      }
      const cap = new TextCap();
      const record: OsVersionRecord = { osVersion: cap.cap(osVersion, "osVersion") };
      const parts = /(\d+(?:\.\d+)+)\s*\(([0-9A-Za-z]+)\)/.exec(osVersion);
      if (parts !== null) {
        record.version = parts[1]!;
        record.build = parts[2]!;
      }
      const at = text(fields.timestamp);
      const parsed = at === undefined ? undefined : parseIpsTimestamp(at);
      if (parsed !== undefined) record.at = parsed;
      const bugType = text(fields.bug_type);
      if (bugType !== undefined) record.bugType = cap.cap(bugType, "bugType");
      const incident = text(fields.incident_id);
      if (incident !== undefined) record.incidentId = cap.cap(incident, "incidentId");
      cap.finish(record);
      yield record;
    },
  },
  observables() {
    return [];
  },
  events(record) {
    if (record.at === undefined) return [];
    return [{ at: record.at, event: "os_version_seen", description: `Device running ${record.osVersion}` }];
  },
});
