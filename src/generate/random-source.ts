/** Random bytes for generators: cryptographic by default, or a reproducible stream from a seed. */
import { createHash, randomBytes } from "node:crypto";

/** Returns `size` random bytes per call. */
export type RandomSource = (size: number) => Buffer;

/**
 * A random source; with a seed, SHA-256 in counter mode makes every key, salt and UUID reproducible
 * (test fixtures only: a seeded backup is not secret).
 */
export function createRandomSource(seed?: string): RandomSource {
  if (seed === undefined) return (size) => randomBytes(size);
  let counter = 0;
  let pool = Buffer.alloc(0);
  return (size) => {
    const blocks: Buffer[] = [pool];
    let have = pool.length;
    while (have < size) {
      const block = createHash("sha256").update(seed).update(String(counter)).digest();
      counter += 1;
      blocks.push(block);
      have += block.length;
    }
    const all = Buffer.concat(blocks);
    pool = all.subarray(size);
    return all.subarray(0, size);
  };
}

/** An uppercase RFC 4122 version-4 UUID string built from the random source. */
export function randomUuid(random: RandomSource): string {
  const bytes = random(16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString("hex").toUpperCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
