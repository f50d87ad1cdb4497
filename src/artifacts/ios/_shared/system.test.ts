import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { PlistUid, type PlistValue } from "../../../formats/plist-value.js";
import type { EvidenceEntry } from "../../../readers/types.js";
import { openSqliteImage } from "../../../sqlite/open.js";
import { prng as rng } from "../../../testing/prng.js";
import type { ArtifactDefinition, ParseContext } from "../../define.js";
import { configurationProfilesArtifact } from "../configuration-profiles.js";
import { dataUsageArtifact } from "../datausage.js";
import { globalPreferencesArtifact } from "../global-preferences.js";
import { idStatusCacheArtifact } from "../idstatuscache.js";
import { keychainAnalyticsArtifact } from "../keychain-analytics.js";
import { locationdClientsArtifact } from "../locationd-clients.js";
import { osVersionHistoryArtifact } from "../os-version-history.js";
import { osAnalyticsAdDailyArtifact } from "../osanalytics-addaily.js";
import { profileEventsArtifact } from "../profile-events.js";
import { tccArtifact } from "../tcc.js";
import { asNumber, assignDefined, asText, describePlistValue, MAX_TEXT, TextCap } from "./system.js";

/** Keys the batch's parsers look for, so random trees reach their code paths. */
const KEYS = [
  "netUsageBaseline",
  "ProfileEvents",
  "PayloadUUID",
  "PayloadIdentifier",
  "PayloadDisplayName",
  "PayloadContent",
  "PayloadType",
  "InstallDate",
  "timestamp",
  "operation",
  "process",
  "LookupDate",
  "IDStatus",
  "ValidExpiry",
  "BundleId",
  "BundlePath",
  "Executable",
  "Registered",
  "Authorization",
  "LocationTimeStopped",
  "ConsumptionPeriodBegin",
  "LDMGlobalEnabled",
  "AppleLanguages",
  "mailto:a\0b@c.d",
  "tel:+1",
  "x",
];

function randomValue(next: () => number, depth: number): PlistValue {
  const pick = Math.floor(next() * (depth > 3 ? 9 : 11));
  switch (pick) {
    case 0:
      return KEYS[Math.floor(next() * KEYS.length)]!;
    case 1:
      return Math.floor(next() * 2e9) - 1e9;
    case 2:
      return [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e300, 0.5, 700000000.25][Math.floor(next() * 6)]!;
    case 3:
      return next() < 0.5;
    case 4:
      return null;
    case 5:
      return next() < 0.3 ? new Date(Number.NaN) : new Date(Math.floor(next() * 4e12));
    case 6:
      return new Uint8Array(Math.floor(next() * 8)).map(() => Math.floor(next() * 256));
    case 7:
      return new PlistUid(Math.floor(next() * 10));
    case 8:
      return BigInt(Math.floor(next() * 1e6)) * 10_000_000_000_000n;
    case 9:
      return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
    default: {
      const dict: Record<string, PlistValue> = {};
      const size = Math.floor(next() * 6);
      for (let i = 0; i < size; i++)
        dict[KEYS[Math.floor(next() * KEYS.length)]!] = randomValue(next, depth + 1);
      return dict;
    }
  }
}

const FILE: EvidenceEntry = {
  path: "/private/var/fuzz.plist",
  kind: "file",
  size: 0,
  origin: "",
  present: true,
};
const context: ParseContext = { file: FILE, warn: () => {} };

/** Records must survive a JSON round trip unchanged, and their observables and events must be well-formed. */
function checkRecords(definition: ArtifactDefinition, records: unknown[]): void {
  for (const record of records) {
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    for (const observable of definition.observables(record)) expect(typeof observable.value).toBe("string");
    for (const event of definition.events(record))
      expect(event.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
}

describe("batch A helpers", () => {
  it("coerce hostile values", () => {
    expect(asText("a")).toBe("a");
    expect(asText(5)).toBe("5");
    expect(asText(Number.NaN)).toBeUndefined();
    expect(asText(12n)).toBe("12");
    expect(asText(Buffer.from("hé"))).toBe("hé");
    expect(asText(null)).toBeUndefined();
    expect(asNumber("12.5")).toBe(12.5);
    expect(asNumber(" ")).toBeUndefined();
    expect(asNumber("x")).toBeUndefined();
    expect(asNumber(Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(asNumber(7n)).toBe(7);
    expect(Object.is(asNumber("-0"), 0)).toBe(true);
    const cap = new TextCap();
    expect(cap.cap("a".repeat(MAX_TEXT + 1), "f")).toHaveLength(MAX_TEXT);
    expect(cap.text(Buffer.from("b".repeat(MAX_TEXT + 5)), "f")).toHaveLength(MAX_TEXT);
    expect(cap.text(null, "g")).toBeUndefined();
    expect(cap.finish<{ truncated?: string[] }>({})).toEqual({ truncated: ["f"] });
    expect(new TextCap().finish<{ truncated?: string[] }>({})).toEqual({});
    expect(assignDefined<{ a?: number; b?: string }>({}, { a: 1, b: undefined })).toEqual({ a: 1 });
    expect(describePlistValue({ a: [1, true, new Date(0), new Uint8Array(3), new PlistUid(2), null] })).toBe(
      "{a: [1, true, 1970-01-01T00:00:00.000Z, <3 bytes>, <uid 2>, null]}",
    );
  });
});

describe("batch A parsers on random input (property: no throw, JSON-safe records)", () => {
  const plistArtifacts = [
    osAnalyticsAdDailyArtifact,
    locationdClientsArtifact,
    idStatusCacheArtifact,
    configurationProfilesArtifact,
    profileEventsArtifact,
    globalPreferencesArtifact,
  ] as ArtifactDefinition[];

  for (const definition of plistArtifacts) {
    it(definition.id, () => {
      const next = rng(0x5eed + definition.id.length);
      const input = definition.input;
      if (input.kind !== "plist") throw new Error("plist input expected");
      for (let i = 0; i < 400; i++) {
        const value = randomValue(next, 0);
        // Wrap some values in the shapes the parsers expect, to get past the top-level checks.
        const shaped: PlistValue[] = [
          value,
          { netUsageBaseline: { p: value } },
          { ProfileEvents: [{ id: value }] },
          { svc: { "mailto:x": value } },
          { client: isDict(value) ? value : { v: value } },
        ];
        for (const candidate of shaped) checkRecords(definition, [...input.parse(candidate, context)]);
      }
    });
  }

  it(osVersionHistoryArtifact.id, () => {
    const next = rng(42);
    const input = osVersionHistoryArtifact.input;
    if (input.kind !== "bytes") throw new Error("bytes input expected");
    const valid = Buffer.from(
      '{"os_version":"iPhone OS 16.6 (20G75)","timestamp":"2023-08-01 10:00:00.00 +0200"}\n',
    );
    for (let i = 0; i < 500; i++) {
      const bytes = Buffer.from(valid);
      for (let j = 0; j < 3; j++) bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
      checkRecords(osVersionHistoryArtifact as ArtifactDefinition, [...input.parse(bytes, context)]);
    }
  });

  const sqliteCases: Array<[ArtifactDefinition, string, string[]]> = [
    [
      dataUsageArtifact as ArtifactDefinition,
      `CREATE TABLE ZPROCESS (Z_PK INTEGER PRIMARY KEY, ZFIRSTTIMESTAMP, ZTIMESTAMP, ZBUNDLENAME, ZPROCNAME);
       CREATE TABLE ZLIVEUSAGE (Z_PK INTEGER PRIMARY KEY, ZHASPROCESS, ZTIMESTAMP, ZWIFIIN, ZWIFIOUT, ZWWANIN, ZWWANOUT);
       CREATE TABLE Z_PRIMARYKEY (Z_ENT INTEGER PRIMARY KEY, Z_NAME, Z_SUPER, Z_MAX);`,
      ["ZPROCESS", "ZLIVEUSAGE", "Z_PRIMARYKEY"],
    ],
    [
      tccArtifact as ArtifactDefinition,
      "CREATE TABLE access (service, client, client_type, auth_value, auth_reason, last_modified);",
      ["access"],
    ],
    [
      keychainAnalyticsArtifact as ArtifactDefinition,
      "CREATE TABLE hard_failures (id INTEGER PRIMARY KEY, timestamp, data);",
      ["hard_failures"],
    ],
  ];
  for (const [definition, schema, tables] of sqliteCases) {
    it(definition.id, () => {
      const next = rng(7 + definition.id.length);
      const cell = (): unknown => {
        const pick = Math.floor(next() * 6);
        if (pick === 0) return null;
        if (pick === 1) return Math.floor(next() * 1e9);
        if (pick === 2) return next() * 1e12 - 1e11;
        if (pick === 3) return KEYS[Math.floor(next() * KEYS.length)];
        if (pick === 4)
          return Buffer.from(Array.from({ length: Math.floor(next() * 40) }, () => Math.floor(next() * 256)));
        return Buffer.from("bplist00");
      };
      for (let round = 0; round < 20; round++) {
        const db = new Database(":memory:");
        db.exec(schema);
        for (const table of tables) {
          const columns = (db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).length;
          const insert = db.prepare(`INSERT INTO ${table} VALUES (${Array(columns).fill("?").join(", ")})`);
          for (let row = 0; row < 15; row++) {
            const values = Array.from({ length: columns }, cell);
            values[0] = row + 1 + Math.floor(next() * 3) * 10;
            try {
              insert.run(...values);
            } catch {
              // A duplicate primary key: skip that row.
            }
          }
        }
        const image = db.serialize();
        db.close();
        const opened = openSqliteImage(image).db;
        const input = definition.input;
        if (input.kind !== "sqlite") throw new Error("sqlite input expected");
        checkRecords(definition, [...input.parse(opened, context)]);
        opened.close();
      }
    });
  }
});

function isDict(value: PlistValue): value is Record<string, PlistValue> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && value.constructor === Object;
}
