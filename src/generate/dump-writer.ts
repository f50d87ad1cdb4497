/**
 * Writes the files of an evidence source as a full file-system dump folder (`private/var/…` at its
 * root, file times kept): a dump of a generated sample device, for tests and benchmarks.
 */
import { promises as fs } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { SpyglassError } from "../errors.js";
import type { EvidenceSource } from "../readers/types.js";

/** Writes every present file and directory of `source` below `dir`; returns the number of files. */
export async function writeDumpFolder(
  source: EvidenceSource,
  dir: string,
  options: { prefix?: string } = {},
): Promise<number> {
  const root = resolve(dir, options.prefix ?? "");
  let files = 0;
  const times: Array<[string, Date]> = [];
  for (const entry of source.entries()) {
    const target = resolve(root, `.${entry.path}`);
    if (relative(root, target).startsWith(".."))
      throw new SpyglassError("INTERNAL", `Refusing to write outside ${root}: ${entry.path}`);
    if (entry.kind === "directory") await fs.mkdir(target, { recursive: true });
    else if (entry.kind === "file" && entry.present) {
      await fs.mkdir(dirname(target), { recursive: true });
      await fs.writeFile(target, await source.read(entry));
      files += 1;
    } else continue;
    if (entry.modifiedAt !== undefined) times.push([target, new Date(entry.modifiedAt)]);
  }
  // Directories last and deepest first, so writing their children does not move their times.
  times.sort((a, b) => b[0].length - a[0].length);
  for (const [path, time] of times) await fs.utimes(path, time, time);
  return files;
}
