#!/usr/bin/env node
/** The `spyglass` command: dispatches to a registered command and maps errors to exit status 1. */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isSpyglassError } from "../errors.js";
import type { Command, CommandIo } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { boundHeapGrowth } from "./heap.js";
import { toolVersion } from "./version.js";

boundHeapGrowth();

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(" ").length));
  const lines = COMMANDS.map((c) => `  spyglass ${c.path.join(" ").padEnd(width)}  ${c.summary}`);
  return [
    "spyglass — finds traces of mercenary spyware on iPhones",
    "",
    "Commands:",
    ...lines,
    "",
    "Options for every command: --help, --debug (stack traces on errors).",
    "Run `spyglass <command> --help` for its options.",
    "",
  ].join("\n");
}

function findCommand(words: readonly string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const command of COMMANDS) {
    const n = command.path.length;
    if (words.length >= n && command.path.every((w, i) => words[i] === w)) {
      if (best === undefined || n > best.path.length) best = command;
    }
  }
  return best === undefined ? undefined : { command: best, rest: words.slice(best.path.length) };
}

/** Runs the CLI with `argv` (without node and script) and returns the exit status. */
export async function main(argv: readonly string[], io: CommandIo): Promise<number> {
  const debug = argv.includes("--debug");
  const words = argv.filter((a) => a !== "--debug");
  const ctx = { ...io, debug };
  if (words.length === 0 || words[0] === "--help" || words[0] === "-h" || words[0] === "help") {
    io.stdout.write(overview());
    return 0;
  }
  if (words[0] === "--version" || words[0] === "-V" || words[0] === "version") {
    io.stdout.write(`spyglass ${toolVersion()}\n`);
    return 0;
  }
  const found = findCommand(words);
  const group = COMMANDS.filter((c) => c.path.length > 1 && c.path[0] === words[0]);
  if (found === undefined && group.length > 0) {
    const list = `${group.map((c) => `  spyglass ${c.path.join(" ").padEnd(24)} ${c.summary}`).join("\n")}\n`;
    if (words.length === 1 || words[1] === "--help" || words[1] === "-h") {
      io.stdout.write(list);
      return 0;
    }
    io.stderr.write(
      `spyglass: unknown command "${words.slice(0, 2).join(" ")}"; the ${words[0]} commands are:\n${list}`,
    );
    return 1;
  }
  if (found === undefined) {
    io.stderr.write(
      `spyglass: unknown command "${words.join(" ")}". Run \`spyglass --help\` for the list.\n`,
    );
    return 1;
  }
  if (found.rest.includes("--help") || found.rest.includes("-h")) {
    io.stdout.write(`${found.command.help.trimEnd()}\n`);
    return 0;
  }
  try {
    return await found.command.run(found.rest, ctx);
  } catch (error) {
    if (isSpyglassError(error)) {
      io.stderr.write(`spyglass: ${error.toLine()}\n`);
      if (debug && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
      return 1;
    }
    io.stderr.write(`spyglass: internal error: ${(error as Error).message ?? String(error)}\n`);
    if (debug) io.stderr.write(`${(error as Error).stack ?? ""}\n`);
    else io.stderr.write("spyglass: run again with --debug for details, and please report it.\n");
    return 1;
  }
}

/** True when this module is the program being run (also through the `spyglass` bin symlink). */
function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // A reader that closed the pipe early (`| head`) is not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    debug: false,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`spyglass: ${(error as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
