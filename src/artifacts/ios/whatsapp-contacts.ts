/** WhatsApp's address book (ContactsV2.sqlite ZWAADDRESSBOOKCONTACT); format: ../shared/reference/mvt.md §2 (WhatsappContacts). */
import { fromCocoaSeconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact } from "../define.js";
import {
  asNonEmpty,
  asNumber,
  assignDefined,
  cappedColumn,
  capText,
  hasColumns,
  iterateRows,
} from "./_shared/comms.js";

/** One WhatsApp contact. */
export interface WhatsAppContactRecord {
  rowId: number;
  /** `<number>@s.whatsapp.net`. */
  whatsappId?: string;
  /** `<digits>@lid`, the identifier newer WhatsApp uses in chats instead of the phone number. */
  lid?: string;
  phoneNumber?: string;
  name?: string;
  /** The contact's "about" text, cut at 4 KiB. */
  about?: string;
  aboutAt?: string;
  lastUpdatedAt?: string;
}

/** Longest name or about text kept. */
const MAX_FIELD = 4096;

export const whatsappContactsArtifact = defineArtifact<WhatsAppContactRecord>({
  id: "ios/whatsapp-contacts",
  title: "WhatsApp contacts",
  description:
    "WhatsApp's contact list with WhatsApp IDs, LIDs and phone numbers; it maps the LIDs in messages back to the people behind them.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Containers/Shared/AppGroup/*/ContactsV2.sqlite"],
  iosVersions: "iOS 14–18 (WhatsApp 2.21–25.x)",
  input: {
    kind: "sqlite",
    schema: { ZWAADDRESSBOOKCONTACT: ["Z_PK"] },
    *parse(db) {
      const tables = tableColumns(db);
      const column = (name: string, alias: string): string =>
        hasColumns(tables, "ZWAADDRESSBOOKCONTACT", name)
          ? `${cappedColumn(name, MAX_FIELD)} AS ${alias}`
          : `NULL AS ${alias}`;
      const sql = `SELECT Z_PK AS rowId, ${column("ZWHATSAPPID", "whatsappId")}, ${column("ZLID", "lid")},
          ${column("ZPHONENUMBER", "phoneNumber")}, ${column("ZFULLNAME", "fullName")},
          ${column("ZGIVENNAME", "givenName")}, ${column("ZLASTNAME", "lastName")},
          ${column("ZBUSINESSNAME", "businessName")}, ${column("ZABOUTTEXT", "about")},
          ${column("ZABOUTTIMESTAMP", "aboutAt")}, ${column("ZLASTUPDATED", "lastUpdated")}
        FROM ZWAADDRESSBOOKCONTACT ORDER BY Z_PK`;
      for (const row of iterateRows(db, sql)) {
        const short = (value: unknown): string | undefined => {
          const text = asNonEmpty(value);
          return text === undefined ? undefined : capText(text, MAX_FIELD).text;
        };
        const joined = [short(row.givenName), short(row.lastName)].filter((p) => p !== undefined).join(" ");
        const record: WhatsAppContactRecord = { rowId: asNumber(row.rowId) ?? 0 };
        yield assignDefined(record, {
          whatsappId: short(row.whatsappId),
          lid: short(row.lid),
          phoneNumber: short(row.phoneNumber),
          name: short(row.fullName) ?? (joined === "" ? undefined : joined) ?? short(row.businessName),
          about: short(row.about),
          aboutAt: fromCocoaSeconds(row.aboutAt),
          lastUpdatedAt: fromCocoaSeconds(row.lastUpdated),
        });
      }
    },
  },
  // WhatsApp IDs and phone numbers are not indicator kinds; the records serve attribution.
  observables() {
    return [];
  },
  events(record) {
    const who = record.phoneNumber ?? record.whatsappId ?? record.lid ?? `contact ${record.rowId}`;
    return record.aboutAt === undefined
      ? []
      : [
          {
            at: record.aboutAt,
            event: "whatsapp_about_set",
            description: `WhatsApp "about" text set by ${who}`,
          },
        ];
  },
});
