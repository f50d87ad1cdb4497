/** TCC.db: privacy permissions (camera, microphone, location, contacts…) granted to apps and daemons (MVT TCC). */
import type { Observable } from "../../model/observable.js";
import { fromUnixSeconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact } from "../define.js";
import { asNumber, assignDefined, TextCap } from "./_shared/system.js";

export type TccAuthValue = "denied" | "unknown" | "allowed" | "limited";

/** One row of TCC's `access` table. */
export interface TccRecord {
  rowId: number;
  /** The protected resource, e.g. kTCCServiceCamera. */
  service: string;
  /** A bundle id, or an absolute executable path when clientType is "absolute_path". */
  client: string;
  clientType: "bundle_id" | "absolute_path" | "unknown";
  /** Decision: from auth_value (schema v3) or from allowed 0/1 (v1, v2). */
  authValue?: TccAuthValue;
  /** auth_value as stored, when it is not one of the four known values. */
  authValueRaw?: number;
  /** auth_reason (v3) and what it means. */
  authReason?: number;
  authReasonText?: string;
  /** prompt_count (v1, v2). */
  promptCount?: number;
  lastModifiedAt?: string;
  /** 1: allowed, prompt_count; 2: adds last_modified; 3: auth_value, auth_reason (iOS 14+). */
  schemaVersion: 1 | 2 | 3;
  truncated?: string[];
}

const AUTH_VALUES: readonly TccAuthValue[] = ["denied", "unknown", "allowed", "limited"];
/** auth_reason as stored: 1 is "error" (as MVT and Apple's enum number them), 0 "none". */
const AUTH_REASONS = [
  "none",
  "error",
  "user_consent",
  "user_set",
  "system_set",
  "service_policy",
  "mdm_policy",
  "override_policy",
  "missing_usage_string",
  "prompt_timeout",
  "preflight_unknown",
  "entitled",
  "app_type_policy",
];

/** Privacy permission decisions per app and service. */
export const tccArtifact = defineArtifact<TccRecord>({
  id: "ios/tcc",
  title: "Privacy permissions (TCC)",
  description:
    "Which apps and executables were allowed camera, microphone, location and other protected resources; spyware processes and unexpected grants show up here.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/TCC/TCC.db"],
  iosVersions: "iOS 9–18",
  input: {
    kind: "sqlite",
    schema: { access: ["service", "client", "client_type"] },
    *parse(db) {
      const columns = tableColumns(db).get("access") ?? new Set<string>();
      const version: 1 | 2 | 3 = columns.has("auth_value") ? 3 : columns.has("last_modified") ? 2 : 1;
      const optional = ["auth_value", "auth_reason", "allowed", "prompt_count", "last_modified"].filter((c) =>
        columns.has(c),
      );
      const sql = `SELECT rowid AS rowId, service, client, client_type${optional.map((c) => `, ${c}`).join("")} FROM access ORDER BY rowid`;
      for (const row of db.prepare(sql).iterate() as Iterable<Record<string, unknown>>) {
        const cap = new TextCap();
        const clientTypeRaw = asNumber(row.client_type);
        const record: TccRecord = {
          rowId: asNumber(row.rowId) ?? 0,
          service: cap.text(row.service, "service") ?? "",
          client: cap.text(row.client, "client") ?? "",
          clientType: clientTypeRaw === 0 ? "bundle_id" : clientTypeRaw === 1 ? "absolute_path" : "unknown",
          schemaVersion: version,
        };
        if (version === 3) {
          const value = asNumber(row.auth_value);
          const known = value === undefined ? undefined : AUTH_VALUES[value];
          if (known !== undefined) record.authValue = known;
          else if (value !== undefined) record.authValueRaw = value;
          const reason = asNumber(row.auth_reason);
          if (reason !== undefined) {
            record.authReason = reason;
            assignDefined(record, { authReasonText: AUTH_REASONS[reason] });
          }
        } else {
          const allowed = asNumber(row.allowed);
          if (allowed !== undefined) record.authValue = allowed === 0 ? "denied" : "allowed";
        }
        assignDefined(record, {
          promptCount: asNumber(row.prompt_count),
          lastModifiedAt: fromUnixSeconds(row.last_modified),
        });
        cap.finish(record);
        yield record;
      }
    },
  },
  observables(record) {
    const out: Observable[] = [];
    if (record.client === "") return out;
    out.push({ kind: "process", value: record.client, field: "client" });
    if (record.clientType === "absolute_path" || record.client.startsWith("/")) {
      out.push({ kind: "path", value: record.client, field: "client" });
      const name = record.client.split("/").at(-1);
      if (name !== undefined && name !== "") out.push({ kind: "process", value: name, field: "client" });
    } else {
      out.push({ kind: "app-id", value: record.client, field: "client" });
    }
    return out;
  },
  events(record) {
    if (record.lastModifiedAt === undefined) return [];
    const decision =
      record.authValue ?? (record.authValueRaw === undefined ? "?" : `value ${record.authValueRaw}`);
    const reason = record.authReasonText === undefined ? "" : ` (${record.authReasonText})`;
    return [
      {
        at: record.lastModifiedAt,
        event: "tcc_permission_changed",
        description: `${record.service} ${decision}${reason} for ${record.client}`,
      },
    ];
  },
});
