/** Runs the CLI in-process with captured output, as a user would call it. */
import { PassThrough } from "node:stream";
import { main } from "../cli/main.js";

/** What a CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `spyglass <args>` with the given environment (no terminal: prompts are never shown). */
export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on("data", (chunk: Buffer) => out.push(chunk));
  stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const code = await main(args, { stdout, stderr, stdin: new PassThrough(), env: { ...env }, debug: false });
  return { code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") };
}
