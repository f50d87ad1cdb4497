/**
 * An http:// page in Safari redirected within a second to another site: the shape of network
 * injection (a tampered plain-HTTP response sending the browser to an exploit server; MVT SafariHistory).
 */
import { getDomain } from "tldts";
import type { SafariHistoryRecord } from "../../artifacts/ios/safari-history.js";
import type { Finding } from "../../model/finding.js";
import { defineDetection } from "../define.js";
import { evidenceOf, millis } from "../support.js";

const RULE = "mvt/safari-http-redirect";
/** The redirect must come less than this many seconds after the visit, and not before it. */
export const REDIRECT_SECONDS = 1;

function siteOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const host = new URL(url).hostname.toLowerCase();
    return getDomain(host, { allowPrivateDomains: true }) ?? host;
  } catch {
    return undefined;
  }
}

export const safariHttpRedirectDetection = defineDetection({
  id: RULE,
  title: "Plain-HTTP page redirected to another site",
  reads: ["ios/safari-history"],
  run(context) {
    const findings: Finding[] = [];
    for (const r of context.records<SafariHistoryRecord>("ios/safari-history")) {
      const destination = r.data.redirectDestination;
      if (!r.data.url.toLowerCase().startsWith("http://") || destination?.url === undefined) continue;
      const from = siteOf(r.data.url);
      const to = siteOf(destination.url);
      if (from === undefined || to === undefined || from === to) continue;
      const start = millis(r.data.visitedAt);
      const end = millis(destination.visitedAt);
      if (start === undefined || end === undefined) continue;
      // MVT tests `timedelta.seconds == 0`: 0 ≤ gap < 1 s (a negative timedelta has seconds ≈ 86399).
      const gap = end - start;
      if (gap < 0 || gap >= REDIRECT_SECONDS * 1000) continue;
      const finding: Finding = {
        rule: RULE,
        level: "medium",
        certainty: "heuristic",
        summary: `Safari opened the unencrypted page ${r.data.url.slice(0, 100)} and was sent within a second to another site (${to}), which is how network injection attacks deliver exploits.`,
        evidence: [evidenceOf(context, r, { field: "redirectDestination" })],
        heuristic: {
          name: "http redirect to another domain",
          window: {
            start: r.data.visitedAt!,
            end: destination.visitedAt!,
            seconds: gap / 1000,
          },
          events: [
            {
              at: r.data.visitedAt!,
              event: "safari_visit",
              description: `visit ${r.data.url}`,
              artifact: r.artifact,
              path: r.file,
            },
            {
              at: destination.visitedAt!,
              event: "safari_visit",
              description: `redirected to ${destination.url}`,
              artifact: r.artifact,
              path: r.file,
            },
          ],
          parameters: { secondsBelow: REDIRECT_SECONDS, fromSite: from, toSite: to },
        },
        notes: [
          "Many sites redirect http:// to another domain they own (shorteners, login pages); known sites on both ends make this harmless.",
        ],
      };
      if (r.data.visitedAt !== undefined) finding.time = r.data.visitedAt;
      findings.push(finding);
    }
    return { findings, limitations: [] };
  },
});
