/** Where `iocs update` keeps downloaded indicators: the user data directory, per platform conventions. */
import { homedir } from "node:os";
import { join } from "node:path";

/**
 * The spyglass data directory: `SPYGLASS_DATA_DIR` when set; else `$XDG_DATA_HOME/spyglass` or
 * `~/.local/share/spyglass` on Linux, `~/Library/Application Support/spyglass` on macOS,
 * `%LOCALAPPDATA%\spyglass` on Windows.
 */
export function spyglassDataDir(
  env: Readonly<Record<string, string | undefined>>,
  platform = process.platform,
): string {
  if (env.SPYGLASS_DATA_DIR) return env.SPYGLASS_DATA_DIR;
  const home = env.HOME || homedir();
  if (platform === "darwin") return join(home, "Library", "Application Support", "spyglass");
  if (platform === "win32") return join(env.LOCALAPPDATA || join(home, "AppData", "Local"), "spyglass");
  return join(env.XDG_DATA_HOME || join(home, ".local", "share"), "spyglass");
}

/** The folder of downloaded indicator files inside the data directory. */
export function userIndicatorsDir(env: Readonly<Record<string, string | undefined>>): string {
  return join(spyglassDataDir(env), "iocs");
}
