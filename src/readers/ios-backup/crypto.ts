/**
 * Backup cryptography on node:crypto: password → key-encryption key (two PBKDF2 rounds, chosen by
 * the presence of DPSL/DPIC), RFC 3394 key unwrap, AES-256-CBC with a zero IV and PKCS#7.
 * Facts: ../shared/reference/ios-formats.md sections 2.2–2.5.
 */
import { createDecipheriv, pbkdf2 } from "node:crypto";
import { promisify } from "node:util";
import { SpyglassError } from "../../errors.js";
import type { Keybag } from "./keybag.js";

const pbkdf2Async = promisify(pbkdf2);
const KW_IV = Buffer.from("A6A6A6A6A6A6A6A6", "hex");
const ZERO_IV = Buffer.alloc(16);

/** Derives the 32-byte key-encryption key from the password (async: DPIC is 10 million on real backups). */
export async function deriveKey(password: string, keybag: Keybag): Promise<Buffer> {
  const secret = Buffer.from(password, "utf8");
  const first =
    keybag.dpsl !== undefined && keybag.dpic !== undefined
      ? await pbkdf2Async(secret, keybag.dpsl, keybag.dpic, 32, "sha256")
      : secret;
  return pbkdf2Async(first, keybag.salt, keybag.iterations, 32, "sha1");
}

/** RFC 3394 AES key unwrap; undefined when the integrity check fails (wrong key). */
export function unwrapKey(kek: Buffer, wrapped: Buffer): Buffer | undefined {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0 || (kek.length !== 32 && kek.length !== 16))
    return undefined;
  try {
    const decipher = createDecipheriv(kek.length === 32 ? "id-aes256-wrap" : "id-aes128-wrap", kek, KW_IV);
    return Buffer.concat([decipher.update(wrapped), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** Unwraps every class key of the keybag; throws WRONG_PASSWORD when none unwraps. */
export function unwrapClassKeys(
  kek: Buffer,
  keybag: Keybag,
): { keys: Map<number, Buffer>; failedClasses: number[] } {
  const keys = new Map<number, Buffer>();
  const failedClasses: number[] = [];
  for (const cls of keybag.classes) {
    // Only password-wrapped keys (WRAP bit 2) can be unwrapped off the device.
    if ((cls.wrap & 2) === 0 && cls.wrap !== 0) continue;
    const key = unwrapKey(kek, cls.wrappedKey);
    if (key === undefined) failedClasses.push(cls.protectionClass);
    else keys.set(cls.protectionClass, key);
  }
  if (keys.size === 0) {
    throw new SpyglassError(
      "WRONG_PASSWORD",
      "Wrong backup password: the backup keybag does not unwrap with it",
      {
        hint: "Check the password set in Finder/iTunes/idevicebackup2 for this device's encrypted backups",
      },
    );
  }
  return { keys, failedClasses };
}

/** The 44-byte wrapped-key form used by ManifestKey and MBFile EncryptionKey: u32le class + RFC 3394 blob. */
export function splitWrappedKey(data: Uint8Array): { protectionClass: number; wrapped: Buffer } | undefined {
  if (data.length < 4 + 24) return undefined;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return { protectionClass: bytes.readUInt32LE(0), wrapped: bytes.subarray(4) };
}

/** Result of decrypting one payload. */
export interface Decrypted {
  plaintext: Buffer;
  /** False when the last block was not valid PKCS#7 (then nothing was removed). */
  paddingValid: boolean;
}

/** AES-256-CBC, zero IV; removes PKCS#7 padding only when it is valid (never truncates to a declared size). */
export function decryptPayload(key: Buffer, ciphertext: Buffer): Decrypted {
  if (ciphertext.length === 0) return { plaintext: Buffer.alloc(0), paddingValid: false };
  if (ciphertext.length % 16 !== 0) {
    throw new SpyglassError(
      "CORRUPT",
      `Encrypted payload of ${ciphertext.length} bytes is not a whole number of AES blocks`,
    );
  }
  const decipher = createDecipheriv("aes-256-cbc", key, ZERO_IV);
  decipher.setAutoPadding(false);
  const raw = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  const pad = pkcs7Length(raw);
  return pad === 0
    ? { plaintext: raw, paddingValid: false }
    : { plaintext: raw.subarray(0, raw.length - pad), paddingValid: true };
}

/** Streaming AES-256-CBC decryption of a payload, holding back the last block to unpad at the end. */
export class PayloadDecryptor {
  private readonly decipher;
  private held = Buffer.alloc(0);

  constructor(key: Buffer) {
    this.decipher = createDecipheriv("aes-256-cbc", key, ZERO_IV);
    this.decipher.setAutoPadding(false);
  }

  /** Decrypts a chunk; returns plaintext that is certainly not padding. */
  update(chunk: Buffer): Buffer {
    const out = Buffer.concat([this.held, this.decipher.update(chunk)]);
    const keep = Math.min(16, out.length);
    this.held = out.subarray(out.length - keep);
    return out.subarray(0, out.length - keep);
  }

  /** Flushes the last block with its valid padding removed. */
  final(): Decrypted {
    const tail = Buffer.concat([this.held, this.decipher.final()]);
    const pad = pkcs7Length(tail);
    return pad === 0
      ? { plaintext: tail, paddingValid: false }
      : { plaintext: tail.subarray(0, tail.length - pad), paddingValid: true };
  }
}

function pkcs7Length(data: Buffer): number {
  if (data.length === 0) return 0;
  const n = data[data.length - 1]!;
  if (n < 1 || n > 16 || n > data.length) return 0;
  for (let i = data.length - n; i < data.length; i++) if (data[i] !== n) return 0;
  return n;
}
