import { describe, expect, it } from "vitest";
import type { Finding } from "../model/finding.js";
import { decideVerdict, distinctNames } from "./verdict.js";

function exact(collection: string, campaign?: string): Finding {
  return {
    rule: "indicator/process",
    level: "critical",
    certainty: "exact",
    summary: "s",
    evidence: [],
    indicator: {
      value: "BackupAgent",
      type: "process:name",
      collection,
      source: "/x.stix2",
      reason: "exact",
    },
    ...(campaign === undefined ? {} : { campaign }),
  };
}

describe("verdict", () => {
  it("names a campaign once when packs spell it differently (case, spaces, hyphens, underscores)", () => {
    const { verdict, explanation } = decideVerdict({
      kind: "ios-backup",
      findings: [
        exact("OperationTriangulation"),
        exact("Operation Triangulation"),
        exact("operation_triangulation"),
        exact("x", "Operation-Triangulation"),
        exact("Pegasus"),
      ],
      limitations: [],
      statuses: [],
    });
    expect(verdict).toBe("detected");
    expect(explanation).toMatch(
      /found 5 exact traces of known spyware \(OperationTriangulation, Pegasus\)\./,
    );
  });

  it("keeps the first spelling and names that differ in more than separators and case", () => {
    expect(
      distinctNames(["Operation Triangulation", "OperationTriangulation", "Predator", "Predator 2"]),
    ).toEqual(["Operation Triangulation", "Predator", "Predator 2"]);
    expect(distinctNames([])).toEqual([]);
  });
});
