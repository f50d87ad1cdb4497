import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../../../formats/bplist-writer.js";
import { openFsDump } from "../../../readers/fs-dump/index.js";
import { buildTar, type TarSpec } from "../../../readers/fs-dump/test-archives.js";
import type { EvidenceSource } from "../../../readers/types.js";
import { corpusPath } from "../../../testing/corpus.js";
import { sqliteImage } from "../../../testing/memory-source.js";
import type { ArtifactDefinition } from "../../define.js";
import { runArtifact } from "../../run.js";
import { applicationsArtifact } from "../applications.js";
import { fileListingArtifact } from "../file-listing.js";
import { idStatusCacheArtifact } from "../idstatuscache.js";
import { keychainAnalyticsArtifact } from "../keychain-analytics.js";
import { netUsageArtifact } from "../netusage.js";
import { osVersionHistoryArtifact } from "../os-version-history.js";
import { preferenceFilesArtifact } from "../preference-files.js";
import { tccArtifact } from "../tcc.js";

// A small file-system dump, written as .tar.gz (the reader keeps the files artifacts read in
// memory while indexing, chosen from the registry's paths), then read through the fs-dump reader.
let work: string;
let dump: EvidenceSource;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "spyglass-batch-a-"));
  const netusage = corpusPath("plaso", "ios", "netusage.sqlite");
  const specs: TarSpec[] = [
    {
      name: "private/var/networkd/db/netusage.sqlite",
      data: netusage === undefined ? sqliteImage("CREATE TABLE x (a);") : readFileSync(netusage),
    },
    {
      name: "private/var/mobile/Library/TCC/TCC.db",
      data: sqliteImage(`CREATE TABLE access (service, client, client_type, auth_value, auth_reason, last_modified);
        INSERT INTO access VALUES ('kTCCServiceMicrophone', '/private/var/db/bh', 1, 2, 4, 1640995200);`),
    },
    {
      name: "private/var/mobile/Library/IdentityServices/idstatuscache.plist",
      data: writeBinaryPlist({
        "com.apple.madrid": { "mailto:x@icloud.com": { LookupDate: 650000000, IDStatus: 1 } },
      }),
    },
    {
      name: "private/var/db/analyticsd/Analytics-Journal-2023-01-01.ips",
      data: '{"os_version":"iPhone OS 15.7 (19H12)","timestamp":"2023-01-01 10:00:00.00 +0000"}\n{}\n',
    },
    {
      name: "private/var/Keychains/Analytics/localkeychain.db",
      data: sqliteImage(`CREATE TABLE all_events (id INTEGER PRIMARY KEY, timestamp REAL, data BLOB);
        INSERT INTO all_events (timestamp, data) VALUES (1672567200, x'${writeBinaryPlist({ eventType: "e" }).toString("hex")}');`),
    },
    {
      name: "private/var/containers/Bundle/Application/AB12/Agent.app/Info.plist",
      data: writeBinaryPlist({ CFBundleIdentifier: "com.evil.agent" }),
    },
    {
      name: "private/var/mobile/Library/Preferences/com.apple.softwareupdateservicesd.plist",
      data: writeBinaryPlist({}),
      mtime: 1_672_567_200,
    },
  ];
  const path = join(work, "dump.tar.gz");
  await writeFile(path, gzipSync(buildTar(specs)));
  dump = await openFsDump(path);
});

afterAll(async () => {
  await dump?.close();
  await rm(work, { recursive: true, force: true });
});

async function records(definition: ArtifactDefinition): Promise<{ data: unknown[]; warnings: unknown[] }> {
  const data: unknown[] = [];
  const status = await runArtifact(dump, definition, (r) => data.push(r.data));
  return { data, warnings: status.warnings };
}

describe("batch A artifacts on a tar.gz file-system dump", () => {
  it("ios/netusage", async () => {
    const { data, warnings } = await records(netUsageArtifact as ArtifactDefinition);
    expect(warnings).toEqual([]);
    if (corpusPath("plaso", "ios", "netusage.sqlite") !== undefined) expect(data).toHaveLength(260);
  });

  it("ios/tcc, ios/idstatuscache, ios/os-version-history, ios/keychain-analytics, ios/applications", async () => {
    expect((await records(tccArtifact as ArtifactDefinition)).data).toMatchObject([
      { client: "/private/var/db/bh", clientType: "absolute_path", authValue: "allowed" },
    ]);
    expect((await records(idStatusCacheArtifact as ArtifactDefinition)).data).toMatchObject([
      { service: "com.apple.madrid", user: "mailto:x@icloud.com", idStatus: 1 },
    ]);
    expect((await records(osVersionHistoryArtifact as ArtifactDefinition)).data).toEqual([
      {
        osVersion: "iPhone OS 15.7 (19H12)",
        version: "15.7",
        build: "19H12",
        at: "2023-01-01T10:00:00.000Z",
      },
    ]);
    expect((await records(keychainAnalyticsArtifact as ArtifactDefinition)).data).toMatchObject([
      { table: "all_events", at: "2023-01-01T10:00:00.000Z", eventType: "e" },
    ]);
    expect((await records(applicationsArtifact as ArtifactDefinition)).data).toMatchObject([
      { bundleId: "com.evil.agent", installedFrom: "unknown", metadataSource: "bundle-info" },
    ]);
  });

  it("ios/preference-files and ios/file-listing take times from the archive", async () => {
    const prefs = await records(preferenceFilesArtifact as ArtifactDefinition);
    expect(prefs.data).toMatchObject([
      {
        path: "/private/var/mobile/Library/Preferences/com.apple.softwareupdateservicesd.plist",
        modifiedAt: "2023-01-01T10:00:00.000Z",
      },
    ]);
    const listing = (await records(fileListingArtifact as ArtifactDefinition)).data as Array<{
      path: string;
    }>;
    expect(listing.map((r) => r.path)).toContain(
      "/private/var/db/analyticsd/Analytics-Journal-2023-01-01.ips",
    );
  });
});
