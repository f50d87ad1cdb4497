/** Spinners and progress bars on stderr, shown only on a terminal. */
import type { CommandIo } from "./command.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A spinner for waits of unknown length (key derivation). */
export function spinner(io: CommandIo, label: string): { start(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  let frame = 0;
  return {
    start() {
      if (io.stderr.isTTY !== true) return;
      timer = setInterval(() => {
        io.stderr.write(`\r${FRAMES[frame++ % FRAMES.length]} ${label}`);
      }, 80);
    },
    stop() {
      if (timer === undefined) return;
      clearInterval(timer);
      timer = undefined;
      io.stderr.write(`\r${" ".repeat(label.length + 2)}\r`);
    },
  };
}

/** A progress bar over a known total (bytes or items). */
export function progressBar(
  io: CommandIo,
  label: string,
  total: number,
): { update(done: number): void; done(): void } {
  let last = 0;
  const tty = io.stderr.isTTY === true;
  return {
    update(done) {
      if (!tty) return;
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      const ratio = total === 0 ? 1 : Math.min(1, done / total);
      const width = 30;
      const filled = Math.round(ratio * width);
      io.stderr.write(
        `\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}%`,
      );
    },
    done() {
      if (tty) io.stderr.write(`\r${" ".repeat(label.length + 40)}\r`);
    },
  };
}
