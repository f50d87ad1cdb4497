/** Random bytes for generators: cryptographic by default, or a reproducible stream from a seed. */
import { createCipheriv, createHash, randomBytes } from "node:crypto";

/** Returns `size` random bytes per call. */
export type RandomSource = (size: number) => Buffer;

/**
 * A random source; with a seed, an AES-256-CTR keystream keyed by SHA-256(seed) makes every key, salt,
 * identifier and generated content reproducible (test fixtures only: a seeded backup is not secret).
 */
export function createRandomSource(seed?: string): RandomSource {
  if (seed === undefined) return (size) => randomBytes(size);
  const key = createHash("sha256").update(seed, "utf8").digest();
  const keystream = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  return (size) => keystream.update(Buffer.alloc(size));
}

/** An uppercase RFC 4122 version-4 UUID string built from the random source. */
export function randomUuid(random: RandomSource): string {
  const bytes = random(16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
