/** The command registry: one line per command group. */
import type { Command } from "../command.js";
import { artifactsCommand } from "./artifacts.js";
import { BACKUP_COMMANDS } from "./backup.js";
import { IOCS_COMMANDS } from "./iocs.js";
import { recheckCommand } from "./recheck.js";
import { scanCommand } from "./scan.js";

export const COMMANDS: Command[] = [
  scanCommand,
  recheckCommand,
  artifactsCommand,
  ...BACKUP_COMMANDS,
  ...IOCS_COMMANDS,
];
