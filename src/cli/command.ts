/** The shape of a CLI command: a name path, help text, and a run function returning the exit status. */

/** What a command writes to; tests pass their own. */
export interface CommandIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  debug: boolean;
}

/** One command, e.g. `backup info`. */
export interface Command {
  /** Words after `spyglass`, e.g. ["backup", "info"]. */
  path: readonly string[];
  summary: string;
  /** Full help: usage line, arguments, options (shown by --help). */
  help: string;
  run(args: readonly string[], io: CommandIo): Promise<number>;
}

/** Identity helper for command definitions. */
export function defineCommand(command: Command): Command {
  return command;
}
