/**
 * The calendar of a sample device: fixed dates in the Operation Triangulation era (first half of 2023),
 * shifted by a few weeks according to the seed, and the Cocoa time bases the iOS databases use.
 */
import { SampleRandom } from "./random.js";

const COCOA_EPOCH_MS = Date.UTC(2001, 0, 1);
const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Milliseconds since 1970 → Cocoa seconds (Core Data, plists, Safari). */
export function cocoaSeconds(ms: number): number {
  return (ms - COCOA_EPOCH_MS) / 1000;
}

/** Milliseconds since 1970 → Cocoa nanoseconds (sms.db since iOS 11), exact to the millisecond. */
export function cocoaNanoseconds(ms: number): bigint {
  return BigInt(Math.round(ms - COCOA_EPOCH_MS)) * 1_000_000n;
}

/** The dates a sample device is built around (all in milliseconds since 1970, UTC). */
export interface SampleClock {
  /** The phone was set up (files that never changed carry this time). */
  setupAt: number;
  /** Everyday use (messages, browsing, traffic) runs from here… */
  usageStart: number;
  /** …to here. */
  usageEnd: number;
  /**
   * Noise that Triangulation's timeline heuristic looks at (SMS attachment folders, the watched preference
   * files, the processes and location bundles it names) ends here, so the last infection episode is the
   * newest such event on the device.
   */
  quietAfter: number;
  /** The earlier infection episode starts here (reserved in every profile so the noise stays identical). */
  earlyEpisodeAt: number;
  /** The last infection episode starts here, after `quietAfter`. */
  lateEpisodeAt: number;
  /** The backup was taken. */
  backupAt: number;
}

/** The clock of the device built from `seed`. */
export function sampleClock(seed: string): SampleClock {
  const random = new SampleRandom(seed, "clock");
  const setupAt = Date.UTC(2022, 10, 7, 16, 42, 10) + random.int(40) * DAY + random.int(3600) * 1000;
  const usageStart = setupAt + 21 * DAY;
  const usageEnd = usageStart + (150 + random.int(20)) * DAY;
  const quietAfter = usageEnd - 3 * DAY;
  const earlyEpisodeAt =
    usageStart + (60 + random.int(40)) * DAY + (7 + random.int(12)) * HOUR + random.int(3600) * 1000;
  const lateEpisodeAt = quietAfter + DAY + (8 + random.int(10)) * HOUR + random.int(3600) * 1000;
  const backupAt = usageEnd + DAY + (1 + random.int(4)) * HOUR;
  return { setupAt, usageStart, usageEnd, quietAfter, earlyEpisodeAt, lateEpisodeAt, backupAt };
}

/** Durations in milliseconds. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = HOUR;
export const DAY_MS = DAY;
