/** Address-book contacts (AddressBook.sqlitedb ABPerson ⟕ ABMultiValue); format: ../shared/reference/mvt.md §2 (Contacts). */
import type { Observable } from "../../model/observable.js";
import { fromCocoaSeconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type TimelineEvent } from "../define.js";
import {
  asNonEmpty,
  asNumber,
  assignDefined,
  cappedColumn,
  emailObservable,
  hasColumns,
  iterateRows,
} from "./_shared/comms.js";

/** One phone number, e-mail, URL… of a contact. */
export interface ContactValue {
  /** ABMultiValue.property: 3 phone, 4 e-mail, 22 URL, others kept as numbers. */
  property?: number;
  kind?: "phone" | "email" | "url";
  /** The label text (`_$!<Mobile>!$_` style markers unwrapped) when the label table is there. */
  label?: string;
  value: string;
}

/** One person or organisation of the address book. */
export interface ContactRecord {
  rowId: number;
  first?: string;
  middle?: string;
  last?: string;
  organization?: string;
  createdAt?: string;
  modifiedAt?: string;
  /** At most MAX_VALUES values. */
  values: ContactValue[];
}

export const MAX_VALUES = 500;
const MAX_SHORT = 4096;
const KINDS: Record<number, ContactValue["kind"]> = { 3: "phone", 4: "email", 22: "url" };

export const contactsArtifact = defineArtifact<ContactRecord>({
  id: "ios/contacts",
  title: "Contacts",
  description:
    "The address book with phone numbers and e-mail addresses; attacker accounts saved as contacts, or contacts matching indicator e-mails, help attribute other traces.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/AddressBook/AddressBook.sqlitedb"],
  iosVersions: "iOS 9–18",
  input: {
    kind: "sqlite",
    schema: { ABPerson: ["First", "Last"], ABMultiValue: ["record_id", "property", "value"] },
    *parse(db) {
      const tables = tableColumns(db);
      const person = (column: string, alias: string, capped = true): string =>
        hasColumns(tables, "ABPerson", column)
          ? `${capped ? cappedColumn(`p.${column}`, MAX_SHORT) : `p.${column}`} AS ${alias}`
          : `NULL AS ${alias}`;
      const people = `SELECT p.ROWID AS rowId, ${person("First", "first")}, ${person("Middle", "middle")},
          ${person("Last", "last")}, ${person("Organization", "organization")},
          ${person("CreationDate", "created", false)}, ${person("ModificationDate", "modified", false)}
        FROM ABPerson p ORDER BY p.ROWID`;
      const labels =
        hasColumns(tables, "ABMultiValue", "label") && hasColumns(tables, "ABMultiValueLabel", "value");
      const values = db.prepare(
        `SELECT v.property AS property, ${cappedColumn("v.value", MAX_SHORT)} AS value,
           ${labels ? `(SELECT ${cappedColumn("l.value", MAX_SHORT)} FROM ABMultiValueLabel l WHERE l.ROWID = v.label)` : "NULL"} AS label
         FROM ABMultiValue v WHERE v.record_id = ? ORDER BY v.ROWID LIMIT ${MAX_VALUES}`,
      );
      const short = (value: unknown): string | undefined => asNonEmpty(value)?.slice(0, MAX_SHORT);
      for (const row of iterateRows(db, people)) {
        const rowId = asNumber(row.rowId) ?? 0;
        const record: ContactRecord = { rowId, values: [] };
        for (const item of values.all(rowId) as Record<string, unknown>[]) {
          const value = short(item.value);
          if (value === undefined) continue;
          const property = asNumber(item.property);
          record.values.push(
            assignDefined<ContactValue>(
              { value },
              {
                property,
                kind: property === undefined ? undefined : KINDS[property],
                label: short(item.label)?.replace(/^_\$!<(.*)>!\$_$/, "$1"),
              },
            ),
          );
        }
        yield assignDefined(record, {
          first: short(row.first),
          middle: short(row.middle),
          last: short(row.last),
          organization: short(row.organization),
          createdAt: fromCocoaSeconds(row.created),
          modifiedAt: fromCocoaSeconds(row.modified),
        });
      }
    },
  },
  observables(record) {
    const observables: Observable[] = [];
    record.values.forEach((v, i) => {
      if (v.kind === "email" || (v.kind === undefined && v.value.includes("@")))
        observables.push(...emailObservable(v.value, `values[${i}].value`));
      else if (v.kind === "url" && /^https?:\/\//i.test(v.value))
        observables.push({ kind: "url", value: v.value, field: `values[${i}].value` });
    });
    return observables;
  },
  events(record) {
    const name =
      [record.first, record.middle, record.last].filter((p) => p !== undefined).join(" ") ||
      record.organization ||
      `contact ${record.rowId}`;
    const count = record.values.length;
    const detail = `Contact "${name.slice(0, 80)}" (${count} value${count === 1 ? "" : "s"})`;
    const events: TimelineEvent[] = [];
    if (record.createdAt !== undefined)
      events.push({ at: record.createdAt, event: "contact_created", description: `${detail} created` });
    if (record.modifiedAt !== undefined && record.modifiedAt !== record.createdAt)
      events.push({ at: record.modifiedAt, event: "contact_modified", description: `${detail} modified` });
    return events;
  },
});
