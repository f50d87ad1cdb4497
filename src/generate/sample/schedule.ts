/**
 * Keeps the noise events that Operation Triangulation's timeline heuristic clusters (kaspersky.md 1.6: SMS
 * attachment folders, the watched preference files, network use of the named processes, location bundles)
 * apart from each other, so that a clean device never shows two kinds of them within minutes.
 */
import { HOUR_MS, MINUTE_MS, type SampleClock } from "./clock.js";

/** The kinds of event the heuristic counts. */
export type QuietClass = "sms" | "file" | "net" | "location";

/** Distance kept between noise events of different kinds (the heuristic's window is 5 minutes). */
export const ISOLATION_MS = 30 * MINUTE_MS;
/** Distance kept between any noise event of these kinds and an infection episode. */
const EPISODE_MARGIN_MS = 3 * HOUR_MS;
const STEP_MS = 41 * MINUTE_MS;

/** Places noise events of the heuristic's kinds so that different kinds never come close. */
export class QuietSchedule {
  /** Placed events by ISOLATION_MS-wide slot, so a check looks at three slots, not at every event. */
  private readonly slots = new Map<number, Array<{ at: number; kind: QuietClass }>>();
  private readonly episodes: number[];

  constructor(private readonly clock: SampleClock) {
    this.episodes = [clock.earlyEpisodeAt, clock.lateEpisodeAt];
  }

  /** The first free time at or after `desired` (wrapping into the usage period), recorded as taken. */
  place(kind: QuietClass, desired: number): number {
    const start = this.clock.usageStart;
    const span = this.clock.quietAfter - start;
    let at = start + ((((desired - start) % span) + span) % span);
    for (let tries = 0; tries < 10_000; tries += 1) {
      if (this.isFree(kind, at)) {
        const slot = Math.floor(at / ISOLATION_MS);
        const list = this.slots.get(slot);
        if (list === undefined) this.slots.set(slot, [{ at, kind }]);
        else list.push({ at, kind });
        return at;
      }
      at += STEP_MS;
      if (at >= this.clock.quietAfter) at = start + (at - this.clock.quietAfter);
    }
    throw new Error("no free time left for a noise event");
  }

  private isFree(kind: QuietClass, at: number): boolean {
    if (this.episodes.some((e) => Math.abs(e - at) < EPISODE_MARGIN_MS)) return false;
    const slot = Math.floor(at / ISOLATION_MS);
    for (let s = slot - 1; s <= slot + 1; s += 1) {
      if (this.slots.get(s)?.some((e) => e.kind !== kind && Math.abs(e.at - at) < ISOLATION_MS) === true)
        return false;
    }
    return true;
  }
}
