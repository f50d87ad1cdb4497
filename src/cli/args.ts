/** Argument parsing on node:util parseArgs, with usage errors as SpyglassError USAGE. */
import { type ParseArgsConfig, parseArgs } from "node:util";
import { SpyglassError } from "../errors.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parses `args` against `options`; unknown options and missing values become usage errors. */
export function parseCommandArgs<T extends Options>(args: readonly string[], options: T, usage: string) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new SpyglassError("USAGE", (cause as Error).message.replace(/\. To specify.*$/s, ""), {
      hint: `Usage: ${usage}`,
      cause,
    });
  }
}
