/**
 * A parser for the block-style YAML subset that mvt-indicators' `indicators.yaml` uses: mappings,
 * sequences (`- item`, `-` on its own line, or a mapping started on the dash line), plain and quoted
 * scalars, `#` comments, and one-line flow sequences `[a, b]`. Anchors, tags, multi-line scalars and
 * flow mappings are refused with an error. Budgets: size, lines and depth.
 */

/** A decoded YAML value: strings for every scalar. */
export type YamlValue = string | YamlValue[] | { [key: string]: YamlValue };

/** Budgets for one document. */
export interface YamlBudget {
  maxBytes: number;
  maxLines: number;
  maxDepth: number;
}

/** Defaults: indicators.yaml is ~7 KB. */
export const DEFAULT_YAML_BUDGET: YamlBudget = { maxBytes: 1024 * 1024, maxLines: 50_000, maxDepth: 32 };

/** A document outside the subset or over budget; `line` is 1-based. */
export class YamlSubsetError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(`${message} (line ${line})`);
    this.name = "YamlSubsetError";
    this.line = line;
  }
}

interface Line {
  indent: number;
  text: string;
  number: number;
}

/** Parses a document; an empty document is an empty mapping. */
export function parseYamlSubset(source: string, budget: YamlBudget = DEFAULT_YAML_BUDGET): YamlValue {
  if (source.length > budget.maxBytes)
    throw new YamlSubsetError(`document exceeds ${budget.maxBytes} bytes`, 1);
  const raw = source.replace(/^\uFEFF/, "").split(/\r?\n/);
  if (raw.length > budget.maxLines) throw new YamlSubsetError(`more than ${budget.maxLines} lines`, 1);
  const lines: Line[] = [];
  raw.forEach((line, i) => {
    if (/^\s*(#.*)?$/.test(line) || line === "---") return;
    if (line.includes("\t") && /^\s*\t/.test(line)) throw new YamlSubsetError("tab in indentation", i + 1);
    const indent = line.length - line.trimStart().length;
    lines.push({ indent, text: line.trimEnd().slice(indent), number: i + 1 });
  });
  if (lines.length === 0) return {};
  const parser = new Parser(lines, budget.maxDepth);
  const value = parser.node(lines[0]!.indent, 0);
  if (parser.pos < lines.length)
    throw new YamlSubsetError("unexpected indentation", lines[parser.pos]!.number);
  return value;
}

class Parser {
  pos = 0;
  constructor(
    private readonly lines: Line[],
    private readonly maxDepth: number,
  ) {}

  node(indent: number, depth: number): YamlValue {
    const line = this.lines[this.pos]!;
    if (depth > this.maxDepth) throw new YamlSubsetError(`nested deeper than ${this.maxDepth}`, line.number);
    if (isDash(line.text)) return this.sequence(indent, depth);
    if (splitKey(line.text) !== undefined) return this.mapping(indent, depth);
    this.pos++;
    return scalar(line.text, line.number);
  }

  private sequence(indent: number, depth: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (;;) {
      const line = this.lines[this.pos];
      if (line === undefined || line.indent !== indent || !isDash(line.text)) return items;
      const rest = line.text.slice(1).trimStart();
      if (rest === "") {
        this.pos++;
        const next = this.lines[this.pos];
        items.push(next !== undefined && next.indent > indent ? this.node(next.indent, depth + 1) : "");
      } else {
        // "- key: value" starts a mapping whose keys line up with "key".
        const offset = indent + (line.text.length - rest.length);
        this.lines[this.pos] = { indent: offset, text: rest, number: line.number };
        items.push(this.node(offset, depth + 1));
      }
    }
  }

  private mapping(indent: number, depth: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (;;) {
      const line = this.lines[this.pos];
      if (line === undefined || line.indent !== indent || isDash(line.text)) return map;
      const pair = splitKey(line.text);
      if (pair === undefined) throw new YamlSubsetError("expected a key", line.number);
      const [key, value] = pair;
      if (Object.hasOwn(map, key)) throw new YamlSubsetError(`duplicate key "${key}"`, line.number);
      this.pos++;
      if (value !== "") {
        map[key] = scalar(value, line.number);
        continue;
      }
      const next = this.lines[this.pos];
      if (next !== undefined && (next.indent > indent || (next.indent === indent && isDash(next.text)))) {
        map[key] = this.node(next.indent, depth + 1);
      } else {
        map[key] = "";
      }
    }
  }
}

function isDash(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

function splitKey(text: string): [string, string] | undefined {
  const match = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#'"[\]{}][^:#]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (match === null) return undefined;
  return [unquote(match[1]!), match[2] ?? ""];
}

function scalar(text: string, line: number): YamlValue {
  const value = text.trim();
  if (/^[&*!|>{]/.test(value))
    throw new YamlSubsetError(`unsupported YAML syntax "${value.slice(0, 20)}"`, line);
  if (value.startsWith("[")) {
    if (!value.endsWith("]")) throw new YamlSubsetError("multi-line flow sequence", line);
    const inner = value.slice(1, -1).trim();
    return inner === "" ? [] : inner.split(",").map((item) => scalar(item, line));
  }
  if (value.startsWith('"') || value.startsWith("'")) {
    const quote = value[0]!;
    const end = value.lastIndexOf(quote);
    if (end <= 0) throw new YamlSubsetError("unterminated quoted string", line);
    return unquote(value.slice(0, end + 1));
  }
  const comment = value.search(/\s#/);
  return comment >= 0 ? value.slice(0, comment).trimEnd() : value;
}

function unquote(text: string): string {
  if (text.startsWith("'")) return text.slice(1, -1).replace(/''/g, "'");
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text) as string;
    } catch {
      return text.slice(1, -1);
    }
  }
  return text;
}
