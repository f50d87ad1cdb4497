/** DataUsage.sqlite: per-process cellular and Wi-Fi byte counters kept by CommCenter (MVT Datausage, triangle_check). */
import { defineArtifact } from "../define.js";
import {
  PROCESS_USAGE_SCHEMA,
  type ProcessUsageRecord,
  parseProcessUsage,
  processUsageEvents,
  processUsageObservables,
} from "./_shared/system.js";

/** One ZPROCESS row (or one group of orphaned ZLIVEUSAGE rows) of DataUsage.sqlite. */
export type DataUsageRecord = ProcessUsageRecord;

/** Per-process network usage from DataUsage.sqlite. */
export const dataUsageArtifact = defineArtifact<DataUsageRecord>({
  id: "ios/datausage",
  title: "Data usage by process",
  description:
    "Every process that used the network with its byte counters; spyware process names (e.g. BackupAgent, bh) and deleted process rows show up here.",
  sources: ["ios-backup", "fs-dump"],
  paths: ["/private/var/wireless/Library/Databases/DataUsage.sqlite"],
  iosVersions: "iOS 12–18",
  input: { kind: "sqlite", schema: PROCESS_USAGE_SCHEMA, parse: parseProcessUsage },
  observables: processUsageObservables,
  events: (record) => processUsageEvents(record, "DataUsage.sqlite"),
});
