/** Snapshots a folder (names, sizes, modes, mtimes, SHA-256) to prove a test left evidence untouched. */
import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import { join, relative } from "node:path";

/** One line per entry below `root`, sorted: path, type, size, mode, mtime, content hash. */
export async function snapshotTree(root: string): Promise<string[]> {
  const lines: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const child of await fs.readdir(dir, { withFileTypes: true })) {
      const path = join(dir, child.name);
      const stat = await fs.lstat(path);
      const rel = relative(root, path);
      if (stat.isDirectory()) {
        lines.push(`${rel}/ d ${stat.mode} ${stat.mtimeMs}`);
        await walk(path);
      } else if (stat.isFile()) {
        const hash = createHash("sha256")
          .update(await fs.readFile(path))
          .digest("hex");
        lines.push(`${rel} f ${stat.size} ${stat.mode} ${stat.mtimeMs} ${hash}`);
      } else lines.push(`${rel} ${stat.isSymbolicLink() ? `l ${await fs.readlink(path)}` : "other"}`);
    }
  }
  await walk(root);
  return lines.sort();
}
