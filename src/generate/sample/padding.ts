/**
 * Padding files that bring a sample backup to a target size and row count: many small files (photos,
 * app caches) and a few large videos. Contents are chunk generators over one shared pseudo-random block,
 * so a 1 GiB backup never sits in memory.
 */
import type { BackupEntrySpec } from "../backup-writer.js";
import { DAY_MS, type SampleClock } from "./clock.js";
import { SampleRandom } from "./random.js";
import { STORE_APPS } from "./vocab.js";

const MIB = 1024 * 1024;
const BLOCK = MIB;
const SMALL_MIN = 2 * 1024;
const SMALL_MAX = 256 * 1024;
const TINY = 512;

/** How much padding to add. */
export interface PaddingPlan {
  bytes: number;
  /** At least this many files (tiny ones once the byte budget is spent). */
  minFiles: number;
}

/** Lists the padding entries; nothing is generated until the writer pulls the chunks. */
export function planPadding(seed: string, clock: SampleClock, plan: PaddingPlan): BackupEntrySpec[] {
  if (plan.bytes <= 0 && plan.minFiles <= 0) return [];
  const random = new SampleRandom(seed, "padding");
  let block: Buffer | undefined;
  const doubled = (): Buffer => {
    // Twice the block, so that any window of up to one block is a view, never a copy.
    block ??= (() => {
      const b = new SampleRandom(seed, "padding-block").bytes(BLOCK);
      return Buffer.concat([b, b]);
    })();
    return block;
  };
  const content = (size: number, index: number, magic: Buffer): { chunks: () => Iterable<Uint8Array> } => ({
    chunks: function* () {
      let remaining = size;
      const head = magic.subarray(0, Math.min(magic.length, remaining));
      remaining -= head.length;
      if (head.length > 0) yield head;
      let offset = (index * 7919) % BLOCK;
      while (remaining > 0) {
        const length = Math.min(remaining, BLOCK);
        yield doubled().subarray(offset, offset + length);
        remaining -= length;
        offset = (offset + length) % BLOCK;
      }
    },
  });
  const when = (): number =>
    clock.usageStart + Math.floor(random.next() * (clock.usageEnd - clock.usageStart));
  const files: BackupEntrySpec[] = [];
  const largeCount = plan.bytes >= 256 * MIB ? 4 : plan.bytes >= 16 * MIB ? 1 : 0;
  const largeBytes = largeCount === 0 ? 0 : Math.floor(plan.bytes / 2);
  for (let i = 0; i < largeCount; i += 1) {
    const at = when();
    files.push({
      domain: "CameraRollDomain",
      relativePath: `Media/DCIM/100APPLE/IMG_${String(7000 + i).padStart(4, "0")}.MOV`,
      data: content(
        Math.floor(largeBytes / largeCount),
        files.length,
        Buffer.from("\0\0\0\x14ftypqt  ", "latin1"),
      ),
      protectionClass: 3,
      birth: at,
      modified: at,
    });
  }
  let budget = plan.bytes - largeBytes;
  let index = 0;
  while (budget > 0 || index < plan.minFiles) {
    const size = budget > 0 ? Math.min(budget, random.logUniform(SMALL_MIN, SMALL_MAX)) : TINY;
    budget -= size;
    const at = when();
    const shape = random.int(3);
    if (shape === 0) {
      files.push({
        domain: "CameraRollDomain",
        relativePath: `Media/DCIM/${100 + Math.floor(index / 1000)}APPLE/IMG_${String(index % 10000).padStart(4, "0")}.HEIC`,
        data: content(size, files.length, Buffer.from("\0\0\0\x18ftypheic", "latin1")),
        protectionClass: 3,
        birth: at,
        modified: at,
      });
    } else {
      const app = STORE_APPS[random.int(STORE_APPS.length)];
      files.push({
        domain: `AppDomain-${app?.[1] ?? "com.contoso.notes"}`,
        relativePath: `Library/Caches/${shape === 1 ? "images" : "com.apple.nsurlsessiond"}/${Math.floor(index / 200)}/${random.hex(16)}`,
        data: content(size, files.length, Buffer.alloc(0)),
        protectionClass: 4,
        birth: at,
        modified: at + random.int(DAY_MS),
      });
    }
    index += 1;
  }
  return files;
}
