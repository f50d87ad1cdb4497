/** netusage.sqlite: networkd's per-process network usage (MVT Netusage); same tables as DataUsage.sqlite. */
import { defineArtifact } from "../define.js";
import {
  PROCESS_USAGE_SCHEMA,
  type ProcessUsageRecord,
  parseProcessUsage,
  processUsageEvents,
  processUsageObservables,
} from "./_shared/system.js";

/** One ZPROCESS row (or one group of orphaned ZLIVEUSAGE rows) of netusage.sqlite. */
export type NetUsageRecord = ProcessUsageRecord;

/** Per-process network usage from networkd's netusage.sqlite (file-system dumps only). */
export const netUsageArtifact = defineArtifact<NetUsageRecord>({
  id: "ios/netusage",
  title: "Network usage by process (networkd)",
  description:
    "networkd's record of every process that used the network, with Wi-Fi, cellular and wired byte counters; spyware process names show up here.",
  sources: ["fs-dump"],
  paths: ["/private/var/networkd/netusage.sqlite", "/private/var/networkd/db/netusage.sqlite"],
  iosVersions: "iOS 14–18",
  input: { kind: "sqlite", schema: PROCESS_USAGE_SCHEMA, parse: parseProcessUsage },
  observables: processUsageObservables,
  events: (record) => processUsageEvents(record, "netusage.sqlite"),
});
