/**
 * Builds the backup keybag of an encrypted iTunes/Finder backup (TLV, `Manifest.plist/BackupKeyBag`)
 * and the keys behind it. Format: ../shared/reference/ios-formats.md section 2.
 */
import { createCipheriv, pbkdf2 } from "node:crypto";
import { promisify } from "node:util";
import type { RandomSource } from "./random-source.js";

const pbkdf2Async = promisify(pbkdf2);
const KEY_WRAP_IV = Buffer.from("A6A6A6A6A6A6A6A6", "hex");

/** The protection classes a backup keybag lists (1-4 file classes, 5 unused, 6-11 keychain classes). */
export const KEYBAG_CLASSES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] as const;

/** Classes whose record says WRAP 3 (device and password) in the reference backup; the others say 2. */
const DEVICE_AND_PASSWORD_CLASSES = new Set([5, 9, 10, 11]);

/** How the password becomes the key-encryption key. */
export interface KeybagOptions {
  password: string;
  /** PBKDF2-HMAC-SHA256 rounds (DPIC); real iOS >= 10.2 backups use 10,000,000. */
  dpic?: number;
  /** PBKDF2-HMAC-SHA1 rounds (ITER); 10,000 in every observed keybag. */
  iter?: number;
  /** The iOS < 10.2 scheme: no DPSL/DPIC/DPWT, VERS 3, a single SHA-1 round. */
  oldStyle?: boolean;
}

/** A keybag with the secrets that produced it. */
export interface BuiltKeybag {
  /** The TLV bytes for `BackupKeyBag`. */
  bytes: Buffer;
  /** The key-encryption key derived from the password (what `extract-key` tools print). */
  kek: Buffer;
  /** The unwrapped 32-byte key of every class. */
  classKeys: Map<number, Buffer>;
}

/** Derives the key-encryption key: PBKDF2-SHA1(PBKDF2-SHA256(password, DPSL, DPIC), SALT, ITER), or one SHA-1 round. */
export async function deriveKeybagKek(
  password: string,
  params: { salt: Buffer; iter: number; dpsl?: Buffer; dpic?: number },
): Promise<Buffer> {
  const secret = Buffer.from(password, "utf8");
  const first =
    params.dpsl === undefined || params.dpic === undefined
      ? secret
      : await pbkdf2Async(secret, params.dpsl, params.dpic, 32, "sha256");
  return pbkdf2Async(first, params.salt, params.iter, 32, "sha1");
}

/** RFC 3394 AES key wrap (default IV A6A6A6A6A6A6A6A6); a 32-byte key becomes 40 bytes. */
export function wrapKey(kek: Buffer, key: Buffer): Buffer {
  const cipher = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, KEY_WRAP_IV);
  return Buffer.concat([cipher.update(key), cipher.final()]);
}

/** Builds a backup keybag (TYPE 1) whose class keys are random and wrapped under the password's KEK. */
export async function buildBackupKeybag(options: KeybagOptions, random: RandomSource): Promise<BuiltKeybag> {
  const oldStyle = options.oldStyle === true;
  const iter = options.iter ?? 10_000;
  const dpic = options.dpic ?? 10_000_000;
  const salt = random(20);
  const dpsl = random(20);
  const kek = await deriveKeybagKek(options.password, oldStyle ? { salt, iter } : { salt, iter, dpsl, dpic });

  const records: Buffer[] = [
    tlvInt("VERS", oldStyle ? 3 : 5),
    tlvInt("TYPE", 1),
    tlv("UUID", random(16)),
    // HMCK protects the keybag's integrity on the device; readers of backups never check it.
    tlv("HMCK", random(40)),
    tlvInt("WRAP", 0),
    tlv("SALT", salt),
    tlvInt("ITER", iter),
  ];
  if (!oldStyle) records.push(tlvInt("DPWT", 1), tlvInt("DPIC", dpic), tlv("DPSL", dpsl));

  const classKeys = new Map<number, Buffer>();
  for (const cls of KEYBAG_CLASSES) {
    const key = random(32);
    classKeys.set(cls, key);
    records.push(
      tlv("UUID", random(16)),
      tlvInt("CLAS", cls),
      tlvInt("WRAP", DEVICE_AND_PASSWORD_CLASSES.has(cls) ? 3 : 2),
      tlvInt("KTYP", 0),
      tlv("WPKY", wrapKey(kek, key)),
    );
  }
  return { bytes: Buffer.concat(records), kek, classKeys };
}

/** One keybag record: 4-character tag, u32 BE length, value. */
function tlv(tag: string, value: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(tag, 0, 4, "latin1");
  head.writeUInt32BE(value.length, 4);
  return Buffer.concat([head, value]);
}

function tlvInt(tag: string, value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value, 0);
  return tlv(tag, out);
}
