import { describe, expect, it } from "vitest";
import { dataUsageArtifact } from "../../artifacts/ios/datausage.js";
import { memorySource } from "../../testing/memory-source.js";
import { collect, contextOf } from "../test-context.js";
import { dataUsageManipulatedDetection } from "./datausage-manipulated.js";

const PATH = "/private/var/wireless/Library/Databases/DataUsage.sqlite";
const SCHEMA = `CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZFIRSTTIMESTAMP TIMESTAMP, ZTIMESTAMP TIMESTAMP, ZPROCNAME VARCHAR);
  CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, ZHASPROCESS INTEGER, ZTIMESTAMP TIMESTAMP, ZWWANIN FLOAT);
  INSERT INTO ZPROCESS VALUES (1, 700000000, 700000000, 'locationd');`;

async function run(sql: string) {
  const { records } = await collect(memorySource({ [PATH]: { sql: SCHEMA + sql } }), [dataUsageArtifact]);
  return dataUsageManipulatedDetection.run(contextOf(records)).findings;
}

describe("mvt/datausage-manipulated-process", () => {
  it("live usage of a deleted process row is high", async () => {
    const findings = await run("INSERT INTO ZLIVEUSAGE VALUES (1, 7, 700000100, 5), (2, 7, 700000200, 6);");
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      level: "high",
      certainty: "heuristic",
      time: "2023-03-08T20:28:20.000Z",
    });
    expect(findings[0]!.summary).toMatch(/^2 network usage records belong to process #7/);
    expect(findings[0]!.heuristic).toMatchObject({
      condition:
        "live-usage rows of DataUsage.sqlite point (ZHASPROCESS) to process row #7, which is not in ZPROCESS",
      parameters: { processRowId: 7, liveRows: 2, listedRows: 2 },
    });
    expect(findings[0]!.heuristic?.events.map((e) => [e.at, e.event, e.rowId, e.path])).toEqual([
      ["2023-03-08T20:28:20.000Z", "live_usage", 1, PATH],
      ["2023-03-08T20:30:00.000Z", "live_usage", 2, PATH],
    ]);
  });

  it("live usage of an existing row, or with no process at all, is not", async () => {
    expect(await run("INSERT INTO ZLIVEUSAGE VALUES (1, 1, 700000100, 5), (2, NULL, 700000100, 5);")).toEqual(
      [],
    );
  });
});
