import { createHash } from "node:crypto";
import {
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { isSpyglassError } from "../../errors.js";
import { writeBinaryPlist } from "../../formats/bplist-writer.js";
import type { EvidenceSource } from "../types.js";
import { detectFsDump, openFsDump } from "./index.js";
import { buildTar, buildZip, type TarSpec, type ZipSpec } from "./test-archives.js";

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "spyglass-fsdump-"));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function writeTemp(name: string, bytes: Buffer): Promise<string> {
  const path = join(work, name);
  await writeFile(path, bytes);
  return path;
}

/** A database in WAL mode whose newest rows live only in the -wal file (read while the writer is open). */
async function walPair(): Promise<{ db: Buffer; wal: Buffer }> {
  const dir = await mkdtemp(join(work, "wal-"));
  const file = join(dir, "store.db");
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("wal_autocheckpoint = 0");
    db.exec("CREATE TABLE apps (id TEXT); INSERT INTO apps VALUES ('com.example.old');");
    db.pragma("wal_checkpoint(TRUNCATE)");
    db.exec("INSERT INTO apps VALUES ('com.example.new1'); INSERT INTO apps VALUES ('com.example.new2');");
    return { db: await readFile(file), wal: await readFile(`${file}-wal`) };
  } finally {
    db.close();
  }
}

const SMS = "private/var/mobile/Library/SMS/sms.db";
const STORE = "private/var/containers/Data/System/ABC/Documents/Persistence/storeSystem.db";

const opened: EvidenceSource[] = [];

afterEach(async () => {
  for (const source of opened.splice(0)) await source.close();
});

async function open(path: string, options?: Parameters<typeof openFsDump>[1]): Promise<EvidenceSource> {
  const source = await openFsDump(path, options);
  opened.push(source);
  return source;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isSpyglassError(error), String(error)).toBe(true);
  expect((error as { code: string }).code).toBe(code);
}

describe("tar dumps", () => {
  it("lists members with device paths, metadata, pax times, GNU long names, links; reads by position", async () => {
    const longName = `private/var/mobile/Library/${"x".repeat(120)}/long.txt`;
    const specs: TarSpec[] = [
      { name: "./", type: "5" },
      { name: "./private/var/mobile/", type: "5", mode: 0o755, uid: 501, gid: 501 },
      { name: `./${SMS}`, data: "sms bytes", mtime: 1_600_000_000, uid: 501, gid: 501, mode: 0o644 },
      {
        name: "./private/var/mobile/Library/pax.txt",
        data: "pax",
        pax: {
          mtime: "1600000000.5",
          ctime: "1600000100",
          atime: "1600000200",
          "LIBARCHIVE.creationtime": "1500000000",
        },
      },
      { name: `./${longName}`, data: "long", gnuLongName: true },
      {
        name: `./private/var/mobile/Library/${"y".repeat(150)}.txt`,
        data: "paxlong",
        pax: { path: `./private/var/mobile/Library/${"y".repeat(150)}.txt` },
      },
      { name: "./private/var/mobile/Library/hard.db", type: "1", linkName: `./${SMS}` },
      { name: "./private/var/mobile/Library/link", type: "2", linkName: "SMS/sms.db" },
      { name: "./var", type: "2", linkName: "private/var" },
      { name: "./System/Library/CoreServices/SystemVersion.plist", data: "<plist/>" },
    ];
    const path = await writeTemp("basic.tar", buildTar(specs));
    const source = await open(path);
    expect(source.kind).toBe("fs-dump");
    const sms = source.get(`/${SMS}`)!;
    expect(sms).toMatchObject({
      kind: "file",
      size: 9,
      uid: 501,
      gid: 501,
      mode: 0o644,
      modifiedAt: "2020-09-13T12:26:40.000Z",
      origin: `./${SMS}`,
      present: true,
    });
    expect((await source.read(sms)).toString()).toBe("sms bytes");
    const pax = source.get("/private/var/mobile/Library/pax.txt")!;
    expect(pax.modifiedAt).toBe("2020-09-13T12:26:40.500Z");
    expect(pax.changedAt).toBe("2020-09-13T12:28:20.000Z");
    expect(pax.birthAt).toBe("2017-07-14T02:40:00.000Z");
    expect(pax.accessedAt).toBe("2020-09-13T12:30:00.000Z");
    expect((await source.read(source.get(`/${longName}`)!)).toString()).toBe("long");
    expect(source.get(`/private/var/mobile/Library/${"y".repeat(150)}.txt`)).toBeDefined();
    const hard = source.get("/private/var/mobile/Library/hard.db")!;
    expect(hard).toMatchObject({ kind: "file", size: 9, linkTarget: `/${SMS}` });
    expect((await source.read(hard)).toString()).toBe("sms bytes");
    const link = source.get("/private/var/mobile/Library/link")!;
    expect(link).toMatchObject({ kind: "symlink", linkTarget: "SMS/sms.db" });
    expect((await source.read(link)).toString()).toBe("sms bytes");
    expect(source.get("/var")).toMatchObject({ kind: "symlink", linkTarget: "private/var" });
    expect(source.get("/System/Library/CoreServices/SystemVersion.plist")).toBeDefined();
    // Parents that the archive does not list are synthesised.
    expect(source.get("/private/var/mobile/Library/SMS")).toMatchObject({ kind: "directory" });
    expect(source.glob("/private/var/mobile/Library/*/sms.db").map((e) => e.path)).toEqual([`/${SMS}`]);
    expect(
      source
        .glob("/private/var/**/*.db")
        .map((e) => e.path)
        .sort(),
    ).toEqual(["/private/var/mobile/Library/hard.db", `/${SMS}`].sort());
    await expectCode(source.read(source.get("/private/var/mobile")!), "UNSUPPORTED");
    await expectCode(source.read(sms, { maxBytes: 4 }), "BUDGET");
    await source.close();
  });

  it("detects a filesystem1/ prefix and a data-partition root (filesystem2/mobile…)", async () => {
    const prefixed = await writeTemp(
      "prefixed.tar",
      buildTar([
        { name: `filesystem1/${SMS}`, data: "a" },
        { name: "filesystem1/private/var/mobile/Library/x", data: "b" },
        { name: "other/readme.txt", data: "c" },
      ]),
    );
    const one = await open(prefixed);
    expect(one.get(`/${SMS}`)).toBeDefined();
    expect(one.warnings).toContainEqual(expect.objectContaining({ code: "SKIPPED", count: 1 }));
    const data = await writeTemp(
      "data.tar",
      buildTar([
        { name: "filesystem2/mobile/Library/SMS/sms.db", data: "a" },
        { name: "filesystem2/wireless/Library/Preferences/com.apple.commcenter.plist", data: "b" },
      ]),
    );
    const two = await open(data);
    expect(two.get(`/${SMS}`)).toBeDefined();
    expect(two.get("/private/var/wireless/Library/Preferences/com.apple.commcenter.plist")).toBeDefined();
    const bareVar = await writeTemp(
      "var.tar",
      buildTar([{ name: "var/mobile/Library/SMS/sms.db", data: "a" }]),
    );
    expect((await open(bareVar)).get(`/${SMS}`)).toBeDefined();
  });

  it("finds the tree under a case folder's parents, five folders deep", async () => {
    const prefix = "./Case 12/Export/iPhone/FFS/Dump";
    const path = await writeTemp(
      "deep.tar",
      buildTar([
        { name: `${prefix}/${SMS}`, data: "sms bytes" },
        { name: `${prefix}/var`, type: "2", linkName: "private/var" },
        { name: "./Case 12/Export/report.html", data: "<html>" },
      ]),
    );
    const source = await open(path);
    expect((await source.read(source.get(`/${SMS}`)!)).toString()).toBe("sms bytes");
    expect(source.get("/var")).toMatchObject({ kind: "symlink" });
    expect(source.warnings).toContainEqual(expect.objectContaining({ code: "SKIPPED", count: 1 }));
  });

  it("refuses ../ members and escaping links with counted UNSAFE_PATH warnings, and never reads the host", async () => {
    const path = await writeTemp(
      "evil.tar",
      buildTar([
        { name: `./${SMS}`, data: "ok" },
        { name: "../../etc/passwd", data: "root:x:0:0" },
        { name: "./private/var/../../../etc/shadow", data: "x" },
        { name: "./private/var/mobile/escape", type: "2", linkName: "../../../../../../../etc/passwd" },
        { name: "./private/var/mobile/abs", type: "2", linkName: "/etc/passwd" },
        { name: "./private/var/mobile/hard", type: "1", linkName: "../../etc/passwd" },
      ]),
    );
    const source = await open(path);
    const paths = [...source.entries()].map((e) => e.path);
    expect(paths.some((p) => p.includes("passwd") && p !== "/private/var/mobile/abs")).toBe(false);
    expect(paths).not.toContain("/private/var/mobile/escape");
    const unsafe = source.warnings.filter((w) => w.code === "UNSAFE_PATH");
    expect(unsafe.reduce((n, w) => n + (w.count ?? 1), 0)).toBe(4);
    // Each reason keeps its own count and its own first example.
    expect(unsafe.map((w) => [w.count, w.message, w.file])).toEqual([
      [
        2,
        "2 member(s) with '..' in their path refused (they would escape the dump root)",
        "../../etc/passwd",
      ],
      [
        1,
        "1 symlink(s) pointing above the dump root refused",
        "./private/var/mobile/escape -> ../../../../../../../etc/passwd",
      ],
      [
        1,
        "1 hard link(s) to a member outside the dump root refused",
        "./private/var/mobile/hard -> ../../etc/passwd",
      ],
    ]);
    // An absolute link is a device path: it resolves inside the dump (which has no /etc/passwd), never on the host.
    const abs = source.get("/private/var/mobile/abs")!;
    expect(abs.linkTarget).toBe("/etc/passwd");
    await expectCode(source.read(abs), "NOT_FOUND");
  });

  it("follows links through linked folders, and gives up on loops", async () => {
    const path = await writeTemp(
      "links.tar",
      buildTar([
        { name: `./${SMS}`, data: "sms bytes" },
        { name: "./private/var/mobile/L", type: "2", linkName: "Library" },
        { name: "./private/var/mobile/via", type: "2", linkName: "L/SMS/sms.db" },
        { name: "./private/var/mobile/abs", type: "2", linkName: "/var/mobile/via" },
        { name: "./var", type: "2", linkName: "private/var" },
        { name: "./private/var/mobile/loop1", type: "2", linkName: "loop2" },
        { name: "./private/var/mobile/loop2", type: "2", linkName: "loop1" },
      ]),
    );
    const source = await open(path);
    expect((await source.read(source.get("/private/var/mobile/via")!)).toString()).toBe("sms bytes");
    expect((await source.read(source.get("/private/var/mobile/abs")!)).toString()).toBe("sms bytes");
    await expectCode(source.read(source.get("/private/var/mobile/loop1")!), "NOT_FOUND");
    await expectCode(source.read(source.get("/private/var/mobile/L")!), "UNSUPPORTED");
  });

  it("keeps the last of duplicate members, as extracting the tar would, with a counted warning", async () => {
    const path = await writeTemp(
      "duplicates.tar",
      buildTar([
        { name: `./${SMS}`, data: "first", mtime: 1_600_000_000 },
        { name: "./private/var/mobile/hard", type: "1", linkName: `./${SMS}` },
        { name: "./private/var/mobile/hard", data: "own bytes" },
        { name: `./${SMS}`, data: "second!", mtime: 1_700_000_000 },
      ]),
    );
    const source = await open(path);
    const sms = source.get(`/${SMS}`)!;
    expect(sms).toMatchObject({ size: 7, modifiedAt: "2023-11-14T22:13:20.000Z" });
    expect((await source.read(sms)).toString()).toBe("second!");
    // The hard link was overwritten by a plain file before the links were resolved.
    expect((await source.read(source.get("/private/var/mobile/hard")!)).toString()).toBe("own bytes");
    expect([...source.entries()].filter((e) => e.path === `/${SMS}`)).toHaveLength(1);
    expect(source.warnings).toContainEqual(
      expect.objectContaining({
        code: "SKIPPED",
        count: 2,
        message: expect.stringMatching(/last one is kept/),
      }),
    );
  });

  it("keeps the members before a truncation and marks the cut one absent", async () => {
    const full = buildTar([
      { name: `./${SMS}`, data: "first" },
      { name: "./private/var/mobile/big.bin", data: Buffer.alloc(5000, 7) },
    ]);
    const path = await writeTemp("truncated.tar", full.subarray(0, 512 * 3 + 100));
    const source = await open(path);
    expect((await source.read(source.get(`/${SMS}`)!)).toString()).toBe("first");
    expect(source.get("/private/var/mobile/big.bin")!.present).toBe(false);
    expect(source.warnings).toContainEqual(expect.objectContaining({ code: "CORRUPT" }));
    const headerCut = await writeTemp("cut-header.tar", full.subarray(0, 512 * 2 + 200));
    const cut = await open(headerCut);
    expect(cut.get(`/${SMS}`)).toBeDefined();
    expect(cut.warnings.some((w) => w.code === "CORRUPT" && /truncated/.test(w.message))).toBe(true);
  });

  it("rejects garbage that is not a dump", async () => {
    await expectCode(
      open(await writeTemp("garbage.bin", Buffer.from("hello world, not an archive"))),
      "UNSUPPORTED",
    );
    await expectCode(open(join(work, "missing.tar")), "NOT_FOUND");
    await expectCode(
      open(await writeTemp("not-ios.tar", buildTar([{ name: "home/user/notes.txt", data: "x" }]))),
      "UNSUPPORTED",
    );
  });

  it("stops at the entry budget with a warning", async () => {
    const specs = Array.from({ length: 20 }, (_, i) => ({ name: `./private/var/mobile/f${i}`, data: "x" }));
    const source = await open(await writeTemp("many.tar", buildTar(specs)), { budget: { maxEntries: 10 } });
    expect([...source.entries()].filter((e) => e.kind === "file")).toHaveLength(10);
    expect(source.warnings).toContainEqual(expect.objectContaining({ code: "BUDGET" }));
  });

  it("lists sparse members without data, with a warning", async () => {
    const path = await writeTemp(
      "sparse.tar",
      buildTar([
        { name: `./${SMS}`, data: "a" },
        {
          name: "./private/var/mobile/sparse",
          data: "zz",
          pax: { "GNU.sparse.major": "1", "GNU.sparse.minor": "0" },
        },
      ]),
    );
    const source = await open(path);
    expect(source.get("/private/var/mobile/sparse")!.present).toBe(false);
    expect(source.warnings).toContainEqual(expect.objectContaining({ code: "SKIPPED", count: 1 }));
  });
});

describe("tar.gz dumps", () => {
  it("keeps retained members in memory and re-streams the others", async () => {
    const specs: TarSpec[] = [
      { name: `filesystem1/${SMS}`, data: "kept" },
      { name: "filesystem1/private/var/mobile/Library/other.bin", data: Buffer.alloc(100_000, 3) },
      { name: "filesystem1/private/var/mobile/Library/last.txt", data: "last" },
    ];
    const path = await writeTemp("dump.tar.gz", gzipSync(buildTar(specs)));
    const retained: string[] = [];
    const source = await open(path, {
      retain: (p) => {
        retained.push(p);
        return p === `/${SMS}`;
      },
    });
    expect(retained).toContain(`/${SMS}`);
    expect((await source.read(source.get(`/${SMS}`)!)).toString()).toBe("kept");
    expect((await source.read(source.get("/private/var/mobile/Library/last.txt")!)).toString()).toBe("last");
    expect(
      (await source.read(source.get("/private/var/mobile/Library/other.bin")!)).equals(
        Buffer.alloc(100_000, 3),
      ),
    ).toBe(true);
  });

  it("notes wanted files that do not fit the in-memory budget, and still reads them", async () => {
    const tar = buildTar([
      { name: `./${SMS}`, data: Buffer.alloc(5000, 1) },
      { name: "./private/var/mobile/b.db", data: Buffer.alloc(5000, 2) },
    ]);
    const source = await open(await writeTemp("retain-budget.tgz", gzipSync(tar)), {
      retain: () => true,
      budget: { maxRetainedBytes: 6000 },
    });
    // Nothing is lost (the file is read by re-streaming), so this is a note rather than a BUDGET warning.
    expect(source.warnings).toContainEqual(expect.objectContaining({ code: "OTHER", count: 1 }));
    expect((await source.read(source.get("/private/var/mobile/b.db")!)).equals(Buffer.alloc(5000, 2))).toBe(
      true,
    );
  });

  it("serves concurrent and out-of-order reads of streamed members correctly", async () => {
    const specs: TarSpec[] = Array.from({ length: 12 }, (_, i) => ({
      name: `./private/var/mobile/f${i}`,
      data: Buffer.alloc(10_000 + i, i),
    }));
    const source = await open(await writeTemp("order.tgz", gzipSync(buildTar(specs))), {
      retain: () => false,
    });
    const order = [5, 1, 11, 0, 7, 7, 3, 10, 2, 9, 4, 6, 8];
    const reads = await Promise.all(order.map((i) => source.read(source.get(`/private/var/mobile/f${i}`)!)));
    reads.forEach((bytes, k) => {
      const i = order[k]!;
      expect(bytes.equals(Buffer.alloc(10_000 + i, i)), `f${i}`).toBe(true);
    });
    for (const i of [0, 1, 2, 3])
      expect((await source.read(source.get(`/private/var/mobile/f${i}`)!)).length).toBe(10_000 + i);
  });

  it("keeps what came before a truncated gzip stream", async () => {
    const gz = gzipSync(
      buildTar([
        { name: `./${SMS}`, data: "first" },
        {
          name: "./private/var/mobile/noise.bin",
          data: Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7919) % 251)),
        },
      ]),
    );
    const source = await open(await writeTemp("cut.tgz", gz.subarray(0, Math.floor(gz.length / 2))), {
      retain: () => true,
    });
    expect((await source.read(source.get(`/${SMS}`)!)).toString()).toBe("first");
    expect(source.warnings.some((w) => w.code === "CORRUPT")).toBe(true);
  });
});

describe("zip dumps", () => {
  const files: ZipSpec[] = [
    { name: "/private/var/mobile/", mode: 0o040755 },
    { name: `/${SMS}`, data: "sms bytes", mode: 0o100644, unixTimes: { mtime: 1_600_000_000 } },
    {
      name: "/private/var/mobile/stored.txt",
      data: "stored",
      method: 0,
      ntfs: { mtime: 1_600_000_000, atime: 1_600_000_100, crtime: 1_500_000_000 },
    },
    { name: "/private/var/mobile/dos.txt", data: "dos time" },
    { name: "/private/var/mobile/link", data: "Library/SMS/sms.db", mode: 0o120777, method: 0 },
  ];

  for (const zip64 of [false, true]) {
    it(`lists and reads members (${zip64 ? "ZIP64" : "classic"} records)`, async () => {
      const source = await open(await writeTemp(`basic${zip64 ? "64" : ""}.zip`, buildZip(files, { zip64 })));
      const sms = source.get(`/${SMS}`)!;
      expect(sms).toMatchObject({
        kind: "file",
        size: 9,
        mode: 0o644,
        modifiedAt: "2020-09-13T12:26:40.000Z",
      });
      expect((await source.read(sms)).toString()).toBe("sms bytes");
      const stored = source.get("/private/var/mobile/stored.txt")!;
      expect(stored).toMatchObject({
        modifiedAt: "2020-09-13T12:26:40.000Z",
        accessedAt: "2020-09-13T12:28:20.000Z",
        birthAt: "2017-07-14T02:40:00.000Z",
      });
      expect((await source.read(stored)).toString()).toBe("stored");
      // DOS time has no zone: read as UTC.
      expect(source.get("/private/var/mobile/dos.txt")!.modifiedAt).toBe("2023-01-08T12:00:00.000Z");
      expect(source.get("/private/var/mobile")).toMatchObject({ kind: "directory", mode: 0o755 });
      const link = source.get("/private/var/mobile/link")!;
      expect(link).toMatchObject({ kind: "symlink", linkTarget: "Library/SMS/sms.db" });
      expect((await source.read(link)).toString()).toBe("sms bytes");
      await source.close();
    });
  }

  it("keeps the last of duplicate members, as unzip -o and Python's zipfile would", async () => {
    const source = await open(
      await writeTemp(
        "duplicates.zip",
        buildZip([
          { name: `/${SMS}`, data: "first" },
          { name: `/${SMS}`, data: "second!" },
        ]),
      ),
    );
    expect((await source.read(source.get(`/${SMS}`)!)).toString()).toBe("second!");
    expect(source.warnings).toContainEqual(
      expect.objectContaining({ code: "SKIPPED", message: expect.stringMatching(/last one is kept/) }),
    );
  });

  it("handles data prepended to the archive", async () => {
    const source = await open(
      await writeTemp("sfx.zip", buildZip(files, { prepend: Buffer.alloc(1000, 0x90) })),
    );
    expect((await source.read(source.get(`/${SMS}`)!)).toString()).toBe("sms bytes");
  });

  it("refuses a zip bomb by ratio, and one that lies about its size stops inflating", async () => {
    const zeros = Buffer.alloc(64 * 1024 * 1024);
    const bomb = await writeTemp("bomb.zip", buildZip([{ name: `/${SMS}`, data: zeros }]));
    const source = await open(bomb);
    await expectCode(source.read(source.get(`/${SMS}`)!), "BUDGET");
    const liar = await writeTemp(
      "liar.zip",
      buildZip([{ name: `/${SMS}`, data: Buffer.alloc(4 * 1024 * 1024), declaredSize: 10_000 }]),
    );
    const lying = await open(liar);
    expect(lying.get(`/${SMS}`)!.size).toBe(10_000);
    const error = await lying.read(lying.get(`/${SMS}`)!).catch((e: unknown) => e);
    expect(isSpyglassError(error, "CORRUPT")).toBe(true);
    expect((error as Error).message).toMatch(/beyond its declared/);
  });

  it("refuses a central directory that claims 10 million entries", async () => {
    const claim = await writeTemp(
      "claim.zip",
      buildZip([{ name: `/${SMS}`, data: "x" }], { claimEntries: 10_000_000, zip64: true }),
    );
    await expectCode(open(claim), "BUDGET");
    const small = await writeTemp(
      "claim-small.zip",
      buildZip([{ name: `/${SMS}`, data: "x" }], { claimEntries: 60_000 }),
    );
    await expectCode(open(small), "CORRUPT");
  });

  it("rejects truncated and garbage zips", async () => {
    const whole = buildZip(files);
    await expectCode(open(await writeTemp("trunc.zip", whole.subarray(0, whole.length - 30))), "CORRUPT");
    const garbage = Buffer.concat([Buffer.from("PK\x03\x04"), Buffer.alloc(200, 0x41)]);
    await expectCode(open(await writeTemp("garbage.zip", garbage)), "CORRUPT");
    // A sound directory pointing at a mangled member: listing works, reading fails cleanly.
    const mangled = Buffer.from(whole);
    mangled.fill(0x41, 40, 60);
    const source = await open(await writeTemp("mangled.zip", mangled));
    const error = await source.read(source.get(`/${SMS}`)!).catch((e: unknown) => e);
    expect(isSpyglassError(error, "CORRUPT")).toBe(true);
  });

  it("lists encrypted members but refuses to read them; notes DOS times", async () => {
    const zip = buildZip([{ name: `/${SMS}`, data: "secret" }]);
    zip.writeUInt16LE(zip.readUInt16LE(6) | 1, 6);
    const central = zip.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt16LE(zip.readUInt16LE(central + 8) | 1, central + 8);
    const source = await open(await writeTemp("encrypted.zip", zip));
    expect(source.warnings).toContainEqual(expect.objectContaining({ code: "SKIPPED", count: 1 }));
    expect(source.warnings).toContainEqual(
      expect.objectContaining({ code: "OTHER", message: expect.stringMatching(/MS-DOS/) }),
    );
    await expectCode(source.read(source.get(`/${SMS}`)!), "UNSUPPORTED");
  });

  it("refuses split archives", async () => {
    const zip = buildZip([{ name: `/${SMS}`, data: "x" }]);
    zip.writeUInt16LE(2, zip.length - 22 + 4);
    await expectCode(open(await writeTemp("split.zip", zip)), "UNSUPPORTED");
  });

  it("names compressions it does not read", async () => {
    await expectCode(open(await writeTemp("dump.tar.bz2", Buffer.from("BZh91AY&SY"))), "UNSUPPORTED");
  });

  it("reports a CRC mismatch as a warning", async () => {
    const zip = buildZip([{ name: `/${SMS}`, data: "abcdef", method: 0 }]);
    const at = zip.indexOf("abcdef");
    zip.write("abcdeX", at);
    const source = await open(await writeTemp("crc.zip", zip));
    expect((await source.read(source.get(`/${SMS}`)!)).toString()).toBe("abcdeX");
    expect(source.warnings).toContainEqual(
      expect.objectContaining({ code: "CORRUPT", message: expect.stringMatching(/CRC/) }),
    );
  });
});

describe("openDatabase applies the -wal sidecar", () => {
  it("in tar, tar.gz, zip and folder dumps", async () => {
    const { db, wal } = await walPair();
    const tar = buildTar([
      { name: `./${STORE}`, data: db },
      { name: `./${STORE}-wal`, data: wal },
    ]);
    const zip = buildZip([
      { name: `/${STORE}`, data: db },
      { name: `/${STORE}-wal`, data: wal },
    ]);
    const folder = join(work, "wal-folder");
    await mkdir(join(folder, STORE, ".."), { recursive: true });
    await writeFile(join(folder, STORE), db);
    await writeFile(join(folder, `${STORE}-wal`), wal);
    const inputs = [
      await writeTemp("wal.tar", tar),
      await writeTemp("wal.tgz", gzipSync(tar)),
      await writeTemp("wal.zip", zip),
      folder,
    ];
    for (const input of inputs) {
      const source = await open(input, { retain: () => false });
      const opened = await source.openDatabase(source.get(`/${STORE}`)!);
      const rows = opened.db.prepare("SELECT id FROM apps ORDER BY rowid").all() as Array<{ id: string }>;
      expect(
        rows.map((r) => r.id),
        input,
      ).toEqual(["com.example.old", "com.example.new1", "com.example.new2"]);
      expect(opened.walFramesApplied).toBeGreaterThan(0);
      opened.db.close();
      await source.close();
    }
  });
});

async function treeFingerprint(root: string): Promise<string> {
  const hash = createHash("sha256");
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const info = await lstat(path);
      hash.update(`${path}\0${info.mode}\0${info.size}\0${info.mtimeMs}\n`);
      if (info.isSymbolicLink()) hash.update(await readlink(path));
      else if (info.isDirectory()) await walk(path);
      else hash.update(await readFile(path));
    }
  };
  await walk(root);
  return hash.digest("hex");
}

describe("folder dumps", () => {
  it("walks with lstat, maps paths, reports links, never follows them out of the folder", async () => {
    const root = join(work, "evidence");
    const dump = join(root, "filesystem1");
    await mkdir(join(dump, "private/var/mobile/Library/SMS"), { recursive: true });
    await writeFile(join(dump, SMS), "sms bytes");
    await utimes(join(dump, SMS), 1_600_000_000, 1_600_000_000);
    await writeFile(join(root, "secret.txt"), "outside");
    await mkdir(join(root, "reports"), { recursive: true });
    await writeFile(join(root, "reports/summary.txt"), "a tool's report beside the dump");
    await symlink("/etc/passwd", join(dump, "private/var/mobile/abs"));
    await symlink("../../../../../secret.txt", join(dump, "private/var/mobile/escape"));
    await symlink("Library/SMS/sms.db", join(dump, "private/var/mobile/inside"));
    await symlink(join(root, "secret.txt"), join(dump, "private/var/mobile/host-abs"));
    const before = await treeFingerprint(root);

    expect(await detectFsDump(root)).toBe(true);
    const source = await open(root);
    const sms = source.get(`/${SMS}`)!;
    expect(sms).toMatchObject({
      kind: "file",
      size: 9,
      modifiedAt: "2020-09-13T12:26:40.000Z",
      origin: `filesystem1/${SMS}`,
    });
    expect((await source.read(sms)).toString()).toBe("sms bytes");
    expect((await source.read(source.get("/private/var/mobile/inside")!)).toString()).toBe("sms bytes");
    // The sibling folder is not walked at all (no "outside the dump root" warning for it).
    expect(source.warnings.filter((w) => w.code === "SKIPPED")).toEqual([]);
    expect(source.get("/private/var/mobile/escape")).toBeUndefined();
    expect(source.warnings).toContainEqual(expect.objectContaining({ code: "UNSAFE_PATH" }));
    for (const link of ["/private/var/mobile/abs", "/private/var/mobile/host-abs"]) {
      const entry = source.get(link)!;
      expect(entry.kind).toBe("symlink");
      await expectCode(source.read(entry), "NOT_FOUND");
    }
    await source.openDatabase(sms).then(
      (opened) => opened.db.close(),
      () => undefined,
    );
    await source.close();
    expect(await treeFingerprint(root)).toBe(before);
  });

  it("accepts a folder that is the data partition itself", async () => {
    const root = await mkdtemp(join(work, "data-partition-"));
    await mkdir(join(root, "mobile/Library/SMS"), { recursive: true });
    await mkdir(join(root, "wireless/Library"), { recursive: true });
    await writeFile(join(root, "mobile/Library/SMS/sms.db"), "x");
    expect(await detectFsDump(root)).toBe(true);
    const source = await open(root);
    expect(source.get(`/${SMS}`)).toMatchObject({ origin: "mobile/Library/SMS/sms.db" });
    expect(source.get("/private/var/wireless/Library")?.kind).toBe("directory");
  });

  it("leaves archives untouched and writes nothing beside them", async () => {
    const dir = await mkdtemp(join(work, "untouched-"));
    const { db, wal } = await walPair();
    await writeFile(
      join(dir, "d.tar"),
      buildTar([
        { name: `./${STORE}`, data: db },
        { name: `./${STORE}-wal`, data: wal },
      ]),
    );
    await writeFile(
      join(dir, "d.zip"),
      buildZip([
        { name: `/${STORE}`, data: db },
        { name: `/${STORE}-wal`, data: wal },
      ]),
    );
    await writeFile(join(dir, "d.tgz"), gzipSync(await readFile(join(dir, "d.tar"))));
    const before = await treeFingerprint(dir);
    for (const name of ["d.tar", "d.zip", "d.tgz"]) {
      const source = await open(join(dir, name));
      for (const entry of source.entries()) if (entry.kind === "file") await source.read(entry);
      (await source.openDatabase(source.get(`/${STORE}`)!)).db.close();
      await source.close();
    }
    expect(await treeFingerprint(dir)).toBe(before);
  });
});

describe("detectFsDump", () => {
  it("recognises dumps by layout and magic bytes, and turns down everything else", async () => {
    const tar = buildTar([{ name: `./${SMS}`, data: "a" }]);
    expect(await detectFsDump(await writeTemp("detect.tar", tar))).toBe(true);
    expect(await detectFsDump(await writeTemp("detect.tgz", gzipSync(tar)))).toBe(true);
    expect(
      await detectFsDump(
        await writeTemp("detect.zip", buildZip([{ name: `filesystem2/${SMS}`, data: "a" }])),
      ),
    ).toBe(true);
    const sysdiagnose = buildTar([
      { name: "sysdiagnose_2024.01.01_iPhone/logs/MobileInstallation/mobile_installation.log.0", data: "x" },
      { name: "sysdiagnose_2024.01.01_iPhone/ps.txt", data: "x" },
    ]);
    expect(await detectFsDump(await writeTemp("sysdiagnose.tar.gz", gzipSync(sysdiagnose)))).toBe(false);
    expect(await detectFsDump(await writeTemp("text.txt", Buffer.from("plain text")))).toBe(false);
    expect(await detectFsDump(join(work, "nope"))).toBe(false);
    const empty = await mkdtemp(join(work, "empty-"));
    expect(await detectFsDump(empty)).toBe(false);
  });
});

describe("budgets and hostile archives", () => {
  it("stops indexing at the declared-size and time budgets", async () => {
    const specs = Array.from({ length: 2_100 }, (_, i) => ({
      name: `./private/var/mobile/f${i}`,
      data: "xx",
    }));
    const tar = await writeTemp("budget.tar", buildTar(specs));
    const bySize = await open(tar, { budget: { maxTotalBytes: 100 } });
    expect([...bySize.entries()].filter((e) => e.kind === "file").length).toBe(50);
    expect(bySize.warnings).toContainEqual(
      expect.objectContaining({ code: "BUDGET", message: expect.stringMatching(/declared sizes/) }),
    );
    const byTime = await open(tar, { budget: { maxIndexMillis: -1 } });
    expect([...byTime.entries()].filter((e) => e.kind === "file").length).toBe(1_023);
    expect(byTime.warnings).toContainEqual(
      expect.objectContaining({ code: "BUDGET", message: expect.stringMatching(/longer than/) }),
    );
  });

  it("opens or refuses mutated tar and zip archives with coded errors only (fuzz)", async () => {
    const { db } = await walPair();
    const tar = buildTar([
      { name: `./${SMS}`, data: db },
      { name: "./private/var/mobile/link", type: "2", linkName: "Library/SMS/sms.db" },
      { name: "./private/var/mobile/hard", type: "1", linkName: `./${SMS}` },
    ]);
    const zip = buildZip([
      { name: `/${SMS}`, data: db },
      { name: "/private/var/mobile/link", data: "Library/SMS/sms.db", mode: 0o120777 },
      { name: "/private/var/mobile/t.txt", data: "text", unixTimes: { mtime: 5 } },
    ]);
    let seed = 1234;
    const random = (): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 300; round++) {
      const base = round % 3 === 0 ? tar : round % 3 === 1 ? zip : gzipSync(tar);
      const bytes = Buffer.from(base);
      for (let i = 0; i < 1 + Math.floor(random() * 10); i++)
        bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      const path = await writeTemp(`fuzz-${round}`, bytes);
      let source: EvidenceSource;
      try {
        source = await open(path, { retain: () => true });
      } catch (error) {
        // IO would mean an unexpected exception wrapped by openFsDump rather than a decoded problem.
        expect(isSpyglassError(error, "CORRUPT", "UNSUPPORTED", "BUDGET"), `${round}: ${String(error)}`).toBe(
          true,
        );
        continue;
      }
      for (const entry of source.entries()) {
        if (entry.kind === "directory") continue;
        try {
          const bytes = await source.read(entry);
          expect(bytes.length).toBeLessThanOrEqual(Math.max(entry.size, db.length));
          if (entry.path.endsWith(".db")) (await source.openDatabase(entry)).db.close();
        } catch (error) {
          expect(
            isSpyglassError(error, "CORRUPT", "UNSUPPORTED", "BUDGET", "NOT_FOUND"),
            `${round} ${entry.path}: ${String(error)}`,
          ).toBe(true);
        }
      }
    }
  });
});

describe("device information", () => {
  it("reads the iOS version and build from SystemVersion.plist and the name from data_ark.plist", async () => {
    const version = `<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict><key>ProductBuildVersion</key><string>20B110</string><key>ProductVersion</key><string>16.1.1</string></dict></plist>`;
    const tar = buildTar([
      { name: "System/Library/CoreServices/SystemVersion.plist", data: version },
      {
        name: "private/var/root/Library/Lockdown/data_ark.plist",
        data: writeBinaryPlist({ "-DeviceName": "Test iPhone" }),
      },
    ]);
    for (const [name, bytes] of [
      ["device.tar", tar],
      ["device.tgz", gzipSync(tar)],
    ] as const) {
      const source = await open(await writeTemp(name, bytes), { retain: () => false });
      expect(source.device).toEqual({
        productVersion: "16.1.1",
        buildVersion: "20B110",
        name: "Test iPhone",
      });
    }
    const broken = await open(
      await writeTemp(
        "broken-device.tar",
        buildTar([
          { name: "System/Library/CoreServices/SystemVersion.plist", data: "<plist" },
          { name: `${SMS}`, data: "x" },
        ]),
      ),
    );
    expect(broken.device).toEqual({});
    expect(broken.warnings).toContainEqual(
      expect.objectContaining({ code: "CORRUPT", file: "/System/Library/CoreServices/SystemVersion.plist" }),
    );
  });
});

describe("round trips", () => {
  it("reads back exactly what random tar, tar.gz and zip archives hold", async () => {
    let seed = 99;
    const random = (): number => {
      seed = (seed * 1664525 + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    for (let round = 0; round < 12; round++) {
      const files = new Map<string, Buffer>();
      const count = 1 + Math.floor(random() * 20);
      for (let i = 0; i < count; i++) {
        const depth = 1 + Math.floor(random() * 4);
        const parts = Array.from({ length: depth }, () => `d${Math.floor(random() * 3)}`);
        const name = `private/var/mobile/${parts.join("/")}/f${i}-${"é".repeat(Math.floor(random() * 60))}.bin`;
        const size = Math.floor(random() ** 3 * 200_000);
        files.set(
          name,
          Buffer.from(Array.from({ length: size }, () => Math.floor(random() * (random() < 0.5 ? 4 : 256)))),
        );
      }
      const prefix = ["", "./", "/", "filesystem1/"][round % 4]!;
      const tar = buildTar(
        [...files].map(([name, data]) => ({
          name: `${prefix}${name}`,
          data,
          gnuLongName: round % 2 === 0,
          ...(round % 2 === 1 ? { pax: { path: `${prefix}${name}` } } : {}),
        })),
      );
      const zip = buildZip(
        [...files].map(([name, data]) => ({
          name: `${prefix}${name}`,
          data,
          method: random() < 0.3 ? 0 : 8,
        })),
        { zip64: round % 3 === 0 },
      );
      for (const [label, bytes] of [
        ["tar", tar],
        ["tgz", gzipSync(tar)],
        ["zip", zip],
      ] as const) {
        const source = await open(await writeTemp(`round-${round}.${label}`, bytes), {
          retain: () => random() < 0.5,
        });
        for (const [name, data] of files) {
          const entry = source.get(`/${name}`);
          expect(entry?.size, `${label} ${name}`).toBe(data.length);
          expect((await source.read(entry!)).equals(data), `${label} ${name}`).toBe(true);
        }
      }
    }
  });
});
