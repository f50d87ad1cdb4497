import { describe, expect, it } from "vitest";
import { ARTIFACTS } from "../artifacts/registry.js";
import { buildIndicatorIndex } from "../indicators/indicator-index.js";
import { DETECTIONS } from "./registry.js";
import { contextOf } from "./test-context.js";

describe("detection registry", () => {
  it("has unique ids and reads only known artifacts", () => {
    const ids = DETECTIONS.map((d) => d.id);
    expect(new Set(ids).size).toBe(ids.length);
    const known = new Set(ARTIFACTS.map((a) => a.id));
    for (const d of DETECTIONS) for (const id of d.reads) expect(known, `${d.id} reads ${id}`).toContain(id);
  });

  it("every detection runs on empty evidence, with and without indicators, without throwing", () => {
    for (const context of [
      contextOf([]),
      contextOf([], { indicators: buildIndicatorIndex([]), kind: "fs-dump" }),
    ])
      for (const d of DETECTIONS) {
        const result = d.run(context);
        expect(result.findings, d.id).toEqual([]);
        for (const l of result.limitations) expect(l.rule).toBe(d.id);
      }
  });
});
