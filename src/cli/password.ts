/**
 * Where a backup password or derived key comes from, never the command line unless insisted on:
 * --key-file, --password-file, SPYGLASS_BACKUP_PASSWORD, a hidden prompt on a terminal, and last
 * --password (with a warning that other users can see it).
 */
import { promises as fs } from "node:fs";
import { SpyglassError } from "../errors.js";
import type { BackupKeyOptions } from "../readers/ios-backup/backup.js";
import type { CommandIo } from "./command.js";
import { spinner } from "./progress.js";

/** The options every command that opens a backup accepts. */
export const KEY_OPTIONS = {
  "password-file": { type: "string" },
  "key-file": { type: "string" },
  password: { type: "string" },
} as const;

export const KEY_OPTIONS_HELP = `Encrypted backups (the password never needs the command line):
  --password-file FILE   read the password from FILE (first line)
  --key-file FILE        use a derived key (64 hex characters) from \`spyglass backup extract-key\`
  SPYGLASS_BACKUP_PASSWORD   environment variable with the password
  (otherwise, on a terminal, you are asked for it with a hidden prompt)
  --password PASSWORD    also works, but other users of this machine can see it`;

/** Reads a derived key file: 64 hex characters, surrounding whitespace and a trailing newline allowed. */
export async function readKeyFile(path: string): Promise<Buffer> {
  let text: string;
  try {
    text = await fs.readFile(path, "utf8");
  } catch {
    throw new SpyglassError("NOT_FOUND", `Cannot read the key file ${path}`);
  }
  const hex = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new SpyglassError(
      "BAD_KEY",
      "The key file must hold 64 hexadecimal characters (a derived backup key)",
      { file: path },
    );
  }
  return Buffer.from(hex, "hex");
}

/** Builds the key options for openIosBackup from parsed CLI values, the environment and the terminal. */
export async function backupKeyOptions(
  values: {
    "password-file"?: string | undefined;
    "key-file"?: string | undefined;
    password?: string | undefined;
  },
  io: CommandIo,
): Promise<BackupKeyOptions> {
  let progress: ReturnType<typeof spinner> | undefined;
  const hooks = {
    onDeriveStart: (_iterations: number, unusual: string | undefined) => {
      if (unusual !== undefined) io.stderr.write(`warning: ${unusual}\n`);
      progress = spinner(
        io,
        unusual === undefined
          ? "Deriving the backup key (this takes a few seconds)"
          : "Deriving the backup key (unusually many rounds: this may take minutes)",
      );
      progress.start();
    },
    onDeriveEnd: () => progress?.stop(),
  };
  if (values["key-file"] !== undefined)
    return { derivedKey: await readKeyFile(values["key-file"]), ...hooks };
  if (values["password-file"] !== undefined) {
    let text: string;
    try {
      text = await fs.readFile(values["password-file"], "utf8");
    } catch {
      throw new SpyglassError("NOT_FOUND", `Cannot read the password file ${values["password-file"]}`);
    }
    const password = text.replace(/\r?\n$/, "").split(/\r?\n/)[0] ?? "";
    return { password: () => password, ...hooks };
  }
  if (values.password !== undefined) {
    io.stderr.write(
      "warning: --password is visible to other users of this machine (process list, shell history); prefer --password-file or SPYGLASS_BACKUP_PASSWORD\n",
    );
    const password = values.password;
    return { password: () => password, ...hooks };
  }
  const fromEnv = io.env.SPYGLASS_BACKUP_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== "") return { password: () => fromEnv, ...hooks };
  return {
    password: () => (io.stdin.isTTY === true ? promptHidden(io, "Backup password: ") : undefined),
    ...hooks,
  };
}

/** Asks for a secret on the terminal without echoing it. */
export function promptHidden(io: CommandIo, question: string): Promise<string | undefined> {
  const stdin = io.stdin as NodeJS.ReadStream;
  return new Promise((resolve) => {
    let answer = "";
    const wasRaw = stdin.isRaw;
    // Echo goes off before the question appears, so nothing typed (or pasted) early is shown.
    stdin.setRawMode?.(true);
    io.stderr.write(question);
    stdin.resume();
    stdin.setEncoding("utf8");
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === "\r" || ch === "\n" || ch === "\u0004") {
          finish(answer);
          return;
        }
        if (ch === "\u0003") {
          finish(undefined);
          return;
        }
        if (ch === "\u007f" || ch === "\b") answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    const finish = (value: string | undefined): void => {
      stdin.off("data", onData);
      stdin.setRawMode?.(wasRaw ?? false);
      stdin.pause();
      io.stderr.write("\n");
      resolve(value);
    };
    stdin.on("data", onData);
  });
}
