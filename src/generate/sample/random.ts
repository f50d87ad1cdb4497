/**
 * Deterministic pseudo-random streams for the sample-device generator. Each part of a device (SMS, Safari,
 * data usage…) draws from its own named stream, so adding traces to one part never shifts the noise of another:
 * a clean device and its infected twin built from the same seed share every noise value.
 */
import { createHash } from "node:crypto";

/** A seeded stream of numbers (sfc32 seeded from SHA-256 of the seed and the stream name). */
export class SampleRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: string, stream: string) {
    const digest = createHash("sha256").update(`${seed}\u0000${stream}`, "utf8").digest();
    this.a = digest.readUInt32LE(0);
    this.b = digest.readUInt32LE(4);
    this.c = digest.readUInt32LE(8);
    this.d = digest.readUInt32LE(12);
    for (let i = 0; i < 12; i += 1) this.uint32();
  }

  /** The next unsigned 32-bit value. */
  uint32(): number {
    this.a >>>= 0;
    this.b >>>= 0;
    this.c >>>= 0;
    this.d >>>= 0;
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.uint32() / 2 ** 32;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** One item of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new Error("pick from an empty list");
    return item;
  }

  /** Lower-case hex digits. */
  hex(length: number): string {
    let out = "";
    while (out.length < length) out += this.uint32().toString(16).padStart(8, "0");
    return out.slice(0, length);
  }

  /** An upper-case version-4 UUID. */
  uuid(): string {
    const h = this.hex(32).toUpperCase().split("");
    h[12] = "4";
    h[16] = "89AB"[this.int(4)] ?? "8";
    const s = h.join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  }

  /** A size drawn log-uniformly between min and max (many small values, a long tail). */
  logUniform(min: number, max: number): number {
    return Math.floor(min * (max / min) ** this.next());
  }

  /** Bytes filled from the stream. */
  bytes(length: number): Buffer {
    const out = Buffer.alloc(length);
    let i = 0;
    for (; i + 4 <= length; i += 4) out.writeUInt32LE(this.uint32(), i);
    if (i < length) {
      const last = this.uint32();
      for (let k = 0; i < length; i += 1, k += 1) out[i] = (last >>> (8 * k)) & 0xff;
    }
    return out;
  }
}
