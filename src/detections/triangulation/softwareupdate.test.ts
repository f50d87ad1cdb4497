import { describe, expect, it } from "vitest";
import { contextOf } from "../test-context.js";
import { SOFTWAREUPDATE_PLIST, softwareUpdatePlistDetection } from "./softwareupdate.js";
import { at, listing, pref, STATUSBAR, usage } from "./test-fixtures.js";

describe("triangulation/softwareupdate-plist", () => {
  it("an isolated change is low (not suspicious on its own)", () => {
    const { findings } = softwareUpdatePlistDetection.run(contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0 })]));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: "low", certainty: "heuristic", time: at(0) });
    expect(findings[0]!.notes?.[0]).toMatch(/updates/);
  });

  it("a change within 5 minutes of BackupAgent or another trace is medium", () => {
    const near = softwareUpdatePlistDetection.run(
      contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0, c: 1000 }), usage("BackupAgent", { first: 200 })]),
    );
    expect(near.findings.map((f) => f.level)).toEqual(["medium", "low"]);
    const trace = softwareUpdatePlistDetection.run(
      contextOf([listing(SOFTWAREUPDATE_PLIST, "file", { m: 0 }), pref(STATUSBAR, { m: 100 })]),
    );
    expect(trace.findings.map((f) => f.level)).toEqual(["medium"]);
    expect(trace.findings[0]!.heuristic!.events.map((e) => e.path)).toEqual([
      SOFTWAREUPDATE_PLIST,
      STATUSBAR,
    ]);
  });

  it("a trace 6 minutes away does not raise it; no file, no finding", () => {
    const far = softwareUpdatePlistDetection.run(
      contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0 }), usage("BackupAgent", { first: 360 })]),
    );
    expect(far.findings.map((f) => f.level)).toEqual(["low"]);
    expect(softwareUpdatePlistDetection.run(contextOf([pref(STATUSBAR, { m: 0 })])).findings).toEqual([]);
  });

  it("one change that set both times at once is one finding", () => {
    const once = softwareUpdatePlistDetection.run(contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0, c: 0 })]));
    expect(once.findings).toHaveLength(1);
    expect(once.findings[0]!.heuristic!.events[0]!.description).toMatch(/modified and status changed/);
    const twice = softwareUpdatePlistDetection.run(contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0, c: 900 })]));
    expect(twice.findings).toHaveLength(2);
  });
});
