import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PlistValue } from "../../formats/plist-value.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type GlobalPreferenceRecord, globalPreferencesArtifact } from "./global-preferences.js";

const PATH = "/private/var/mobile/Library/Preferences/.GlobalPreferences.plist";

async function run(file: PlistValue | Buffer) {
  const records: GlobalPreferenceRecord[] = [];
  const source = memorySource({ [PATH]: Buffer.isBuffer(file) ? file : { plist: file } });
  const status = await runArtifact(source, globalPreferencesArtifact, (r) =>
    records.push(r.data as GlobalPreferenceRecord),
  );
  return { records, warnings: status.warnings.map((w) => `${w.code}: ${w.message}`) };
}

describe("ios/global-preferences", () => {
  it("reads Lockdown Mode and locale, nothing else", async () => {
    const { records, warnings } = await run({
      LDMGlobalEnabled: true,
      AppleLanguages: ["en-US", "fr-FR"],
      NSPersonalNoise: "x",
    });
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      { key: "LDMGlobalEnabled", value: "true", enabled: true },
      { key: "AppleLanguages", value: "[en-US, fr-FR]" },
    ]);
    expect(globalPreferencesArtifact.observables(records[0]!)).toEqual([]);
  });

  it("copes with broken input", async () => {
    expect((await run(["x"])).warnings).toEqual([
      "CORRUPT: .GlobalPreferences.plist does not hold a dictionary",
    ]);
    expect((await run(Buffer.from("bplist00"))).warnings[0]).toMatch(/^CORRUPT: /);
    expect((await run({ LDMGlobalEnabled: 1 })).records).toEqual([{ key: "LDMGlobalEnabled", value: "1" }]);
  });

  it("reads the development backup's file (Lockdown Mode off)", async () => {
    const path = corpusPath("backups", "dev-ios16-plain", "0d", "0dc926a1810f7aee4e8f38793ed788701f93bf9d");
    if (path === undefined) return;
    const { records, warnings } = await run(readFileSync(path));
    expect(warnings).toEqual([]);
    expect(records).toEqual([
      { key: "LDMGlobalEnabled", value: "false", enabled: false },
      { key: "AppleLocale", value: "de_DE" },
      { key: "AppleLanguages", value: "[de-DE, en-GB]" },
    ]);
  });
});
