import { describe, expect, it } from "vitest";
import { evaluablePattern, PatternSyntaxError, parseStixPattern } from "./stix-pattern.js";

function alternatives(pattern: string) {
  return evaluablePattern(parseStixPattern(pattern));
}

describe("parseStixPattern", () => {
  it.each([
    ["[domain-name:value = 'evil.com']", [{ path: "domain-name:value", value: "evil.com" }]],
    ["[domain-name:value='evil.com']", [{ path: "domain-name:value", value: "evil.com" }]],
    ["  [ process:name  =  'Backup Agent' ]  ", [{ path: "process:name", value: "Backup Agent" }]],
    // MVT splits on "=": a value containing "=" aborted every file (mvt#906).
    [
      "[url:value = 'https://evil.com/a?b=c&d=e']",
      [{ path: "url:value", value: "https://evil.com/a?b=c&d=e" }],
    ],
    ["[file:name = 'it\\'s']", [{ path: "file:name", value: "it's" }]],
    ["[file:path = 'C:\\\\x']", [{ path: "file:path", value: "C:\\x" }]],
    ["[file:name = ']']", [{ path: "file:name", value: "]" }]],
    ["[file:hashes.'SHA-256' = 'ab']", [{ path: "file:hashes.'SHA-256'", value: "ab" }]],
    ["[file:hashes.sha256 = 'ab']", [{ path: "file:hashes.sha256", value: "ab" }]],
    ["[x509-certificate:hashes.'SHA-1' = 'ab']", [{ path: "x509-certificate:hashes.'SHA-1'", value: "ab" }]],
    [
      "[domain-name:value = 'a.com' OR domain-name:value = 'b.com']",
      [
        { path: "domain-name:value", value: "a.com" },
        { path: "domain-name:value", value: "b.com" },
      ],
    ],
    [
      "[domain-name:value = 'a.com'] OR [ipv4-addr:value = '1.2.3.4']",
      [
        { path: "domain-name:value", value: "a.com" },
        { path: "ipv4-addr:value", value: "1.2.3.4" },
      ],
    ],
    [
      "[(domain-name:value = 'a.com' or (domain-name:value = 'b.com'))]",
      [
        { path: "domain-name:value", value: "a.com" },
        { path: "domain-name:value", value: "b.com" },
      ],
    ],
    [
      "[domain-name:value IN ('a.com', 'b.com')]",
      [
        { path: "domain-name:value", value: "a.com" },
        { path: "domain-name:value", value: "b.com" },
      ],
    ],
    ["[process:name = 'ORACLE']", [{ path: "process:name", value: "ORACLE" }]],
  ])("%s", (pattern, expected) => {
    const result = alternatives(pattern);
    expect(result.alternatives).toEqual(expected);
    expect(result.skipped).toEqual([]);
  });

  it("reports what a single value cannot decide", () => {
    expect(alternatives("[file:name = 'a' AND file:size = 3]").skipped[0]).toMatch(/AND/);
    expect(alternatives("[a:b = 'x'] AND [c:d = 'y']").skipped[0]).toMatch(/AND of observations/);
    expect(alternatives("[a:b = 'x'] FOLLOWEDBY [c:d = 'y']").skipped[0]).toMatch(/FOLLOWEDBY/);
    expect(alternatives("[a:b = 'x'] REPEATS 5 TIMES").skipped[0]).toMatch(/qualifier/);
    expect(alternatives("[a:b = 'x'] WITHIN 60 SECONDS").skipped[0]).toMatch(/qualifier/);
    expect(
      alternatives("[a:b = 'x'] START t'2020-01-01T00:00:00Z' STOP t'2021-01-01T00:00:00Z'").skipped,
    ).toHaveLength(1);
    expect(alternatives("[domain-name:value LIKE '%.evil.com']").skipped[0]).toMatch(/LIKE/);
    expect(alternatives("[domain-name:value NOT = 'a']").skipped[0]).toMatch(/NOT/);
    expect(alternatives("[domain-name:value != 'a']").skipped[0]).toMatch(/!=/);
    expect(alternatives("[file:size = 12]").skipped[0]).toMatch(/non-string/);
    const mixed = alternatives("[domain-name:value = 'a.com'] OR ([a:b = 'x'] AND [c:d = 'y'])");
    expect(mixed.alternatives).toEqual([{ path: "domain-name:value", value: "a.com" }]);
    expect(mixed.skipped).toHaveLength(1);
  });

  it.each([
    ["domain-name:value = 'a'", /expected "\["/],
    ["[domain-name:value = 'a'", /expected "\]"/],
    ["[domain-name:value = 'a]", /unterminated/],
    ["[domain-name:value = 'a\\n']", /invalid escape/],
    ["[domain-name:value 'a']", /operator/],
    ["[= 'a']", /object path/],
    ["[domain-name:value = ]", /expected a value/],
    ["[domain-name:value = 'a'] junk", /unexpected/],
    ["", /expected "\["/],
  ])("rejects %j", (pattern, message) => {
    expect(() => parseStixPattern(pattern)).toThrow(message);
    expect(() => parseStixPattern(pattern)).toThrow(PatternSyntaxError);
  });

  // The timeout is a hang guard for hostile input; speed itself is measured in bench/.
  it("keeps within its budgets", { timeout: 10_000 }, () => {
    const huge = `[domain-name:value = '${"a".repeat(1024 * 1024)}']`;
    expect(() => parseStixPattern(huge)).toThrow(/exceeds/);
    const deep = `${"[".repeat(10)}${"(".repeat(10_000)}`;
    expect(() => parseStixPattern(deep)).toThrow(/expected|nesting/);
    const nested = `[${"(".repeat(1000)}a:b = 'x'${")".repeat(1000)}]`;
    expect(() => parseStixPattern(nested)).toThrow(/nesting deeper/);
    const many = `[${Array.from({ length: 2000 }, () => "a:b = 'x'").join(" OR ")}]`;
    expect(() => parseStixPattern(many)).toThrow(/comparisons/);
  });

  it("never throws anything but PatternSyntaxError on random input", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = "[]()'\\= ANDORabc:.-_1INLIKE";
    for (let i = 0; i < 2000; i++) {
      const text = Array.from({ length: Math.floor(random() * 40) }, () =>
        alphabet.charAt(Math.floor(random() * alphabet.length)),
      ).join("");
      try {
        evaluablePattern(parseStixPattern(text));
      } catch (error) {
        expect(error).toBeInstanceOf(PatternSyntaxError);
      }
    }
  });
});
