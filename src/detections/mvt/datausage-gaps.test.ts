import { describe, expect, it } from "vitest";
import type { ProcessUsageRecord } from "../../artifacts/ios/_shared/system.js";
import { contextOf, record } from "../test-context.js";
import { dataUsageGapsDetection } from "./datausage-gaps.js";

const PATH = "/private/var/wireless/Library/Databases/DataUsage.sqlite";
const row = (extra: Partial<ProcessUsageRecord>) =>
  record("ios/datausage", PATH, {
    rowId: 5,
    processName: "x",
    liveUsage: [],
    ...extra,
  } as ProcessUsageRecord);

describe("mvt/datausage-missing-process", () => {
  const cases: [string, Partial<ProcessUsageRecord>, RegExp | undefined][] = [
    ["a gap before the row", { pkGapBefore: 2 }, /2 process rows before #5 were deleted/],
    ["newest rows deleted", { pkGapAfter: 1 }, /1 newer process row after #5 were deleted/],
    ["no name", { processName: "", missingName: true }, /process row #5 has no name/],
    ["a normal row", {}, undefined],
    [
      "an orphan group (reported by the manipulated-process rule)",
      { orphan: true, missingName: true },
      undefined,
    ],
  ];
  for (const [name, extra, summary] of cases)
    it(name, () => {
      const { findings } = dataUsageGapsDetection.run(contextOf([row(extra)]));
      if (summary === undefined) return expect(findings).toEqual([]);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ level: "low", certainty: "heuristic" });
      expect(findings[0]!.summary).toMatch(summary);
      expect(findings[0]!.heuristic?.condition).toMatch(summary);
      expect(findings[0]!.heuristic?.events).toMatchObject([{ event: "process_first_seen", rowId: 5 }]);
    });
});
