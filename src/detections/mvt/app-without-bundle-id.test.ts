import { describe, expect, it } from "vitest";
import type { ApplicationRecord } from "../../artifacts/ios/applications.js";
import { contextOf, record } from "../test-context.js";
import { appWithoutBundleIdDetection } from "./app-without-bundle-id.js";

const app = (bundleId: string) =>
  record("ios/applications", "/Info.plist", {
    bundleId,
    name: "Mystery",
    installedFrom: "unknown",
    metadataSource: "bundle-info",
  } satisfies ApplicationRecord);

describe("mvt/app-without-bundle-id", () => {
  it("flags an empty bundle id, not a normal one", () => {
    const { findings } = appWithoutBundleIdDetection.run(
      contextOf([app(""), app("  "), app("com.example.app")]),
    );
    expect(findings).toHaveLength(2);
    expect(findings[0]).toMatchObject({ level: "medium", certainty: "heuristic" });
    expect(findings[0]!.summary).toContain("Mystery");
    expect(findings[0]!.heuristic).toMatchObject({
      condition: "installed app whose bundle identifier (softwareVersionBundleId) is empty",
      events: [{ event: "app_installed", description: "Mystery installed", path: "/Info.plist" }],
    });
  });
});
