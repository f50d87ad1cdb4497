/** Call history (CallHistory.storedata ZCALLRECORD); format: ../shared/reference/mvt.md §2 (Calls). */
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact } from "../define.js";
import {
  asFlag,
  asNonEmpty,
  asNumber,
  assignDefined,
  cappedColumn,
  emailObservable,
  hasColumns,
  iterateRows,
} from "./_shared/comms.js";

/** One phone, FaceTime or CallKit (third-party VoIP) call. */
export interface CallRecord {
  rowId: number;
  /** ZDATE: when the call started. */
  at?: string;
  /** Seconds. */
  duration?: number;
  /** Number or Apple ID (ZADDRESS, text or bytes). */
  address?: string;
  /** ZSERVICE_PROVIDER: com.apple.Telephony, com.apple.FaceTime, or a VoIP app's bundle id. */
  service?: string;
  /** ZCALLTYPE code (1 phone, 8 FaceTime video, 16 FaceTime audio…), kept raw. */
  callType?: number;
  originated: boolean;
  answered: boolean;
  name?: string;
  location?: string;
  uniqueId?: string;
}

const MAX_SHORT = 4096;

export const callsArtifact = defineArtifact<CallRecord>({
  id: "ios/calls",
  title: "Call history",
  description:
    "Phone, FaceTime and VoIP calls with numbers and Apple IDs; FaceTime and WhatsApp calls have been zero-click vectors and calls from attacker accounts show up here.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/CallHistoryDB/CallHistory.storedata"],
  iosVersions: "iOS 8–18",
  input: {
    kind: "sqlite",
    schema: { ZCALLRECORD: ["Z_PK", "ZDATE", "ZDURATION", "ZADDRESS", "ZORIGINATED", "ZANSWERED"] },
    *parse(db) {
      const tables = tableColumns(db);
      const col = (column: string, alias: string, capped = true): string =>
        hasColumns(tables, "ZCALLRECORD", column)
          ? `${capped ? cappedColumn(column, MAX_SHORT) : column} AS ${alias}`
          : `NULL AS ${alias}`;
      const sql = `SELECT Z_PK AS rowId, ZDATE AS date, ZDURATION AS duration, ${cappedColumn("ZADDRESS", MAX_SHORT)} AS address,
          ZORIGINATED AS originated, ZANSWERED AS answered, ${col("ZSERVICE_PROVIDER", "service")},
          ${col("ZCALLTYPE", "callType", false)}, ${col("ZNAME", "name")}, ${col("ZLOCATION", "location")},
          ${col("ZUNIQUE_ID", "uniqueId")}
        FROM ZCALLRECORD ORDER BY Z_PK`;
      for (const row of iterateRows(db, sql)) {
        const short = (value: unknown): string | undefined => asNonEmpty(value)?.slice(0, MAX_SHORT);
        const record: CallRecord = {
          rowId: asNumber(row.rowId) ?? 0,
          originated: asFlag(row.originated) ?? false,
          answered: asFlag(row.answered) ?? false,
        };
        yield assignDefined(record, {
          at: fromCocoaSeconds(row.date),
          duration: asNumber(row.duration),
          address: short(row.address)?.replace(/\0+$/, ""),
          service: short(row.service),
          callType: asNumber(row.callType),
          name: short(row.name),
          location: short(row.location),
          uniqueId: short(row.uniqueId),
        });
      }
    },
  },
  observables(record) {
    const observables: Observable[] = emailObservable(record.address, "address");
    // CallKit apps record their bundle id as the provider; Apple's own providers are not apps to match.
    if (record.service !== undefined && !record.service.startsWith("com.apple."))
      observables.push({ kind: "app-id", value: record.service, field: "service" });
    return observables;
  },
  events(record) {
    if (record.at === undefined) return [];
    const kind = record.originated ? "outgoing" : record.answered ? "incoming" : "missed incoming";
    const via = record.service === undefined ? "" : ` via ${record.service}`;
    const party = record.address ?? "an unknown address";
    const length = record.duration === undefined ? "" : `, ${Math.round(record.duration)} s`;
    return [
      {
        at: record.at,
        event: "call",
        description: `${kind[0]?.toUpperCase()}${kind.slice(1)} call${via} ${record.originated ? "to" : "from"} ${party}${length}`,
      },
    ];
  },
});
