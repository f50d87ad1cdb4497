import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isSpyglassError } from "../errors.js";
import { corpusPath } from "../testing/corpus.js";
import { writeBinaryPlist } from "./bplist-writer.js";
import { unarchive } from "./nskeyed.js";
import { buildKeyedArchive } from "./nskeyed-writer.js";
import { parsePlist } from "./plist.js";
import { PlistUid } from "./plist-value.js";

describe("NSKeyedArchiver", () => {
  it("resolves UIDs and the Foundation classes", () => {
    const archive = {
      $archiver: "NSKeyedArchiver",
      $version: 100000,
      $top: { root: new PlistUid(1) },
      $objects: [
        "$null",
        {
          $class: new PlistUid(2),
          "NS.keys": [new PlistUid(3), new PlistUid(4), new PlistUid(5)],
          "NS.objects": [new PlistUid(6), new PlistUid(7), new PlistUid(9)],
        },
        { $classname: "NSMutableDictionary", $classes: ["NSMutableDictionary", "NSDictionary", "NSObject"] },
        "list",
        "when",
        "blob",
        { $class: new PlistUid(8), "NS.objects": ["a", new PlistUid(0)] },
        { $class: new PlistUid(10), "NS.time": 0 },
        { $classname: "NSArray", $classes: ["NSArray", "NSObject"] },
        { $class: new PlistUid(11), "NS.data": new Uint8Array([1, 2]) },
        { $classname: "NSDate", $classes: ["NSDate", "NSObject"] },
        { $classname: "NSMutableData", $classes: ["NSMutableData", "NSData", "NSObject"] },
      ],
    };
    const value = unarchive(parsePlist(writeBinaryPlist(archive))) as Record<string, unknown>;
    expect(value.list).toEqual(["a", null]);
    expect((value.when as Date).toISOString()).toBe("2001-01-01T00:00:00.000Z");
    expect(Buffer.from(value.blob as Uint8Array).toString("hex")).toBe("0102");
  });

  it("keeps the rest of an archive whose objects refer to each other in a circle", () => {
    const archive = {
      $archiver: "NSKeyedArchiver",
      $top: { root: new PlistUid(1) },
      $objects: [
        "$null",
        { $class: new PlistUid(3), parent: new PlistUid(2), name: "root" },
        { $class: new PlistUid(3), child: new PlistUid(1) },
        { $classname: "Node" },
      ],
    };
    const value = unarchive(parsePlist(writeBinaryPlist(archive))) as Record<string, unknown>;
    expect(value.name).toBe("root");
    expect(value.$class).toBe("Node");
    expect((value.parent as Record<string, unknown>).child).toEqual({ $circular: 1 });
  });

  it("rejects references outside $objects and archives that are not keyed archives", () => {
    const bad = { $archiver: "NSKeyedArchiver", $top: { root: new PlistUid(40) }, $objects: ["$null"] };
    expect(() => unarchive(bad)).toThrow(/outside \$objects/);
    try {
      unarchive({ hello: "world" }, { file: "x.plist" });
      expect.unreachable();
    } catch (error) {
      expect(isSpyglassError(error, "CORRUPT")).toBe(true);
    }
  });

  it("bounds fan-out through shared objects by the object budget", () => {
    const objects: unknown[] = ["$null"];
    for (let i = 1; i <= 40; i++) objects.push([new PlistUid(i + 1), new PlistUid(i + 1)]);
    objects.push("leaf");
    const archive = {
      $archiver: "NSKeyedArchiver",
      $top: { root: new PlistUid(1) },
      $objects: objects,
    } as never;
    expect(() => unarchive(archive, { budget: { maxObjects: 100_000 } })).toThrow(/budget/);
  });

  it("reads archives built by our writer (MBFile shape)", () => {
    const archive = buildKeyedArchive({
      $class: "MBFile",
      fields: {
        Size: 3,
        RelativePath: "a/b",
        EncryptionKey: { $class: "NSMutableData", fields: { "NS.data": new Uint8Array(44) } },
      },
    });
    const value = unarchive(parsePlist(writeBinaryPlist(archive))) as Record<string, unknown>;
    expect(value).toMatchObject({ $class: "MBFile", Size: 3, RelativePath: "a/b" });
    expect((value.EncryptionKey as Uint8Array).length).toBe(44);
  });
});

describe.skipIf(corpusPath("plaso", "plist", "NSKeyedArchiver.plist") === undefined)(
  "plaso's NSKeyedArchiver sample",
  () => {
    it("unarchives to plain values", () => {
      const value = unarchive(
        parsePlist(readFileSync(corpusPath("plaso", "plist", "NSKeyedArchiver.plist")!)),
      ) as Record<string, unknown>;
      expect(Object.keys(value)).toEqual(expect.arrayContaining(["MyArray", "MyBool", "MyData", "MyDate"]));
    });
  },
);
