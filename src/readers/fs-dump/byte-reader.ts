/** Byte readers for the tar decoder: positioned reads on a file handle, or a pull over a (gunzipped) stream. */
import type { FileHandle } from "node:fs/promises";
import type { ByteReader } from "../../formats/tar.js";

/** Reads exactly `length` bytes at `position` unless the file ends first. */
export async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, position + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled === length ? buffer : buffer.subarray(0, filled);
}

/** A seekable reader over an open file: skipping costs nothing, small reads come from a 1 MiB window. */
export class FileByteReader implements ByteReader {
  position = 0;
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly windowBytes = 1024 * 1024,
  ) {}

  async read(length: number): Promise<Buffer> {
    const want = Math.max(0, Math.min(length, this.size - this.position));
    let data: Buffer;
    const offset = this.position - this.windowStart;
    if (offset >= 0 && offset + want <= this.window.length) {
      data = Buffer.from(this.window.subarray(offset, offset + want));
    } else if (want >= this.windowBytes) {
      data = await readAt(this.handle, this.position, want);
    } else {
      this.window = await readAt(
        this.handle,
        this.position,
        Math.min(this.windowBytes, this.size - this.position),
      );
      this.windowStart = this.position;
      data = Buffer.from(this.window.subarray(0, want));
    }
    this.position += data.length;
    return data;
  }

  async skip(length: number): Promise<number> {
    const skipped = Math.max(0, Math.min(length, this.size - this.position));
    this.position += skipped;
    return skipped;
  }
}

/** A forward-only reader over chunks; skipping discards. */
export class StreamByteReader implements ByteReader {
  position = 0;
  private pending: Buffer = Buffer.alloc(0);
  private readonly iterator: AsyncIterator<Buffer>;
  private done = false;

  constructor(chunks: AsyncIterable<Buffer>) {
    this.iterator = chunks[Symbol.asyncIterator]();
  }

  private async fill(): Promise<boolean> {
    if (this.done) return false;
    const next = await this.iterator.next();
    if (next.done) {
      this.done = true;
      return false;
    }
    this.pending = this.pending.length === 0 ? next.value : Buffer.concat([this.pending, next.value]);
    return true;
  }

  async read(length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let have = 0;
    while (have < length) {
      if (this.pending.length === 0 && !(await this.fill())) break;
      const take = Math.min(length - have, this.pending.length);
      parts.push(this.pending.subarray(0, take));
      this.pending = this.pending.subarray(take);
      have += take;
    }
    this.position += have;
    return parts.length === 1 ? Buffer.from(parts[0]!) : Buffer.concat(parts, have);
  }

  async skip(length: number): Promise<number> {
    let skipped = 0;
    while (skipped < length) {
      if (this.pending.length === 0 && !(await this.fill())) break;
      const take = Math.min(length - skipped, this.pending.length);
      this.pending = this.pending.subarray(take);
      skipped += take;
    }
    this.position += skipped;
    return skipped;
  }
}
