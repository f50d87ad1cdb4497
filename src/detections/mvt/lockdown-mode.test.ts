import { describe, expect, it } from "vitest";
import { globalPreferencesArtifact } from "../../artifacts/ios/global-preferences.js";
import { memorySource } from "../../testing/memory-source.js";
import { collect, contextOf } from "../test-context.js";
import { lockdownModeDetection } from "./lockdown-mode.js";

const PATH = "/private/var/mobile/Library/Preferences/.GlobalPreferences.plist";

async function run(plist: Record<string, string | boolean>) {
  const { records } = await collect(memorySource({ [PATH]: { plist } }), [globalPreferencesArtifact]);
  return lockdownModeDetection.run(contextOf(records)).findings;
}

describe("mvt/lockdown-mode", () => {
  it("enabled: info", async () => {
    expect((await run({ LDMGlobalEnabled: true })).map((f) => f.level)).toEqual(["info"]);
  });
  it("disabled: low", async () => {
    expect((await run({ LDMGlobalEnabled: false })).map((f) => f.level)).toEqual(["low"]);
  });
  it("absent: nothing", async () => {
    expect(await run({ AppleLocale: "en_US" })).toEqual([]);
  });
});
