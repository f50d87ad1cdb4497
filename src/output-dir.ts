/** Output folders: refuse a non-empty one unless forced, create it only when asked. */
import { promises as fs } from "node:fs";
import { SpyglassError } from "./errors.js";

/** Throws OUTPUT_EXISTS when `out` holds anything and `force` is false, IO when it cannot be listed. */
export async function checkOutputDir(out: string, force: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(out);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw new SpyglassError("IO", `Cannot use ${out} as the output folder: ${(error as Error).message}`);
  }
  if (entries.length > 0 && !force) {
    throw new SpyglassError("OUTPUT_EXISTS", `The output folder ${out} is not empty`, {
      hint: "Choose an empty folder or add --force",
    });
  }
}

/** Checks the folder as above, then creates it. */
export async function prepareOutputDir(out: string, force: boolean): Promise<void> {
  await checkOutputDir(out, force);
  await fs.mkdir(out, { recursive: true });
}
