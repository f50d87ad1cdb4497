import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PlistValue } from "../../formats/plist-value.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type LocationdClientRecord, locationdClientsArtifact } from "./locationd-clients.js";

const ROOT = "/private/var/root/Library/Caches/locationd/clients.plist";
const MOBILE = "/private/var/mobile/Library/Caches/locationd/clients.plist";
const HARVEST = "com.apple.locationd.bundle-/System/Library/LocationBundles/IonosphereHarvest.bundle";

async function run(files: Record<string, PlistValue | Buffer>) {
  const records: Array<{ file: string; data: LocationdClientRecord }> = [];
  const source = memorySource(
    Object.fromEntries(Object.entries(files).map(([p, v]) => [p, Buffer.isBuffer(v) ? v : { plist: v }])),
  );
  const status = await runArtifact(source, locationdClientsArtifact, (r) =>
    records.push({ file: r.file, data: r.data as LocationdClientRecord }),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/locationd-clients", () => {
  it("reads each client with its identity and times", async () => {
    const { records, warnings } = await run({
      [ROOT]: {
        [HARVEST]: {
          BundlePath: "/System/Library/LocationBundles/IonosphereHarvest.bundle",
          LocationTimeStopped: 700000000.5,
          SignificantTimeStopped: 0,
          ConsumptionPeriodBegin: 699999000,
          Whitelisted: false,
        },
        "com.apple.Maps": {
          BundleId: "com.apple.Maps",
          Authorization: 2,
          VisitTimeStopped: new Date("2024-01-02T03:04:05Z"),
        },
      },
      [MOBILE]: { "/usr/libexec/evil": { Executable: "/usr/libexec/evil", Registered: "/usr/libexec/evil" } },
    });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      {
        file: ROOT,
        data: {
          client: HARVEST,
          bundlePath: "/System/Library/LocationBundles/IonosphereHarvest.bundle",
          times: {
            LocationTimeStopped: "2023-03-08T20:26:40.500Z",
            ConsumptionPeriodBegin: "2023-03-08T20:10:00.000Z",
          },
        },
      },
      {
        file: ROOT,
        data: {
          client: "com.apple.Maps",
          bundleId: "com.apple.Maps",
          authorization: 2,
          times: { VisitTimeStopped: "2024-01-02T03:04:05.000Z" },
        },
      },
      {
        file: MOBILE,
        data: {
          client: "/usr/libexec/evil",
          executable: "/usr/libexec/evil",
          registered: "/usr/libexec/evil",
          times: {},
        },
      },
    ]);
    const [harvest, maps, evil] = records.map((r) => r.data);
    expect(locationdClientsArtifact.observables(harvest!)).toEqual([
      { kind: "process", value: "IonosphereHarvest.bundle", field: "client" },
      {
        kind: "path",
        value: "/System/Library/LocationBundles/IonosphereHarvest.bundle",
        field: "bundlePath",
      },
    ]);
    expect(locationdClientsArtifact.observables(maps!)).toEqual([
      { kind: "process", value: "com.apple.Maps", field: "client" },
      { kind: "process", value: "com.apple.Maps", field: "bundleId" },
    ]);
    expect(locationdClientsArtifact.observables(evil!)).toEqual([
      { kind: "process", value: "evil", field: "client" },
      { kind: "path", value: "/usr/libexec/evil", field: "executable" },
      { kind: "path", value: "/usr/libexec/evil", field: "registered" },
    ]);
    expect(locationdClientsArtifact.events(harvest!)).toEqual([
      {
        at: "2023-03-08T20:26:40.500Z",
        event: "location_time_stopped",
        description: `locationd client ${HARVEST}: LocationTimeStopped`,
      },
      {
        at: "2023-03-08T20:10:00.000Z",
        event: "consumption_period_begin",
        description: `locationd client ${HARVEST}: ConsumptionPeriodBegin`,
      },
    ]);
  });

  it("copes with broken input", async () => {
    const { records, warnings } = await run({
      [ROOT]: {
        a: "not a dict",
        b: { BundleId: 5, LocationTimeStopped: "soon", FenceTimeStopped: 123456789012345.5 },
      },
      [MOBILE]: Buffer.from("<plist><dict><key>x</key>"),
    });
    expect(records.map((r) => r.data)).toEqual([
      { client: "a", times: {} },
      { client: "b", bundleId: "5", times: {} },
    ]);
    expect(warnings[0]).toBe("CORRUPT: client a is not a dictionary");
    expect(warnings[1]).toMatch(/^CORRUPT: /);
    expect((await run({ [ROOT]: [1, 2] })).warnings).toEqual([
      "CORRUPT: clients.plist does not hold a dictionary",
    ]);
  });

  it("reads the development backup's file", async () => {
    const path = corpusPath("backups", "dev-ios16-plain", "a6", "a690d7769cce8904ca2b67320b107c8fe5f79412");
    if (path === undefined) return;
    const { records, warnings } = await run({ [ROOT]: readFileSync(path) });
    expect(warnings).toEqual([]);
    expect(records.map((r) => r.data)).toEqual([
      {
        client: "com.apple.Maps",
        bundleId: "com.apple.Maps",
        authorization: 2,
        times: { LocationTimeStopped: "2023-08-18T16:00:00.000Z" },
      },
    ]);
  });
});
