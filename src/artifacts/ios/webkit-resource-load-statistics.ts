/** WebKit Intelligent Tracking Prevention store: `ObservedDomains` of observations.db, with the redirects seen between them. */
import { fromUnixSeconds } from "../../model/time.js";
import { type SqliteDatabase, tableColumns } from "../../sqlite/open.js";
import { defineArtifact, type ParseContext } from "../define.js";
import { asBoolean, asInteger, cappedText, compact, webLocation } from "./_shared/web.js";

/** One registrable domain WebKit saw a resource load from. */
export interface WebkitResourceLoadStatisticsRecord {
  /** `ObservedDomains.domainID`. */
  rowId: number;
  registrableDomain: string;
  lastSeenAt?: string;
  hadUserInteraction?: boolean;
  mostRecentUserInteractionAt?: string;
  mostRecentWebPushInteractionAt?: string;
  isPrevalent?: boolean;
  isVeryPrevalent?: boolean;
  grandfathered?: boolean;
  dataRecordsRemoved?: number;
  /** Domains this one redirected the top frame to. */
  redirectsTo?: string[];
  /** Domains that redirected the top frame to this one. */
  redirectsFrom?: string[];
  /** Top-frame domains under which this one was loaded as a subframe. */
  subframeUnder?: string[];
  /** Top-frame domains under which this one was loaded as a subresource. */
  subresourceUnder?: string[];
  /** App container owning the store (bundle id in backups, UUID in dumps). */
  container?: string;
  /** True for the store of SafariViewService (in-app Safari views) inside an app container. */
  safariViewService?: boolean;
  truncated?: string[];
}

/** Most related domains stored per relation and record. */
const MAX_RELATED = 100;

/** Relation tables: [table, column of this domain, column of the other domain]. */
const RELATIONS = {
  redirectsTo: ["TopFrameUniqueRedirectsTo", "sourceDomainID", "toDomainID"],
  redirectsFrom: ["TopFrameUniqueRedirectsFrom", "targetDomainID", "fromDomainID"],
  subframeUnder: ["SubframeUnderTopFrameDomains", "subFrameDomainID", "topFrameDomainID"],
  subresourceUnder: ["SubresourceUnderTopFrameDomains", "subresourceDomainID", "topFrameDomainID"],
} as const;

type Relation = keyof typeof RELATIONS;

interface DomainRow {
  id: unknown;
  domain: unknown;
  lastSeen: unknown;
  interaction: unknown;
  interactionTime: unknown;
  pushTime: unknown;
  prevalent: unknown;
  veryPrevalent: unknown;
  grandfathered: unknown;
  removed: unknown;
}

function relatedDomains(
  db: SqliteDatabase,
  tables: Map<string, Set<string>>,
  relation: Relation,
): Map<number, string[]> {
  const [table, self, other] = RELATIONS[relation];
  const related = new Map<number, string[]>();
  const columns = tables.get(table.toLowerCase());
  if (columns === undefined || !columns.has(self.toLowerCase()) || !columns.has(other.toLowerCase()))
    return related;
  const rows = db
    .prepare(
      `SELECT r.${self} AS id, o.registrableDomain AS domain FROM ${table} r
       JOIN ObservedDomains o ON o.domainID = r.${other}`,
    )
    .iterate() as IterableIterator<{ id: unknown; domain: unknown }>;
  for (const row of rows) {
    const id = asInteger(row.id);
    const domain = cappedText(row.domain, relation, []);
    if (id === undefined || domain === undefined) continue;
    const list = related.get(id) ?? [];
    if (list.length < MAX_RELATED) list.push(domain);
    related.set(id, list);
  }
  return related;
}

/** Yields one record per observed domain of an observations.db. */
export function* parseResourceLoadStatistics(
  db: SqliteDatabase,
  context: ParseContext,
): Iterable<WebkitResourceLoadStatisticsRecord> {
  const tables = tableColumns(db);
  const observed = tables.get("observeddomains") ?? new Set<string>();
  const optional = (column: string, alias: string): string =>
    observed.has(column.toLowerCase()) ? `${column} AS ${alias}` : `NULL AS ${alias}`;
  const relations = Object.fromEntries(
    (Object.keys(RELATIONS) as Relation[]).map((relation) => [
      relation,
      relatedDomains(db, tables, relation),
    ]),
  ) as Record<Relation, Map<number, string[]>>;
  const { container } = webLocation(context.file.path);
  const safariViewService =
    context.file.path.includes("/SystemData/com.apple.SafariViewService/") || undefined;
  const query = `SELECT domainID AS id, registrableDomain AS domain, lastSeen AS lastSeen,
      ${optional("hadUserInteraction", "interaction")}, ${optional("mostRecentUserInteractionTime", "interactionTime")},
      ${optional("mostRecentWebPushInteractionTime", "pushTime")}, ${optional("isPrevalent", "prevalent")},
      ${optional("isVeryPrevalent", "veryPrevalent")}, ${optional("grandfathered", "grandfathered")},
      ${optional("dataRecordsRemoved", "removed")}
    FROM ObservedDomains ORDER BY domainID`;
  for (const row of db.prepare(query).iterate() as IterableIterator<DomainRow>) {
    const truncated: string[] = [];
    const rowId = asInteger(row.id);
    const registrableDomain = cappedText(row.domain, "registrableDomain", truncated);
    if (rowId === undefined || registrableDomain === undefined || registrableDomain === "") continue;
    yield compact<WebkitResourceLoadStatisticsRecord>({
      rowId,
      registrableDomain,
      lastSeenAt: fromUnixSeconds(row.lastSeen),
      hadUserInteraction: asBoolean(row.interaction),
      mostRecentUserInteractionAt: fromUnixSeconds(row.interactionTime),
      mostRecentWebPushInteractionAt: fromUnixSeconds(row.pushTime),
      isPrevalent: asBoolean(row.prevalent),
      isVeryPrevalent: asBoolean(row.veryPrevalent),
      grandfathered: asBoolean(row.grandfathered),
      dataRecordsRemoved: asInteger(row.removed),
      redirectsTo: relations.redirectsTo.get(rowId),
      redirectsFrom: relations.redirectsFrom.get(rowId),
      subframeUnder: relations.subframeUnder.get(rowId),
      subresourceUnder: relations.subresourceUnder.get(rowId),
      container,
      safariViewService,
      truncated,
    });
  }
}

const STORE = "Library/WebKit/WebsiteData/ResourceLoadStatistics/observations.db";
const SVS = "SystemData/com.apple.SafariViewService/Library/WebKit/WebsiteData";

/** ios/webkit-resource-load-statistics: every site WebKit saw loading resources, per app, with redirects. */
export const webkitResourceLoadStatisticsArtifact = defineArtifact<WebkitResourceLoadStatisticsRecord>({
  id: "ios/webkit-resource-load-statistics",
  title: "WebKit resource load statistics",
  description:
    "Registrable domains that WebKit (Safari, in-app browsers) loaded resources from, with last-seen times and redirects; exploit and infrastructure domains are recorded here even when history is not.",
  sources: ["ios-backup", "fs-dump"],
  paths: [
    `/private/var/mobile/${STORE}`,
    `/private/var/mobile/Containers/Data/Application/*/${STORE}`,
    `/private/var/mobile/Containers/Data/Application/*/${SVS}/observations.db`,
    `/private/var/mobile/Containers/Data/Application/*/${SVS}/ResourceLoadStatistics/observations.db`,
    `/private/var/mobile/Containers/Data/PluginKitPlugin/*/${STORE}`,
    `/private/var/mobile/Containers/Shared/AppGroup/*/${STORE}`,
    `/private/var/containers/Data/System/*/${STORE}`,
  ],
  iosVersions: "iOS 14–18",
  input: {
    kind: "sqlite",
    schema: { ObservedDomains: ["domainID", "registrableDomain", "lastSeen"] },
    parse: parseResourceLoadStatistics,
  },
  observables: (record) => [{ kind: "domain", value: record.registrableDomain, field: "registrableDomain" }],
  events: (record) => {
    const where = record.container === undefined ? "" : ` in ${record.container}`;
    const events = [];
    if (record.lastSeenAt !== undefined)
      events.push({
        at: record.lastSeenAt,
        event: "webkit_domain_seen",
        description: `WebKit loaded resources from ${record.registrableDomain}${where}`,
      });
    if (record.mostRecentUserInteractionAt !== undefined)
      events.push({
        at: record.mostRecentUserInteractionAt,
        event: "webkit_domain_interaction",
        description: `User interacted with ${record.registrableDomain}${where}`,
      });
    return events;
  },
});
