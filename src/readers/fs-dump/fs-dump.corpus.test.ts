import { describe, expect, it } from "vitest";
import { corpusPath } from "../../testing/corpus.js";
import { detectFsDump, openFsDump } from "./index.js";

const CASES = ["ileapp", "cases", "data"];

const INSTALLED = [
  "com.atebits.Tweetie2",
  "com.authy",
  "com.duolingo.DuolingoMobile",
  "com.groupme.iphone-app",
  "com.hammerandchisel.discord",
  "com.linkedin.LinkedIn",
  "com.midasplayer.apps.candycrushsaga",
  "com.roblox.robloxmobile",
  "com.tinyspeck.chatlyio",
  "com.todoist.ios",
  "com.toyopagroup.picaboo",
  "com.yikyak.2",
  "com.zhiliaoapp.musically",
  "net.whatsapp.WhatsApp",
  "org.joinmastodon.app",
  "org.whispersystems.signal",
];

function stringsOf(rows: unknown[]): Set<string> {
  const out = new Set<string>();
  for (const row of rows)
    for (const value of Object.values(row as object)) if (typeof value === "string") out.add(value);
  return out;
}

describe("iLEAPP full-file-system zip slices (corpus)", () => {
  it("storeSystem.db (absolute member paths) opens with its WAL: 16 installed apps, 32 packages", async (context) => {
    const zip = corpusPath(
      ...CASES,
      "storeSystem",
      "testdata.storeSystem.storeSystemAppInstalls.mvs_ios_2023.zip",
    );
    if (zip === undefined) return context.skip();
    expect(await detectFsDump(zip)).toBe(true);
    const source = await openFsDump(zip);
    try {
      const [db] = source.glob("/private/var/containers/Data/System/*/Documents/Persistence/storeSystem.db");
      expect(db).toMatchObject({
        kind: "file",
        size: 401_408,
        origin:
          "/private/var/containers/Data/System/AD313E95-A169-4921-8E46-58ADFAB6583A/Documents/Persistence/storeSystem.db",
      });
      expect(source.get(`${db!.path}-wal`)?.size).toBe(292_552);
      const opened = await source.openDatabase(db!);
      try {
        expect(opened.walFramesApplied).toBeGreaterThan(0);
        const installs = opened.db.prepare("SELECT * FROM app_install").all();
        expect(installs).toHaveLength(16);
        const values = stringsOf(installs);
        for (const id of INSTALLED) expect(values, id).toContain(id);
        expect(opened.db.prepare("SELECT count(*) AS n FROM app_package").get()).toEqual({ n: 32 });
      } finally {
        opened.db.close();
      }
      // Only the note that these zips carry MS-DOS times (no extended timestamps).
      expect(source.warnings).toEqual([expect.objectContaining({ code: "OTHER", count: 3 })]);
    } finally {
      await source.close();
    }
  });

  it("Safari Cache.db sees its one WAL-resident response; the cached payload is readable", async (context) => {
    const zip = corpusPath(...CASES, "safariCache", "testdata.safariCache.safariCache.mvs_ios_2023.zip");
    if (zip === undefined) return context.skip();
    const source = await openFsDump(zip);
    try {
      const [db] = source.glob(
        "/private/var/mobile/Containers/Data/Application/*/Library/Caches/com.apple.mobilesafari/Cache.db",
      );
      const opened = await source.openDatabase(db!);
      try {
        expect(opened.walFramesApplied).toBeGreaterThan(0);
        const rows = opened.db.prepare("SELECT request_key FROM cfurl_cache_response").all();
        expect(rows).toEqual([
          {
            request_key:
              "https://configuration.apple.com/configurations/internetservices/safari/AutoFillQuirks-1.plist",
          },
        ]);
      } finally {
        opened.db.close();
      }
      const [blob] = source.glob(
        "/private/var/mobile/Containers/Data/Application/*/Library/Caches/**/fsCachedData/*",
      );
      expect(blob?.path.endsWith("/C59437F6-C2B2-4F0B-BF90-177ACBB893C0")).toBe(true);
      expect((await source.read(blob!)).length).toBe(124_730);
    } finally {
      await source.close();
    }
  });

  it("maps filesystem2/ (the data partition) onto /private/var", async (context) => {
    const zip = corpusPath(...CASES, "celWireless", "testdata.celWireless.celWireless.josh_ios15_ffs.zip");
    if (zip === undefined) return context.skip();
    expect(await detectFsDump(zip)).toBe(true);
    const source = await openFsDump(zip);
    try {
      const plist = source.get("/private/var/wireless/Library/Preferences/com.apple.commcenter.plist");
      expect(plist).toMatchObject({
        size: 1486,
        origin: "filesystem2/wireless/Library/Preferences/com.apple.commcenter.plist",
      });
      const bytes = await source.read(plist!);
      expect(bytes.subarray(0, 6).toString("latin1")).toBe("bplist");
    } finally {
      await source.close();
    }
  });

  it("relative private/var/ members (BelkaCTF) and absolute ones (Magnet) give the same device paths", async (context) => {
    const belka = corpusPath(
      ...CASES,
      "connectedDevices",
      "testdata.connectedDevices.conDev.belkasoft_ctf6_ios_device1.zip",
    );
    const dhcp = corpusPath(...CASES, "dhcpl", "testdata.dhcpl.dhcpLeases.mvs_ios_2023.zip");
    if (belka === undefined || dhcp === undefined) return context.skip();
    const one = await openFsDump(belka);
    const two = await openFsDump(dhcp);
    try {
      const prefs = one.get("/private/var/mobile/Media/iTunes_Control/iTunes/iTunesPrefs")!;
      expect(prefs.size).toBe(1232);
      expect((await one.read(prefs)).indexOf("DESKTOP-0CBP2ID")).toBe(448);
      const lease = two.get("/private/var/db/dhcpclient/leases/en0.plist")!;
      expect((await two.read(lease)).toString("utf8")).toContain("100.64.0.236");
    } finally {
      await one.close();
      await two.close();
    }
  });
});
