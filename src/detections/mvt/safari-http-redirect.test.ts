import { describe, expect, it } from "vitest";
import type { SafariHistoryRecord } from "../../artifacts/ios/safari-history.js";
import { contextOf, record } from "../test-context.js";
import { safariHttpRedirectDetection } from "./safari-http-redirect.js";

const HISTORY = "/private/var/mobile/Library/Safari/History.db";
const T = "2023-01-01T00:00:00.000Z";
const visit = (url: string, to: string, toAt: string) =>
  record("ios/safari-history", HISTORY, {
    rowId: 1,
    itemId: 1,
    url,
    visitedAt: T,
    redirectDestination: { visitId: 2, url: to, visitedAt: toAt },
  } satisfies SafariHistoryRecord);

describe("mvt/safari-http-redirect", () => {
  const cases: [string, string, string, string, number][] = [
    [
      "http to another domain within 0.5 s",
      "http://news.example/",
      "https://exploit.test/x",
      "2023-01-01T00:00:00.500Z",
      1,
    ],
    ["same millisecond (0 ms)", "http://news.example/", "https://exploit.test/x", T, 1],
    ["999 ms later", "http://news.example/", "https://exploit.test/x", "2023-01-01T00:00:00.999Z", 1],
    [
      "exactly 1 s is not under a second",
      "http://news.example/",
      "https://exploit.test/x",
      "2023-01-01T00:00:01.000Z",
      0,
    ],
    [
      "redirect 500 ms before the visit",
      "http://news.example/",
      "https://exploit.test/x",
      "2022-12-31T23:59:59.500Z",
      0,
    ],
    ["2 s later", "http://news.example/", "https://exploit.test/x", "2023-01-01T00:00:02.000Z", 0],
    ["https origin", "https://news.example/", "https://exploit.test/x", T, 0],
    ["same site (www and https upgrade)", "http://news.example/", "https://www.news.example/", T, 0],
    ["look-alike notevil.com vs evil.com is another site", "http://evil.com/", "https://notevil.com/", T, 1],
  ];
  for (const [name, from, to, toAt, count] of cases)
    it(name, () => {
      const { findings } = safariHttpRedirectDetection.run(contextOf([visit(from, to, toAt)]));
      expect(findings).toHaveLength(count);
      for (const f of findings) expect(f).toMatchObject({ level: "medium", certainty: "heuristic" });
    });

  it("a visit without a redirect is ignored", () => {
    const r = record("ios/safari-history", HISTORY, {
      rowId: 1,
      itemId: 1,
      url: "http://a.example/",
      visitedAt: T,
    });
    expect(safariHttpRedirectDetection.run(contextOf([r])).findings).toEqual([]);
  });
});
