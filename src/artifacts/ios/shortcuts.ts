/**
 * Siri Shortcuts with the URLs their actions use (Shortcuts.sqlite ZSHORTCUT ⟕ ZSHORTCUTACTIONS,
 * ZDATA = binary plist array of {WFWorkflowActionIdentifier, WFWorkflowActionParameters});
 * format: ../shared/reference/mvt.md §2 (Shortcuts).
 */
import { isSpyglassError } from "../../errors.js";
import { isKeyedArchive, unarchive } from "../../formats/nskeyed.js";
import { isPlistDict, type PlistValue, parsePlist } from "../../formats/plist.js";
import { fromCocoaSeconds } from "../../model/time.js";
import { tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type TimelineEvent } from "../define.js";
import {
  asNonEmpty,
  asNumber,
  assignDefined,
  cappedColumn,
  extractLinks,
  hasColumns,
  iterateRows,
  MAX_LINKS,
  ProblemCounter,
  urlObservables,
} from "./_shared/comms.js";

/** One shortcut. */
export interface ShortcutRecord {
  rowId: number;
  name?: string;
  /**
   * ZACTIONSDESCRIPTION: the shortcut's own description of what it does. Kept like the name, not
   * withheld as content: it describes the program, not a conversation, and tells what a planted
   * shortcut was for.
   */
  description?: string;
  createdAt?: string;
  modifiedAt?: string;
  /** Number of actions decoded. */
  actionCount: number;
  /** Distinct action identifiers (`is.workflow.actions.openurl`…), at most 200. */
  actionIdentifiers: string[];
  /** URLs found in the action parameters. */
  actionUrls: string[];
}

/** Budgets for one shortcut's action data. */
const ACTION_BUDGET = { maxBytes: 16 * 1024 * 1024, maxValues: 200_000, maxDepth: 64 };
const MAX_IDENTIFIERS = 200;
const MAX_SHORT = 4096;

export const shortcutsArtifact = defineArtifact<ShortcutRecord>({
  id: "ios/shortcuts",
  title: "Shortcuts",
  description:
    "Siri Shortcuts and the URLs their actions open or fetch; a shortcut can download and run content or exfiltrate data, so its URLs are checked against indicators.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/Shortcuts/Shortcuts.sqlite"],
  iosVersions: "iOS 13–18",
  input: {
    kind: "sqlite",
    schema: { ZSHORTCUT: ["Z_PK", "ZNAME"] },
    *parse(db, context) {
      const tables = tableColumns(db);
      const col = (column: string, alias: string): string =>
        hasColumns(tables, "ZSHORTCUT", column) ? `s.${column} AS ${alias}` : `NULL AS ${alias}`;
      const sql = `SELECT s.Z_PK AS rowId, ${cappedColumn("s.ZNAME", MAX_SHORT)} AS name,
          ${col("ZCREATIONDATE", "created")}, ${col("ZMODIFICATIONDATE", "modified")},
          ${hasColumns(tables, "ZSHORTCUT", "ZACTIONSDESCRIPTION") ? cappedColumn("s.ZACTIONSDESCRIPTION", MAX_SHORT) : "NULL"} AS description
        FROM ZSHORTCUT s ORDER BY s.Z_PK`;
      // The actions row points back at its shortcut (ZSHORTCUT), or the shortcut points at it (ZACTIONS).
      const link = hasColumns(tables, "ZSHORTCUTACTIONS", "ZSHORTCUT")
        ? "ZSHORTCUT = ?"
        : hasColumns(tables, "ZSHORTCUT", "ZACTIONS")
          ? "Z_PK = (SELECT ZACTIONS FROM ZSHORTCUT WHERE Z_PK = ?)"
          : undefined;
      const actions =
        link !== undefined && hasColumns(tables, "ZSHORTCUTACTIONS", "Z_PK", "ZDATA")
          ? db.prepare(
              `SELECT CASE WHEN length(ZDATA) <= ${ACTION_BUDGET.maxBytes} THEN ZDATA END AS data, length(ZDATA) AS size
               FROM ZSHORTCUTACTIONS WHERE ${link} ORDER BY Z_PK`,
            )
          : undefined;
      const problems = new ProblemCounter();
      try {
        for (const row of iterateRows(db, sql)) {
          const rowId = asNumber(row.rowId) ?? 0;
          const record: ShortcutRecord = { rowId, actionCount: 0, actionIdentifiers: [], actionUrls: [] };
          for (const item of (actions?.all(rowId) ?? []) as Record<string, unknown>[]) {
            if (item.data instanceof Uint8Array) readActions(item.data, record, problems);
            else if ((asNumber(item.size) ?? 0) > ACTION_BUDGET.maxBytes)
              problems.add("action data over the 16 MiB budget", String(rowId));
            else if (item.data !== null) problems.add("action data is not a blob", String(rowId));
          }
          yield assignDefined(record, {
            name: asNonEmpty(row.name)?.slice(0, MAX_SHORT),
            description: asNonEmpty(row.description)?.slice(0, MAX_SHORT),
            createdAt: fromCocoaSeconds(row.created),
            modifiedAt: fromCocoaSeconds(row.modified),
          });
        }
      } finally {
        problems.flush(
          context.warn,
          (kind, count, example) =>
            `${count} shortcut action list(s) could not be decoded (${kind}; first in shortcut Z_PK ${example}); their URLs were not extracted`,
        );
      }
    },
  },
  observables(record) {
    return urlObservables(record.actionUrls, "actionUrls");
  },
  events(record) {
    const name = record.name === undefined ? "Shortcut" : `Shortcut "${record.name.slice(0, 80)}"`;
    const urls = record.actionUrls.length;
    const detail = `${name} (${record.actionCount} action${record.actionCount === 1 ? "" : "s"}, ${urls} URL${urls === 1 ? "" : "s"})`;
    const events: TimelineEvent[] = [];
    if (record.createdAt !== undefined)
      events.push({ at: record.createdAt, event: "shortcut_created", description: `${detail} created` });
    if (record.modifiedAt !== undefined && record.modifiedAt !== record.createdAt)
      events.push({ at: record.modifiedAt, event: "shortcut_modified", description: `${detail} modified` });
    return events;
  },
});

function readActions(data: Uint8Array, record: ShortcutRecord, problems: ProblemCounter): void {
  let value: PlistValue;
  try {
    value = parsePlist(data, { budget: ACTION_BUDGET });
  } catch (error) {
    problems.add(isSpyglassError(error) ? error.message : "not a property list", String(record.rowId));
    return;
  }
  if (isKeyedArchive(value)) {
    try {
      value = unarchive(value, {
        budget: { maxObjects: ACTION_BUDGET.maxValues, maxDepth: ACTION_BUDGET.maxDepth },
      });
    } catch (error) {
      problems.add(isSpyglassError(error) ? error.message : "unreadable keyed archive", String(record.rowId));
      return;
    }
  }
  // Usually the action array itself; a whole workflow dictionary (as in .shortcut files) holds it under WFWorkflowActions.
  const list = isPlistDict(value) ? value.WFWorkflowActions : value;
  if (!Array.isArray(list)) {
    problems.add("action data is not an array", String(record.rowId));
    return;
  }
  for (const action of list) {
    if (!isPlistDict(action)) continue;
    record.actionCount += 1;
    const identifier = action.WFWorkflowActionIdentifier;
    if (
      typeof identifier === "string" &&
      record.actionIdentifiers.length < MAX_IDENTIFIERS &&
      !record.actionIdentifiers.includes(identifier)
    )
      record.actionIdentifiers.push(identifier.slice(0, MAX_SHORT));
    collectUrls(action.WFWorkflowActionParameters ?? null, record.actionUrls);
  }
}

const STANDALONE_URL = /^[a-z][a-z0-9+.-]*:\/\/[^\s/?#]+\S*$/i;

/** Walks a decoded parameter tree (iteratively, bounded) and keeps string values that are URLs or contain http(s) links. */
function collectUrls(root: PlistValue, into: string[]): void {
  const stack: PlistValue[] = [root];
  let visited = 0;
  while (stack.length > 0 && visited < ACTION_BUDGET.maxValues && into.length < MAX_LINKS) {
    const value = stack.pop() as PlistValue;
    visited += 1;
    if (typeof value === "string") {
      const trimmed = value.trim();
      if (STANDALONE_URL.test(trimmed) && URL.canParse(trimmed)) {
        if (!into.includes(trimmed)) into.push(trimmed.slice(0, MAX_SHORT));
      } else extractLinks(value, into);
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push(value[i] as PlistValue);
    } else if (isPlistDict(value)) {
      const entries = Object.values(value);
      for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i] as PlistValue);
    }
  }
}
