/** JSON decoding for indicator files with budgets checked before the decoder runs. */

/** Budgets for one JSON indicator file. */
export interface JsonBudget {
  maxBytes: number;
  maxDepth: number;
}

/** Defaults: the largest real bundle is ~4 MB and 4 levels deep. */
export const DEFAULT_JSON_BUDGET: JsonBudget = { maxBytes: 64 * 1024 * 1024, maxDepth: 64 };

/** Why a JSON file was refused. */
export class JsonBudgetError extends Error {
  readonly offset: number | undefined;
  constructor(message: string, offset?: number) {
    super(message);
    this.name = "JsonBudgetError";
    this.offset = offset;
  }
}

/**
 * Parses JSON text after checking its size and nesting depth (a scan that skips strings), so
 * hostile nesting cannot exhaust the stack of the recursive decoder; syntax errors keep their message.
 */
export function parseJsonWithBudget(text: string, budget: JsonBudget = DEFAULT_JSON_BUDGET): unknown {
  if (text.length > budget.maxBytes) {
    throw new JsonBudgetError(`${text.length} bytes exceeds the ${budget.maxBytes}-byte budget`);
  }
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) {
      inString = true;
    } else if (c === 123 || c === 91) {
      depth++;
      if (depth > budget.maxDepth) {
        throw new JsonBudgetError(`nesting deeper than ${budget.maxDepth} levels`, i);
      }
    } else if (c === 125 || c === 93) {
      depth--;
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new JsonBudgetError(`malformed JSON: ${(cause as Error).message}`);
  }
}

/** True for a plain JSON object. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
