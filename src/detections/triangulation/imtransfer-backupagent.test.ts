import { describe, expect, it } from "vitest";
import type { ArtifactRecord } from "../../artifacts/define.js";
import { contextOf } from "../test-context.js";
import { imTransferThenBackupAgentDetection } from "./imtransfer-backupagent.js";
import { at, usage } from "./test-fixtures.js";

const TRANSFER = "IMTransferAgent/com.apple.datausage.messages";

describe("triangulation/imtransfer-then-backupagent", () => {
  const cases: [string, ArtifactRecord[], number][] = [
    [
      "Kaspersky's example: 63 s apart",
      [usage(TRANSFER, { live: [251] }), usage("BackupAgent", { live: [314] })],
      1,
    ],
    [
      "plain IMTransferAgent name",
      [usage("IMTransferAgent", { first: 0 }), usage("BackupAgent", { first: 300 })],
      1,
    ],
    ["6 minutes apart", [usage(TRANSFER, { first: 0 }), usage("BackupAgent", { first: 360 })], 0],
    [
      "BackupAgent before the download",
      [usage(TRANSFER, { first: 100 }), usage("BackupAgent", { first: 0 })],
      0,
    ],
    [
      "BackupAgent2 after the download",
      [usage(TRANSFER, { first: 0 }), usage("BackupAgent2", { first: 60 })],
      0,
    ],
    [
      "IMTransferAgentX is another process",
      [usage("IMTransferAgentX", { first: 0 }), usage("BackupAgent", { first: 60 })],
      0,
    ],
    ["BackupAgent alone", [usage("BackupAgent", { first: 60 })], 0],
  ];
  for (const [name, records, count] of cases)
    it(name, () => {
      const { findings } = imTransferThenBackupAgentDetection.run(contextOf(records));
      expect(findings).toHaveLength(count);
      for (const f of findings) expect(f).toMatchObject({ level: "critical", certainty: "exact" });
    });

  it("one finding per BackupAgent row, with the pairs and the gap", () => {
    const { findings } = imTransferThenBackupAgentDetection.run(
      contextOf([
        usage(TRANSFER, { first: 251, last: 251 }),
        usage("BackupAgent", { first: 314, live: [320] }),
      ]),
    );
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.time).toBe(at(251));
    expect(f.heuristic?.window).toEqual({ start: at(251), end: at(314), seconds: 63 });
    expect(f.heuristic?.parameters?.pairs).toBe(2);
    expect(f.evidence.map((e) => e.artifact)).toEqual(["ios/datausage", "ios/datausage"]);
    expect(f.summary).toMatch(/63 seconds later/);
  });
});
