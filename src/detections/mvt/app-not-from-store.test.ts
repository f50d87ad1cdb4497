import { describe, expect, it } from "vitest";
import type { ApplicationRecord } from "../../artifacts/ios/applications.js";
import { contextOf, record } from "../test-context.js";
import { appNotFromStoreDetection } from "./app-not-from-store.js";

const app = (sourceApp: string | undefined) => {
  const data: ApplicationRecord = {
    bundleId: "com.example.app",
    installedFrom: "other",
    metadataSource: "itunes-metadata",
  };
  if (sourceApp !== undefined) data.sourceApp = sourceApp;
  return record("ios/applications", "/Info.plist", data);
};

describe("mvt/app-not-from-store", () => {
  const cases: [string | undefined, number][] = [
    ["com.apple.TestFlight", 1],
    ["com.example.marketplace", 1],
    ["com.apple.AppStore", 0],
    ["com.apple.AppStore.ProductPageExtension", 0],
    ["com.apple.dmd", 0],
    ["dmd", 0],
    [undefined, 0],
  ];
  for (const [source, count] of cases)
    it(`sourceApp ${source ?? "absent"}`, () => {
      const { findings } = appNotFromStoreDetection.run(contextOf([app(source)]));
      expect(findings).toHaveLength(count);
      for (const f of findings) {
        expect(f).toMatchObject({ level: "medium", certainty: "heuristic" });
        expect(f.heuristic?.condition).toBe(
          `iTunesMetadata sourceApp "${source}" is none of com.apple.AppStore, com.apple.AppStore.ProductPageExtension, com.apple.dmd, dmd`,
        );
        expect(f.heuristic?.events).toEqual([
          {
            event: "app_installed",
            description: `com.example.app installed by ${source}`,
            artifact: "ios/applications",
            path: "/Info.plist",
          },
        ]);
      }
    });
});
