/**
 * Encodes the `Files.file` blob of Manifest.db: an NSKeyedArchiver binary plist of class MBFile,
 * laid out as in real backups (`EncryptionKey` a UID to an NSMutableData with inline `NS.data`).
 * Format: ../shared/reference/ios-formats.md section 1.4.
 */
import { writeBinaryPlist } from "../formats/bplist-writer.js";
import { type PlistDict, PlistUid, type PlistValue } from "../formats/plist-value.js";

/** The metadata of one backup entry; times are Unix seconds. */
export interface MbFileFields {
  relativePath: string;
  mode: number;
  size: number;
  userId: number;
  groupId: number;
  inode: number;
  birth: number;
  lastModified: number;
  lastStatusChange: number;
  protectionClass: number;
  /** MBFile `Flags` (0 on every real row seen). */
  flags?: number;
  /** 44 bytes: u32le protection class + 40-byte wrapped file key (encrypted backups, regular files). */
  encryptionKey?: Uint8Array;
  /** Symlink target. */
  target?: string;
  /** SHA-1 of the content, present on some real rows. */
  digest?: Uint8Array;
}

/** Returns the binary plist bytes of the MBFile archive. */
export function encodeMbFile(fields: MbFileFields): Buffer {
  const objects: PlistValue[] = ["$null"];
  const root: PlistDict = {};
  objects.push(root);
  const push = (value: PlistValue): PlistUid => {
    objects.push(value);
    return new PlistUid(objects.length - 1);
  };

  // Keys in sorted order, `$class` last in $objects, the way the reference backups lay them out.
  root.Birth = fields.birth;
  const relativePath = push(fields.relativePath);
  if (fields.digest !== undefined) root.Digest = push(fields.digest);
  if (fields.encryptionKey !== undefined) {
    const data: PlistDict = { "NS.data": fields.encryptionKey };
    root.EncryptionKey = push(data);
    data.$class = push({ $classes: ["NSMutableData", "NSData", "NSObject"], $classname: "NSMutableData" });
  }
  root.Flags = fields.flags ?? 0;
  root.GroupID = fields.groupId;
  root.InodeNumber = fields.inode;
  root.LastModified = fields.lastModified;
  root.LastStatusChange = fields.lastStatusChange;
  root.Mode = fields.mode;
  root.ProtectionClass = fields.protectionClass;
  root.RelativePath = relativePath;
  root.Size = fields.size;
  if (fields.target !== undefined) root.Target = push(fields.target);
  root.UserID = fields.userId;
  root.$class = push({ $classes: ["MBFile", "NSObject"], $classname: "MBFile" });

  return writeBinaryPlist({
    $archiver: "NSKeyedArchiver",
    $objects: objects,
    $top: { root: new PlistUid(1) },
    $version: 100000,
  });
}
