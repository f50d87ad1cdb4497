import { describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import { PlistUid } from "../../formats/plist-value.js";
import { collectArtifact } from "../../testing/artifact-harness.js";
import { type ShortcutRecord, shortcutsArtifact } from "./shortcuts.js";

const PATH = "/private/var/mobile/Library/Shortcuts/Shortcuts.sqlite";

async function run(sql: string) {
  const { status, data } = await collectArtifact(shortcutsArtifact, { [PATH]: { sql } });
  return { status, records: data as ShortcutRecord[] };
}

const hex = (bytes: Uint8Array): string => `x'${Buffer.from(bytes).toString("hex")}'`;

const ACTIONS = writeBinaryPlist([
  {
    WFWorkflowActionIdentifier: "is.workflow.actions.url",
    WFWorkflowActionParameters: { WFURLActionURL: "https://c2.example/payload?id=1" },
  },
  {
    WFWorkflowActionIdentifier: "is.workflow.actions.gettext",
    WFWorkflowActionParameters: {
      WFTextActionText: { Value: { string: "go to https://text.example/a, now", attachmentsByRange: {} } },
    },
  },
  {
    WFWorkflowActionIdentifier: "is.workflow.actions.openurl",
    WFWorkflowActionParameters: { WFInput: ["shortcuts://run-shortcut?name=x", "not a url", 42] },
  },
  { WFWorkflowActionIdentifier: "is.workflow.actions.url", WFWorkflowActionParameters: {} },
  "ignored",
]);

describe("ios/shortcuts", () => {
  it("decodes action plists and collects their URLs (iOS 13+ schema)", async () => {
    const { status, records } = await run(`
      CREATE TABLE ZSHORTCUT (Z_PK INTEGER PRIMARY KEY, ZNAME VARCHAR, ZCREATIONDATE TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP,
        ZACTIONSDESCRIPTION VARCHAR);
      CREATE TABLE ZSHORTCUTACTIONS (Z_PK INTEGER PRIMARY KEY, ZSHORTCUT INTEGER, ZDATA BLOB);
      INSERT INTO ZSHORTCUT VALUES (1, 'Backup', 700000000, 700086400, NULL), (2, 'Empty', 700000000, 700000000, NULL);
      INSERT INTO ZSHORTCUTACTIONS VALUES (1, 1, ${hex(ACTIONS)});`);
    expect(status.status).toBe("found");
    expect(status.warnings).toEqual([]);
    expect(records[0]).toEqual({
      rowId: 1,
      name: "Backup",
      createdAt: "2023-03-08T20:26:40.000Z",
      modifiedAt: "2023-03-09T20:26:40.000Z",
      actionCount: 4,
      actionIdentifiers: [
        "is.workflow.actions.url",
        "is.workflow.actions.gettext",
        "is.workflow.actions.openurl",
      ],
      actionUrls: [
        "https://c2.example/payload?id=1",
        "https://text.example/a",
        "shortcuts://run-shortcut?name=x",
      ],
    });
    expect(records[1]).toEqual({
      rowId: 2,
      name: "Empty",
      createdAt: "2023-03-08T20:26:40.000Z",
      modifiedAt: "2023-03-08T20:26:40.000Z",
      actionCount: 0,
      actionIdentifiers: [],
      actionUrls: [],
    });
    expect(shortcutsArtifact.observables(records[0]!)[0]).toEqual({
      kind: "url",
      value: "https://c2.example/payload?id=1",
      field: "actionUrls[0]",
    });
    expect(shortcutsArtifact.events(records[0]!)).toEqual([
      {
        at: "2023-03-08T20:26:40.000Z",
        event: "shortcut_created",
        description: 'Shortcut "Backup" (4 actions, 3 URLs) created',
      },
      {
        at: "2023-03-09T20:26:40.000Z",
        event: "shortcut_modified",
        description: 'Shortcut "Backup" (4 actions, 3 URLs) modified',
      },
    ]);
    expect(shortcutsArtifact.events(records[1]!)).toHaveLength(1);
  });

  it("accepts a workflow dictionary holding WFWorkflowActions", async () => {
    const workflow = writeBinaryPlist({
      WFWorkflowActions: [
        {
          WFWorkflowActionIdentifier: "is.workflow.actions.downloadurl",
          WFWorkflowActionParameters: { WFURL: "http://dl.example/f" },
        },
      ],
    });
    const { records } = await run(`
      CREATE TABLE ZSHORTCUT (Z_PK INTEGER PRIMARY KEY, ZNAME VARCHAR);
      CREATE TABLE ZSHORTCUTACTIONS (Z_PK INTEGER PRIMARY KEY, ZSHORTCUT INTEGER, ZDATA BLOB);
      INSERT INTO ZSHORTCUT VALUES (1, 'W');
      INSERT INTO ZSHORTCUTACTIONS VALUES (1, 1, ${hex(workflow)});`);
    expect(records[0]).toMatchObject({ actionCount: 1, actionUrls: ["http://dl.example/f"] });
  });

  it("follows ZSHORTCUT.ZACTIONS and reads keyed-archived action lists", async () => {
    const uid = (index: number): PlistUid => new PlistUid(index);
    const archived = writeBinaryPlist({
      $version: 100000,
      $archiver: "NSKeyedArchiver",
      $top: { root: uid(1) },
      $objects: [
        "$null",
        { "NS.objects": [uid(2)], $class: uid(6) },
        { "NS.keys": [uid(3), uid(4)], "NS.objects": [uid(5), uid(7)], $class: uid(8) },
        "WFWorkflowActionIdentifier",
        "WFWorkflowActionParameters",
        "is.workflow.actions.openurl",
        { $classname: "NSArray", $classes: ["NSArray", "NSObject"] },
        { "NS.keys": [uid(9)], "NS.objects": [uid(10)], $class: uid(8) },
        { $classname: "NSDictionary", $classes: ["NSDictionary", "NSObject"] },
        "WFInput",
        "https://keyed.example/",
      ],
    });
    const { status, records } = await run(`
      CREATE TABLE ZSHORTCUT (Z_PK INTEGER PRIMARY KEY, ZNAME VARCHAR, ZACTIONS INTEGER);
      CREATE TABLE ZSHORTCUTACTIONS (Z_PK INTEGER PRIMARY KEY, ZDATA BLOB);
      INSERT INTO ZSHORTCUT VALUES (1, 'K', 7), (2, 'None', NULL);
      INSERT INTO ZSHORTCUTACTIONS VALUES (7, ${hex(archived)});`);
    expect(status.warnings).toEqual([]);
    expect(records[0]).toMatchObject({
      actionCount: 1,
      actionIdentifiers: ["is.workflow.actions.openurl"],
      actionUrls: ["https://keyed.example/"],
    });
    expect(records[1]).toMatchObject({ actionCount: 0, actionUrls: [] });
  });

  it("keeps the shortcut's description (ZACTIONSDESCRIPTION), capped, and not as content", async () => {
    const { status, records } = await run(`
      CREATE TABLE ZSHORTCUT (Z_PK INTEGER PRIMARY KEY, ZNAME VARCHAR, ZCREATIONDATE TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP,
        ZACTIONSDESCRIPTION VARCHAR);
      INSERT INTO ZSHORTCUT VALUES (1, 'Sync', 700000000, NULL, 'Get contents of URL, Show Result'),
        (2, 'Long', NULL, NULL, printf('%.*c', 10000, 'd')), (3, 'Blank', NULL, NULL, ''), (4, 'Number', NULL, NULL, 42);`);
    expect(status.warnings).toEqual([]);
    expect(records[0]).toEqual({
      rowId: 1,
      name: "Sync",
      description: "Get contents of URL, Show Result",
      createdAt: "2023-03-08T20:26:40.000Z",
      actionCount: 0,
      actionIdentifiers: [],
      actionUrls: [],
    });
    expect(records[1]?.description).toHaveLength(4096);
    expect(records[2]?.description).toBeUndefined();
    expect(records[3]?.description).toBe("42");
    expect(shortcutsArtifact.contentFields ?? []).not.toContain("description");
  });

  it("reads a schema without the actions table or modification date", async () => {
    const { records } =
      await run(`CREATE TABLE ZSHORTCUT (Z_PK INTEGER PRIMARY KEY, ZNAME VARCHAR, ZCREATIONDATE TIMESTAMP);
      INSERT INTO ZSHORTCUT VALUES (3, 'Old', 500000000);`);
    expect(records).toEqual([
      {
        rowId: 3,
        name: "Old",
        createdAt: "2016-11-05T00:53:20.000Z",
        actionCount: 0,
        actionIdentifiers: [],
        actionUrls: [],
      },
    ]);
  });

  it("warns once, with a count, for garbage action data and keeps the shortcuts", async () => {
    const { status, records } = await run(`
      CREATE TABLE ZSHORTCUT (Z_PK INTEGER PRIMARY KEY, ZNAME VARCHAR, ZCREATIONDATE TIMESTAMP, ZMODIFICATIONDATE TIMESTAMP);
      CREATE TABLE ZSHORTCUTACTIONS (Z_PK INTEGER PRIMARY KEY, ZSHORTCUT INTEGER, ZDATA BLOB);
      INSERT INTO ZSHORTCUT VALUES (1, x'41', 'x', NULL), (2, 'B', NULL, NULL), (3, 'C', NULL, NULL);
      INSERT INTO ZSHORTCUTACTIONS VALUES (1, 1, x'0001020304'), (2, 2, ${hex(Buffer.from("bplist00\u00ff\u00ff", "latin1"))}),
        (3, 3, ${hex(writeBinaryPlist({ not: "an array" }))}), (4, 3, 'text, not a blob');`);
    expect(status.status).toBe("found");
    expect(records.map((r) => [r.rowId, r.name, r.actionCount])).toEqual([
      [1, "A", 0],
      [2, "B", 0],
      [3, "C", 0],
    ]);
    const corrupt = status.warnings.filter((w) => w.code === "CORRUPT");
    expect(corrupt.reduce((n, w) => n + (w.count ?? 0), 0)).toBe(4);
    expect(corrupt.every((w) => w.file === PATH)).toBe(true);
  });
});
