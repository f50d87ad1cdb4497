/** The command registry: one line per command group. */
import type { Command } from "../command.js";
import { BACKUP_COMMANDS } from "./backup.js";

export const COMMANDS: Command[] = [...BACKUP_COMMANDS];
