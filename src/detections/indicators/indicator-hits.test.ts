import { describe, expect, it } from "vitest";
import type { ArtifactRecord } from "../../artifacts/define.js";
import { buildIndicatorIndex } from "../../indicators/indicator-index.js";
import type { IndicatorEntry, IndicatorType } from "../../indicators/types.js";
import { decideVerdict } from "../../scan/verdict.js";
import { contextOf, record } from "../test-context.js";
import { backupAgentDetection } from "../triangulation/backupagent.js";
import { indicatorHitsDetection, MAX_FINDINGS_PER_INDICATOR } from "./indicator-hits.js";

const SOURCE = "/iocs/test.stix2";
function ioc(type: IndicatorType, value: string, collection = "Test Spyware"): IndicatorEntry {
  return { type, value, collection, source: SOURCE };
}

const INDEX = buildIndicatorIndex([
  ioc("domain-name", "evil.com"),
  ioc("process:name", "BackupAgent", "Operation Triangulation"),
  ioc("process:name", "com.apple.verylongname.daemon"),
  ioc("email-addr", "attacker@example.com"),
  ioc("configuration-profile:id", "76DAB334-7E17-475D-A5D6-0794EB5818A5"),
  ioc("file:path", "/private/var/tmp/UserEventAgent"),
  ioc("file:name", "roleaccountd.plist"),
  ioc("tld", ".xyz"),
]);

const DATAUSAGE = "/private/var/wireless/Library/Databases/DataUsage.sqlite";
const SMS = "/private/var/mobile/Library/SMS/sms.db";
const HISTORY = "/private/var/mobile/Library/Safari/History.db";

function run(records: ArtifactRecord[]) {
  return indicatorHitsDetection.run(contextOf(records, { indicators: INDEX }));
}

const process = (processName: string, rowId = 1) =>
  record("ios/datausage", DATAUSAGE, {
    rowId,
    processName,
    liveUsage: [],
    firstAt: "2022-09-13T10:05:14.000Z",
  });
const sms = (links: string[]) =>
  record("ios/sms", SMS, {
    rowId: 3,
    isFromMe: false,
    links,
    hasAttachments: false,
    text: `private body ${links.join(" ")}`,
  });
const visit = (url: string) =>
  record("ios/safari-history", HISTORY, { rowId: 4, itemId: 4, url, visitedAt: "2023-01-01T00:00:00.000Z" });

describe("indicator hits", () => {
  const cases: {
    name: string;
    records: ArtifactRecord[];
    rule?: string;
    level?: string;
    certainty?: string;
  }[] = [
    {
      name: "process in DataUsage",
      records: [process("BackupAgent")],
      rule: "indicator/process",
      level: "critical",
    },
    { name: "BackupAgent2 does not match", records: [process("BackupAgent2")] },
    {
      name: "15 characters of a long listed name do not match",
      records: [process("com.apple.veryl")],
    },
    {
      name: "a listed name cut at 16 characters, as iOS stores it: one level lower",
      records: [process("com.apple.verylo")],
      rule: "indicator/process",
      level: "high",
    },
    {
      name: "e-mail in the ID status cache",
      records: [
        record("ios/idstatuscache", "/p/idstatuscache.plist", {
          service: "com.apple.madrid",
          user: "mailto:Attacker@Example.com",
        }),
      ],
      rule: "indicator/email",
      level: "critical",
    },
    {
      name: "configuration profile id",
      records: [
        record("ios/configuration-profiles", "/p/profile-1.stub", {
          payloadUuid: "76dab334-7e17-475d-a5d6-0794eb5818a5",
          payloadTypes: [],
          file: "/p/profile-1.stub",
        }),
      ],
      rule: "indicator/profile-id",
      level: "critical",
    },
    {
      name: "file path in the listing",
      records: [
        record("ios/file-listing", "backup", {
          path: "/private/var/tmp/UserEventAgent",
          kind: "file",
          size: 1,
        }),
      ],
      rule: "indicator/path",
      level: "high",
    },
    {
      name: "file name only: one level lower",
      records: [
        record("ios/file-listing", "backup", {
          path: "/private/var/mobile/x/roleaccountd.plist",
          kind: "file",
          size: 1,
        }),
      ],
      rule: "indicator/file-name",
      level: "medium",
    },
    {
      name: "link in an SMS",
      records: [sms(["https://www.evil.com/x"])],
      rule: "indicator/domain",
      level: "high",
    },
    {
      name: "notevil.com does not match",
      records: [sms(["https://notevil.com/x"]), visit("https://evil.com.notevil.com/")],
    },
    {
      name: "Safari visit to the listed domain: high, like any other network hit (MVT: CRITICAL)",
      records: [visit("https://evil.com/a")],
      rule: "indicator/domain",
      level: "high",
    },
    {
      name: "Safari visit to a subdomain (www.) of the listed domain: high",
      records: [visit("https://www.evil.com/a")],
      rule: "indicator/domain",
      level: "high",
    },
    {
      name: "Safari visit under a suspicious TLD: lower and heuristic",
      records: [visit("https://shop.xyz/")],
      rule: "indicator/domain",
      level: "medium",
      certainty: "heuristic",
    },
    {
      name: "suspicious TLD in an SMS: lower and heuristic",
      records: [sms(["https://shop.xyz/"])],
      rule: "indicator/domain",
      level: "medium",
      certainty: "heuristic",
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const { findings } = run(c.records);
      if (c.rule === undefined) {
        expect(findings).toEqual([]);
        return;
      }
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ rule: c.rule, level: c.level, certainty: c.certainty ?? "exact" });
    });

  it("explains the hit: evidence, indicator, time, and no message body", () => {
    const { findings } = run([sms(["https://www.evil.com/x", "https://evil.com/y"])]);
    expect(findings).toHaveLength(1);
    const f = findings[0]!;
    expect(f.indicator).toEqual({
      value: "evil.com",
      type: "domain-name",
      collection: "Test Spyware",
      source: SOURCE,
      reason: "subdomain",
    });
    expect(f.evidence[0]).toMatchObject({
      kind: "ios-backup",
      artifact: "ios/sms",
      path: SMS,
      rowId: 3,
      field: "links[0], links[1]",
    });
    expect(JSON.stringify(f)).not.toContain("private body");
    expect(f.summary).toMatch(/^SMS and iMessage messages contains the link "https:\/\/www\.evil\.com\/x"/);
  });

  it("browser visits carry the 'reading about spyware' note", () => {
    const { findings } = run([visit("https://evil.com/a")]);
    expect(findings[0]!.notes?.[0]).toMatch(/Visiting a listed domain/);
    expect(findings[0]!.time).toBe("2023-01-01T00:00:00.000Z");
    // An exact indicator is enough for "detected"; the note tells the reader what else can explain it.
    expect(decideVerdict({ kind: "ios-backup", findings, limitations: [], statuses: [] }).verdict).toBe(
      "detected",
    );
  });

  it("caps repeats of one indicator and counts the rest", () => {
    const records = Array.from({ length: MAX_FINDINGS_PER_INDICATOR + 5 }, (_, i) =>
      process("BackupAgent", i + 1),
    );
    const { findings } = run(records);
    expect(findings).toHaveLength(MAX_FINDINGS_PER_INDICATOR);
    expect(findings[0]!.notes).toContain(
      `5 more records of this artifact matched this indicator; only the ${MAX_FINDINGS_PER_INDICATOR} strongest (highest level, then earliest) are listed.`,
    );
  });

  it("many browser visits do not crowd out an SMS link to the same domain (the cap is per artifact)", () => {
    const visits = Array.from({ length: MAX_FINDINGS_PER_INDICATOR + 1 }, (_, i) =>
      record("ios/safari-history", HISTORY, {
        rowId: i + 1,
        itemId: i + 1,
        url: "https://evil.com/a",
        visitedAt: "2023-01-01T00:00:00.000Z",
      }),
    );
    const { findings } = run([...visits, sms(["https://evil.com/x"])]);
    const fromSms = findings.filter((f) => f.evidence[0]!.artifact === "ios/sms");
    expect(fromSms).toHaveLength(1);
    expect(fromSms[0]).toMatchObject({ rule: "indicator/domain", level: "high", certainty: "exact" });
    const fromSafari = findings.filter((f) => f.evidence[0]!.artifact === "ios/safari-history");
    expect(fromSafari).toHaveLength(MAX_FINDINGS_PER_INDICATOR);
    expect(fromSafari[0]!.notes?.join(" ")).toMatch(/^.*1 more records of this artifact matched/);
    expect(fromSms[0]!.notes ?? []).not.toContainEqual(expect.stringMatching(/more records/));
    expect(decideVerdict({ kind: "ios-backup", findings, limitations: [], statuses: [] }).verdict).toBe(
      "detected",
    );
  });

  it("within an artifact the cap keeps the strongest, then the earliest", () => {
    // 21 names cut at 16 characters (one level lower), from the latest to the earliest, then the full name.
    const cut = Array.from({ length: MAX_FINDINGS_PER_INDICATOR + 1 }, (_, i) =>
      record("ios/datausage", DATAUSAGE, {
        rowId: i + 1,
        processName: "com.apple.verylo",
        liveUsage: [],
        firstAt: `2022-09-${String(30 - i).padStart(2, "0")}T00:00:00.000Z`,
      }),
    );
    const full = record("ios/datausage", DATAUSAGE, {
      rowId: 99,
      processName: "com.apple.verylongname.daemon",
      liveUsage: [],
      firstAt: "2022-10-01T00:00:00.000Z",
    });
    const { findings } = run([...cut, full]);
    expect(findings).toHaveLength(MAX_FINDINGS_PER_INDICATOR);
    expect(findings.filter((f) => f.level === "critical").map((f) => f.evidence[0]!.rowId)).toEqual([99]);
    // The two latest cut names (rows 1 and 2, 30 and 29 September) are the ones left out.
    const rows = findings.map((f) => f.evidence[0]!.rowId);
    expect(rows).not.toContain(1);
    expect(rows).not.toContain(2);
    expect(findings[0]!.evidence[0]!.rowId).toBe(3);
    expect(findings[0]!.notes).toContainEqual(
      expect.stringMatching(/^2 more records of this artifact matched/),
    );
  });

  it("indicator/process compares the trimmed process part; triangulation/backupagent only the exact string", () => {
    for (const name of ["BackupAgent ", " BackupAgent", "BackupAgent/com.apple.x"]) {
      const records = [process(name)];
      expect(run(records).findings, JSON.stringify(name)).toEqual([
        expect.objectContaining({ rule: "indicator/process", level: "critical", certainty: "exact" }),
      ]);
      expect(backupAgentDetection.run(contextOf(records)).findings, JSON.stringify(name)).toEqual([]);
    }
    for (const name of ["BackupAgent2", "backupagent", "xBackupAgent/com.apple.x"])
      expect(run([process(name)]).findings, name).toEqual([]);
    expect(backupAgentDetection.run(contextOf([process("BackupAgent")])).findings).toHaveLength(1);
  });

  it("does nothing without indicators", () => {
    const result = indicatorHitsDetection.run(contextOf([process("BackupAgent")]));
    expect(result.findings).toEqual([]);
    expect(result.limitations).toEqual([
      expect.objectContaining({ rule: "indicator/hits", important: false }),
    ]);
  });

  it("one finding per indicator value even when several lists carry it", () => {
    const overlapping = buildIndicatorIndex([
      {
        type: "process:name",
        value: "BackupAgent",
        collection: "Operation Triangulation",
        source: "/bundled/triangulation.stix2",
      },
      {
        type: "process:name",
        value: "BackupAgent",
        collection: "OperationTriangulation",
        source: "/downloaded/mvt.stix2",
      },
    ]);
    const { findings } = indicatorHitsDetection.run(
      contextOf([process("BackupAgent")], { indicators: overlapping }),
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]!.notes?.join(" ")).toMatch(
      /Also listed in "OperationTriangulation" \(\/downloaded\/mvt.stix2\)/,
    );
  });
});
