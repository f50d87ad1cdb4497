/** The command registry: one line per command group. */
import type { Command } from "../command.js";
import { BACKUP_COMMANDS } from "./backup.js";
import { IOCS_COMMANDS } from "./iocs.js";
import { scanCommand } from "./scan.js";

export const COMMANDS: Command[] = [scanCommand, ...BACKUP_COMMANDS, ...IOCS_COMMANDS];
