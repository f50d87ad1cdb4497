/**
 * WhatsApp's LID ↔ phone number pairs (ZWAPHONENUMBERLIDPAIR in LID.sqlite, or in ChatStorage.sqlite
 * for versions before LID.sqlite); format: ../shared/reference/mvt.md §2 (Whatsapp, record_type
 * "lid_phone_number_pair").
 */
import { fromCocoaSeconds } from "../../model/time.js";
import type { EvidenceEntry, EvidenceSource } from "../../readers/types.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type SourceContext } from "../define.js";
import {
  asNonEmpty,
  asNumber,
  assignDefined,
  cappedColumn,
  hasColumns,
  iterateRows,
} from "./_shared/comms.js";
import { CHAT_STORAGE_GLOB, eachWhatsAppDatabase, LID_GLOB } from "./whatsapp-messages.js";

/** One LID and the phone number WhatsApp knows it stands for. */
export interface WhatsAppLidPairRecord {
  /** ZWAPHONENUMBERLIDPAIR.Z_PK. */
  rowId: number;
  /** Device path of the database the pair comes from. */
  database: string;
  /** `<digits>@lid`. */
  lid?: string;
  /** As stored: `<digits>@s.whatsapp.net` or a number. */
  phoneNumber?: string;
  /** ZTIMESTAMP, where the schema has it. */
  pairedAt?: string;
}

const MAX_FIELD = 512;

export const whatsappLidPairsArtifact = defineArtifact<WhatsAppLidPairRecord>({
  id: "ios/whatsapp-lid-pairs",
  title: "WhatsApp LID pairs",
  description:
    "The phone numbers behind the LIDs (anonymous WhatsApp ids) seen in chats and messages; they tell who an @lid sender was.",
  sources: ["ios-backup", "fs-dump"],
  paths: [LID_GLOB, CHAT_STORAGE_GLOB],
  iosVersions: "iOS 15–18 (WhatsApp 23.x–25.x)",
  input: {
    kind: "source",
    collect(source, context) {
      return collectLidPairs(source, context);
    },
  },
  // LIDs and phone numbers are not indicator kinds; the records serve attribution.
  observables() {
    return [];
  },
  observableKinds: [],
  events(record) {
    if (record.pairedAt === undefined) return [];
    return [
      {
        at: record.pairedAt,
        event: "whatsapp_lid_paired",
        description: `WhatsApp LID ${record.lid ?? "?"} paired with ${record.phoneNumber ?? "?"}`,
      },
    ];
  },
});

/** Each LID.sqlite, and each ChatStorage.sqlite with no LID.sqlite beside it (older versions keep the pairs there). */
function collectLidPairs(
  source: EvidenceSource,
  context: SourceContext,
): AsyncGenerator<WhatsAppLidPairRecord> {
  const folder = (entry: EvidenceEntry): string => entry.path.slice(0, entry.path.lastIndexOf("/"));
  const lidFiles = source.glob(LID_GLOB).filter((e) => e.kind === "file");
  const withLid = new Set(lidFiles.filter((e) => e.present).map(folder));
  const entries = [...lidFiles, ...source.glob(CHAT_STORAGE_GLOB).filter((e) => !withLid.has(folder(e)))];
  return eachWhatsAppDatabase(source, entries, context, function* (db, entry) {
    const tables = tableColumns(db);
    if (!hasColumns(tables, "ZWAPHONENUMBERLIDPAIR", "Z_PK", "ZLID", "ZPHONENUMBER")) {
      // A ChatStorage.sqlite from before LIDs has no pairs; a LID.sqlite without them is a schema we do not know.
      if (entry.path.endsWith("/LID.sqlite"))
        context.unreadable({
          code: "UNKNOWN_SCHEMA",
          message:
            "unknown schema: missing ZWAPHONENUMBERLIDPAIR(Z_PK, ZLID, ZPHONENUMBER); this WhatsApp version may not be supported yet",
          file: entry.path,
        });
      return;
    }
    const time = hasColumns(tables, "ZWAPHONENUMBERLIDPAIR", "ZTIMESTAMP") ? "ZTIMESTAMP" : "NULL";
    const sql = `SELECT Z_PK AS rowId, ${cappedColumn("ZLID", MAX_FIELD)} AS lid,
        ${cappedColumn("ZPHONENUMBER", MAX_FIELD)} AS phone, ${time} AS pairedAt
      FROM ZWAPHONENUMBERLIDPAIR ORDER BY Z_PK`;
    for (const row of iterateRows(db, sql)) {
      const record: WhatsAppLidPairRecord = { rowId: asNumber(row.rowId) ?? 0, database: entry.path };
      yield assignDefined(record, {
        lid: asNonEmpty(row.lid)?.slice(0, MAX_FIELD),
        phoneNumber: asNonEmpty(row.phone)?.slice(0, MAX_FIELD),
        pairedAt: fromCocoaSeconds(row.pairedAt),
      });
    }
  });
}
