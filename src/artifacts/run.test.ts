import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBinaryPlist } from "../formats/bplist-writer.js";
import { openFsDump } from "../readers/fs-dump/index.js";
import { buildTar, buildZip } from "../readers/fs-dump/test-archives.js";
import type { EvidenceSource } from "../readers/types.js";
import { hashingSource } from "../scan/hashing-source.js";
import type { ArtifactDefinition, ArtifactRecord } from "./define.js";
import { callsArtifact } from "./ios/calls.js";
import { globalPreferencesArtifact } from "./ios/global-preferences.js";
import { shortcutsArtifact } from "./ios/shortcuts.js";
import { smsArtifact } from "./ios/sms.js";
import { tccArtifact } from "./ios/tcc.js";
import { runArtifact } from "./run.js";

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "spyglass-run-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const LIB = "private/var/mobile/Library";
const GP = `${LIB}/Preferences/.GlobalPreferences.plist`;

/** A TCC.db in WAL mode whose second row lives only in its -wal file. */
async function tccWithWal(): Promise<{ db: Buffer; wal: Buffer }> {
  const file = join(await mkdtemp(join(work, "tcc-")), "TCC.db");
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec(`CREATE TABLE access (service TEXT, client TEXT, client_type INTEGER, allowed INTEGER);
      INSERT INTO access VALUES ('kTCCServiceCamera', 'com.example.old', 0, 1);`);
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("INSERT INTO access VALUES ('kTCCServiceMicrophone', 'com.example.new', 0, 1);");
    return { db: await readFile(file), wal: await readFile(`${file}-wal`) };
  } finally {
    db.close();
  }
}

/** Files and links (target as stored) of a dump whose artifacts sit behind links, good and bad. */
async function members(): Promise<Array<{ name: string; data?: Buffer; link?: string }>> {
  const tcc = await tccWithWal();
  const chain = Array.from({ length: 20 }, (_, i) => ({
    name: `${LIB}/s${i}`,
    link: i === 19 ? "real-shortcuts" : `s${i + 1}`,
  }));
  return [
    { name: "private/var/mobile/real/gp.plist", data: writeBinaryPlist({ LDMGlobalEnabled: true }) },
    { name: GP, link: "../../real/gp.plist" },
    { name: "private/var/mobile/realtcc/TCC.db", data: tcc.db },
    { name: "private/var/mobile/realtcc/TCC.db-wal", data: tcc.wal },
    { name: `${LIB}/TCC`, link: "/private/var/mobile/realtcc" },
    // Escapes the dump root: refused when the dump is opened.
    { name: `${LIB}/SMS`, link: "../../../../../outside" },
    { name: `${LIB}/CallHistoryDB`, link: "CallHistoryDB2" },
    { name: `${LIB}/CallHistoryDB2`, link: "CallHistoryDB" },
    { name: `${LIB}/real-shortcuts/Shortcuts.sqlite`, data: Buffer.from("not reached") },
    { name: `${LIB}/Shortcuts`, link: "s0" },
    ...chain,
  ];
}

async function folderDump(): Promise<string> {
  const root = await mkdtemp(join(work, "folder-"));
  const dump = join(root, "dump");
  // What the escaping link points at on the host: it must never be read.
  await mkdir(join(root, "outside"), { recursive: true });
  await writeFile(join(root, "outside", "sms.db"), "host file");
  for (const member of await members()) {
    const path = join(dump, member.name);
    await mkdir(dirname(path), { recursive: true });
    if (member.link === undefined) await writeFile(path, member.data ?? "");
    else await symlink(member.link, path);
  }
  return dump;
}

async function tarDump(): Promise<string> {
  const path = join(work, "links.tar");
  const specs = (await members()).map((m) =>
    m.link === undefined
      ? { name: `./${m.name}`, data: m.data ?? "" }
      : { name: `./${m.name}`, type: "2", linkName: m.link },
  );
  await writeFile(path, buildTar(specs));
  return path;
}

async function zipDump(): Promise<string> {
  const path = join(work, "links.zip");
  const specs = (await members()).map((m) =>
    m.link === undefined
      ? { name: m.name, data: m.data ?? "" }
      : { name: m.name, data: m.link, mode: 0o120777, method: 0 as const },
  );
  await writeFile(path, buildZip(specs));
  return path;
}

async function run(source: EvidenceSource, definition: ArtifactDefinition) {
  const records: ArtifactRecord[] = [];
  const status = await runArtifact(source, definition, (record) => records.push(record));
  return { status, records };
}

const DUMPS = { folder: folderDump, tar: tarDump, zip: zipDump };

describe("locate follows links inside a dump", () => {
  for (const [format, build] of Object.entries(DUMPS)) {
    it(`reads artifacts behind file and folder links; refuses escaping, looping and over-long ones (${format})`, async () => {
      const inner = await openFsDump(await build());
      const { source, reads } = hashingSource(inner);
      try {
        const gp = await run(source, globalPreferencesArtifact);
        expect(gp.status).toMatchObject({ status: "found", files: [`/${GP}`] });
        expect(gp.records).toEqual([
          {
            artifact: "ios/global-preferences",
            file: `/${GP}`,
            origin: expect.stringMatching(/private\/var\/mobile\/real\/gp\.plist$/),
            data: { key: "LDMGlobalEnabled", value: "true", enabled: true },
          },
        ]);

        const tcc = await run(source, tccArtifact);
        expect(tcc.status).toMatchObject({ status: "found", files: [`/${LIB}/TCC/TCC.db`], warnings: [] });
        // The -wal beside the real file is applied: the second row lives only there.
        expect(tcc.records.map((r) => (r.data as { client: string }).client)).toEqual([
          "com.example.old",
          "com.example.new",
        ]);
        expect(tcc.records[0]!.file).toBe(`/${LIB}/TCC/TCC.db`);

        expect(reads.get(`/${GP}`)).toMatchObject({
          target: "/private/var/mobile/real/gp.plist",
          links: [`/${GP} -> ../../real/gp.plist`],
        });
        expect(reads.get(`/${LIB}/TCC/TCC.db`)).toMatchObject({
          target: "/private/var/mobile/realtcc/TCC.db",
          links: [`/${LIB}/TCC -> /private/var/mobile/realtcc`],
        });
        expect(reads.get("/private/var/mobile/realtcc/TCC.db-wal")).toBeDefined();

        for (const definition of [smsArtifact, callsArtifact, shortcutsArtifact])
          expect((await run(source, definition)).status.status).toBe("not_present");
        expect([...reads.values()].some((read) => read.path.includes("sms"))).toBe(false);
        expect(inner.warnings).toContainEqual(
          expect.objectContaining({
            code: "UNSAFE_PATH",
            message: expect.stringMatching(/above the dump root/),
          }),
        );
        const skipped = inner.warnings.find((w) => /not followed: they loop/.test(w.message));
        expect(skipped).toMatchObject({ code: "SKIPPED", count: 2 });
      } finally {
        await source.close();
      }
    });
  }
});

describe("a listed file without data", () => {
  it("is reported in the words of a dump, not of a backup", async () => {
    const path = join(work, "missing.tar");
    await writeFile(
      path,
      buildTar([
        { name: "./private/var/mobile/Library/Preferences/x", data: "x" },
        { name: `./${LIB}/SMS/sms.db`, type: "1", linkName: "./private/var/mobile/gone.db" },
      ]),
    );
    const source = await openFsDump(path);
    try {
      const { status } = await run(source, smsArtifact);
      expect(status.warnings).toEqual([
        {
          code: "MISSING_PAYLOAD",
          message: expect.stringMatching(/^listed in the dump but its data is not there/),
          file: `/${LIB}/SMS/sms.db`,
        },
      ]);
    } finally {
      await source.close();
    }
  });
});
