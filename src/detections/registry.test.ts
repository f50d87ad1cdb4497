import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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

  it("declares only content fields of the artifacts a detection reads", () => {
    for (const d of DETECTIONS)
      for (const [artifact, fields] of Object.entries(d.readsContent ?? {})) {
        expect(d.reads, d.id).toContain(artifact);
        const declared = ARTIFACTS.find((a) => a.id === artifact)?.contentFields ?? [];
        for (const field of fields) expect(declared, `${d.id}: ${artifact}.${field}`).toContain(field);
      }
  });

  it("declares readsContent wherever a detection's source reads a content field (recheck relies on it)", () => {
    // A tripwire, not a proof: a source that names an artifact and reads `data.<content field>`.
    const dir = fileURLToPath(new URL(".", import.meta.url));
    const files = readdirSync(dir, { recursive: true, encoding: "utf8" }).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".test.ts"),
    );
    for (const artifact of ARTIFACTS.filter((a) => (a.contentFields ?? []).length > 0)) {
      const read = new RegExp(`\\bdata\\??\\.(${artifact.contentFields?.join("|")})\\b`);
      for (const file of files) {
        const source = readFileSync(join(dir, file), "utf8");
        if (source.includes(`"${artifact.id}"`) && read.test(source))
          expect(source, `${file} reads content of ${artifact.id}`).toMatch(/readsContent:/);
      }
    }
  });
});
