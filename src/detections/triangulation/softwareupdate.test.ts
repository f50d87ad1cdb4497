import { describe, expect, it } from "vitest";
import { contextOf, record } from "../test-context.js";
import { SOFTWAREUPDATE_PLIST, softwareUpdatePlistDetection } from "./softwareupdate.js";
import { analytics, at, DATAUSAGE, listing, pref, STATUSBAR, usage } from "./test-fixtures.js";

describe("triangulation/softwareupdate-plist", () => {
  it("an isolated change is low (not suspicious on its own)", () => {
    const { findings } = softwareUpdatePlistDetection.run(contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0 })]));
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ level: "low", certainty: "heuristic", time: at(0) });
    expect(findings[0]!.notes?.[0]).toMatch(/updates/);
  });

  it("a change within 5 minutes of BackupAgent traffic is medium", () => {
    const near = softwareUpdatePlistDetection.run(
      contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0, c: 1000 }), usage("BackupAgent", { first: 200 })]),
    );
    expect(near.findings.map((f) => f.level)).toEqual(["medium", "low"]);
    expect(near.findings[0]!.summary).toMatch(/within 5 minutes of BackupAgent traffic;/);
    const baseline = softwareUpdatePlistDetection.run(
      contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0 }), analytics("BackupAgent", -250)]),
    );
    expect(baseline.findings.map((f) => f.level)).toEqual(["medium"]);
  });

  it("a change next to the exploit attachment or a qualifying event window is medium", () => {
    const attachment = record("ios/sms-attachments", "/private/var/mobile/Library/SMS/sms.db", {
      rowId: 1,
      isOutgoing: false,
      uti: "com.apple.watchface",
      transferName: `ABCDEFGH\u2013${"x".repeat(30)}`,
      createdAt: at(-100),
    });
    const withAttachment = softwareUpdatePlistDetection.run(
      contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0 }), attachment]),
    );
    expect(withAttachment.findings.map((f) => f.level)).toEqual(["medium"]);
    // A plist change and WebContent traffic a minute apart qualify as an event window; the
    // software update change lies 4 minutes after the window's last event.
    const window = softwareUpdatePlistDetection.run(
      contextOf([
        listing(SOFTWAREUPDATE_PLIST, "file", { m: 300 }),
        pref(STATUSBAR, { m: 0 }),
        usage("com.apple.WebKit.WebContent", { first: 60 }),
      ]),
    );
    expect(window.findings.map((f) => f.level)).toEqual(["medium"]);
    expect(window.findings[0]!.heuristic!.events.map((e) => e.path)).toEqual([
      SOFTWAREUPDATE_PLIST,
      STATUSBAR,
      DATAUSAGE,
    ]);
  });

  it("single timeline events near a change stay low: an update makes them too", () => {
    // The reported case: one nehelper live-usage sample 120 s after the change.
    const helper = softwareUpdatePlistDetection.run(
      contextOf([pref(SOFTWAREUPDATE_PLIST, { m: 0, c: 0 }), usage("nehelper", { live: [120] })]),
    );
    expect(helper.findings.map((f) => f.level)).toEqual(["low"]);
    expect(helper.findings[0]!.heuristic!.events).toHaveLength(1);
    const plist = softwareUpdatePlistDetection.run(
      contextOf([listing(SOFTWAREUPDATE_PLIST, "file", { m: 0 }), pref(STATUSBAR, { m: 100 })]),
    );
    expect(plist.findings.map((f) => f.level)).toEqual(["low"]);
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
