/**
 * Backup keybag (Manifest.plist BackupKeyBag): TLV records of 4-byte ASCII tag, u32 big-endian
 * length and value. Format: ../shared/reference/ios-formats.md section 2.1.
 */
import { SpyglassError } from "../../errors.js";

/** One class-key record of the keybag. */
export interface KeybagClass {
  protectionClass: number;
  wrap: number;
  keyType: number;
  wrappedKey: Buffer;
  uuid?: Buffer;
}

/** The parts of a keybag needed to derive the key and unwrap class keys. */
export interface Keybag {
  version: number | undefined;
  type: number | undefined;
  uuid: Buffer | undefined;
  salt: Buffer;
  iterations: number;
  /** Present on iOS >= 10.2 keybags: the extra PBKDF2-HMAC-SHA256 round. */
  dpsl: Buffer | undefined;
  dpic: number | undefined;
  classes: KeybagClass[];
}

const MAX_KEYBAG_BYTES = 64 * 1024;
const MAX_RECORDS = 4096;
/** Refused above this: at about a million rounds a second, 100 million already take a minute or two. */
const MAX_ITERATIONS = 100_000_000;
/** The counts of real keybags (ios-formats.md 2.2): DPIC 10,000,000 since iOS 10.2, ITER 10,000. */
export const USUAL_DPIC = 10_000_000;
export const USUAL_ITER = 10_000;

/** Parses a keybag; throws SpyglassError CORRUPT naming the offset of the first bad record. */
export function parseKeybag(data: Uint8Array, file = "Manifest.plist BackupKeyBag"): Keybag {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const fail = (message: string, offset: number): never => {
    throw new SpyglassError("CORRUPT", `Backup keybag is malformed: ${message}`, {
      file,
      offset,
      hint: "The backup's Manifest.plist may be damaged; make a new backup",
    });
  };
  if (bytes.length > MAX_KEYBAG_BYTES) fail(`${bytes.length} bytes is larger than any real keybag`, 0);
  const header: Record<string, Buffer> = {};
  const classes: KeybagClass[] = [];
  let current: Partial<KeybagClass> | undefined;
  let seenUuid = false;
  let records = 0;
  const u32 = (value: Buffer, at: number): number => {
    if (value.length !== 4) fail(`expected a 4-byte integer, got ${value.length} bytes`, at);
    return value.readUInt32BE(0);
  };
  const closeClass = (): void => {
    if (current?.protectionClass !== undefined && current.wrappedKey !== undefined) {
      classes.push({
        protectionClass: current.protectionClass,
        wrap: current.wrap ?? 0,
        keyType: current.keyType ?? 0,
        wrappedKey: current.wrappedKey,
        ...(current.uuid === undefined ? {} : { uuid: current.uuid }),
      });
    }
    current = undefined;
  };
  let at = 0;
  while (at < bytes.length) {
    if (++records > MAX_RECORDS) fail("too many records", at);
    if (at + 8 > bytes.length) fail("truncated record header", at);
    const tag = bytes.toString("latin1", at, at + 4);
    if (!/^[A-Z0-9]{4}$/.test(tag)) fail(`invalid tag ${JSON.stringify(tag)}`, at);
    const length = bytes.readUInt32BE(at + 4);
    if (at + 8 + length > bytes.length) fail(`record ${tag} runs past the end`, at);
    const value = bytes.subarray(at + 8, at + 8 + length);
    if (tag === "UUID") {
      if (!seenUuid) {
        seenUuid = true;
        header.UUID = value;
      } else {
        closeClass();
        current = { uuid: value };
      }
    } else if (current !== undefined) {
      if (tag === "CLAS") current.protectionClass = u32(value, at);
      else if (tag === "WRAP") current.wrap = u32(value, at);
      else if (tag === "KTYP") current.keyType = u32(value, at);
      else if (tag === "WPKY") current.wrappedKey = Buffer.from(value);
    } else header[tag] = value;
    at += 8 + length;
  }
  closeClass();
  const salt = header.SALT;
  const iter = header.ITER;
  if (salt === undefined || iter === undefined) fail("no SALT or ITER record", 0);
  const iterations = u32(iter as Buffer, 0);
  const dpic = header.DPIC === undefined ? undefined : u32(header.DPIC, 0);
  if (
    iterations === 0 ||
    iterations > MAX_ITERATIONS ||
    (dpic !== undefined && (dpic === 0 || dpic > MAX_ITERATIONS))
  ) {
    fail("iteration count out of range", 0);
  }
  if (classes.length === 0) fail("no class keys", 0);
  if ((salt as Buffer).length === 0) fail("the SALT record is empty", 0);
  // DPSL and DPIC come together (iOS >= 10.2) or not at all; one without the other, or an empty
  // DPSL, would derive a key that fails later as a "wrong password".
  if (header.DPSL !== undefined && header.DPSL.length === 0)
    fail("the DPSL record (salt of the first key derivation) is empty", 0);
  if ((header.DPSL === undefined) !== (dpic === undefined))
    fail(header.DPSL === undefined ? "a DPIC record without DPSL" : "a DPSL record without DPIC", 0);
  return {
    version: header.VERS === undefined ? undefined : u32(header.VERS, 0),
    type: header.TYPE === undefined ? undefined : u32(header.TYPE, 0),
    uuid: header.UUID,
    salt: Buffer.from(salt as Buffer),
    iterations,
    dpsl: header.DPSL === undefined ? undefined : Buffer.from(header.DPSL),
    dpic,
    classes,
  };
}

/**
 * A warning when the keybag asks for far more key-derivation rounds than real backups (a crafted
 * keybag can make the derivation take minutes); undefined for usual counts.
 */
export function unusualDerivation(keybag: Keybag): string | undefined {
  const dpic = keybag.dpic ?? 0;
  const iter = keybag.iterations;
  if (dpic <= 2 * USUAL_DPIC && iter <= 100 * USUAL_ITER) return undefined;
  // SHA-256 and SHA-1 rounds cost about the same: compare the sum with a real keybag's.
  const times = Math.max(1, Math.round((dpic + iter) / (USUAL_DPIC + USUAL_ITER)));
  return `The backup keybag asks for ${dpic.toLocaleString("en-US")} PBKDF2-SHA256 rounds (DPIC) and ${iter.toLocaleString("en-US")} PBKDF2-SHA1 rounds (ITER), far more than real backups (${USUAL_DPIC.toLocaleString("en-US")} and ${USUAL_ITER.toLocaleString("en-US")}): deriving the key takes about ${times} times as long as usual, and the keybag may have been tampered with`;
}
