import { describe, expect, it } from "vitest";
import { openIosBackup } from "../../readers/ios-backup/backup.js";
import { corpusPath } from "../../testing/corpus.js";
import { memorySource } from "../../testing/memory-source.js";
import { runArtifact } from "../run.js";
import { type PreferenceFileRecord, preferenceFilesArtifact } from "./preference-files.js";

const IMAGEIO = "/private/var/root/Library/Preferences/com.apple.ImageIO.plist";
const FACETIME = "/private/var/mobile/Library/Preferences/com.apple.imservice.ids.FaceTime.plist";

describe("ios/preference-files", () => {
  it("turns each watched file's times into a record and three events", async () => {
    const source = memorySource(
      {
        [IMAGEIO]: [
          Buffer.from("abc"),
          {
            birthAt: "2023-01-01T00:00:00.000Z",
            modifiedAt: "2023-06-01T10:00:00.000Z",
            changedAt: "2023-06-01T10:00:01.000Z",
          },
        ],
        [FACETIME]: [Buffer.alloc(0), { modifiedAt: "2023-06-01T10:00:02.000Z", present: false }],
        "/private/var/mobile/Library/Preferences/com.apple.other.plist": Buffer.from("x"),
      },
      { kind: "ios-backup" },
    );
    const records: Array<{ file: string; data: PreferenceFileRecord }> = [];
    const status = await runArtifact(source, preferenceFilesArtifact, (r) =>
      records.push({ file: r.file, data: r.data as PreferenceFileRecord }),
    );
    expect(status.status).toBe("found");
    expect(records).toEqual([
      {
        file: IMAGEIO,
        data: {
          path: IMAGEIO,
          size: 3,
          present: true,
          birthAt: "2023-01-01T00:00:00.000Z",
          modifiedAt: "2023-06-01T10:00:00.000Z",
          changedAt: "2023-06-01T10:00:01.000Z",
        },
      },
      {
        file: FACETIME,
        data: { path: FACETIME, size: 0, present: false, modifiedAt: "2023-06-01T10:00:02.000Z" },
      },
    ]);
    const imageio = records[0]!.data;
    expect(preferenceFilesArtifact.observables(imageio)).toEqual([
      { kind: "path", value: IMAGEIO, field: "path" },
    ]);
    expect(preferenceFilesArtifact.events(imageio)).toEqual([
      { at: "2023-01-01T00:00:00.000Z", event: "file_birth", description: `${IMAGEIO} created` },
      { at: "2023-06-01T10:00:00.000Z", event: "file_modified", description: `${IMAGEIO} modified` },
      {
        at: "2023-06-01T10:00:01.000Z",
        event: "file_status_changed",
        description: `${IMAGEIO} status changed`,
      },
    ]);
  });

  it("is absent when none of the files is there, and skips a directory of the same name", async () => {
    const none = await runArtifact(
      memorySource({ "/private/var/mobile/x": Buffer.from("") }),
      preferenceFilesArtifact,
      () => {},
    );
    expect(none.status).toBe("not_present");
    const records: unknown[] = [];
    await runArtifact(memorySource({ [IMAGEIO]: { dir: true } }), preferenceFilesArtifact, (r) =>
      records.push(r),
    );
    expect(records).toEqual([]);
  });

  it("takes the times of the development backup's RootDomain clients.plist from its Manifest", async () => {
    const dir = corpusPath("backups", "dev-ios16-plain");
    if (dir === undefined) return;
    const backup = await openIosBackup(dir);
    try {
      const records: PreferenceFileRecord[] = [];
      await runArtifact(backup, preferenceFilesArtifact, (r) => records.push(r.data as PreferenceFileRecord));
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        path: "/private/var/root/Library/Caches/locationd/clients.plist",
        size: 129,
        present: true,
      });
      expect(records[0]!.modifiedAt).toMatch(/^20\d\d-/);
    } finally {
      await backup.close();
    }
  });
});
