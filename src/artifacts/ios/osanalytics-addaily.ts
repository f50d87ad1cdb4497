/** com.apple.osanalytics.addaily.plist: the daily analytics network-usage baseline per process (MVT OSAnalyticsADDaily, triangle_check). */
import { isPlistDict } from "../../formats/plist-value.js";
import { fromDate } from "../../model/time.js";
import { defineArtifact } from "../define.js";
import { asNumber, assignDefined, TextCap } from "./_shared/system.js";

/**
 * One process of `netUsageBaseline` ({name: [date, wifiIn, wifiOut, wwanIn, wwanOut]}), or, when
 * the key is absent, one record with `baselineMissing` (analytics sharing may be off, so the
 * checks that read this file had nothing to look at).
 */
export interface OsAnalyticsAdDailyRecord {
  processName?: string;
  /** Element [0] of the process's array, a date (UTC). */
  at?: string;
  wifiIn?: number;
  wifiOut?: number;
  wwanIn?: number;
  wwanOut?: number;
  baselineMissing?: true;
  truncated?: string[];
}

const COUNTERS = ["wifiIn", "wifiOut", "wwanIn", "wwanOut"] as const;

/** Per-process network usage baseline of the daily analytics report. */
export const osAnalyticsAdDailyArtifact = defineArtifact<OsAnalyticsAdDailyRecord>({
  id: "ios/osanalytics-addaily",
  title: "Analytics daily network baseline",
  description:
    "The daily analytics baseline of network usage per process; Operation Triangulation's BackupAgent and other spyware process names appear here.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/mobile/Library/Preferences/com.apple.osanalytics.addaily.plist"],
  iosVersions: "iOS 12–18",
  input: {
    kind: "plist",
    *parse(value, context) {
      const baseline = isPlistDict(value) ? value.netUsageBaseline : undefined;
      if (baseline === undefined) {
        yield { baselineMissing: true };
        return;
      }
      if (!isPlistDict(baseline)) {
        context.warn({ code: "CORRUPT", message: "netUsageBaseline is not a dictionary" });
        return;
      }
      for (const [name, entry] of Object.entries(baseline)) {
        const cap = new TextCap();
        const record: OsAnalyticsAdDailyRecord = { processName: cap.cap(name, "processName") };
        if (Array.isArray(entry)) {
          assignDefined(record, { at: fromDate(entry[0]) });
          for (const [i, field] of COUNTERS.entries())
            assignDefined(record, { [field]: asNumber(entry[i + 1]) });
        } else {
          context.warn({
            code: "CORRUPT",
            message: `netUsageBaseline entry of ${record.processName} is not an array`,
          });
        }
        cap.finish(record);
        yield record;
      }
    },
  },
  observables(record) {
    return record.processName === undefined || record.processName === ""
      ? []
      : [{ kind: "process", value: record.processName, field: "processName" }];
  },
  events(record) {
    if (record.at === undefined || record.processName === undefined) return [];
    const counters = COUNTERS.filter((f) => record[f] !== undefined)
      .map((f) => `${f} ${record[f]}`)
      .join(", ");
    return [
      {
        at: record.at,
        event: "net_usage_baseline",
        description: `${record.processName} in the daily analytics network baseline${counters === "" ? "" : `: ${counters}`}`,
      },
    ];
  },
});
