/**
 * A parser for STIX 2.x patterning (STIX 2.1 spec, section 9): observation expressions in brackets,
 * comparison expressions joined by AND/OR with parentheses, quoted strings with `\'` and `\\`
 * escapes, IN sets, and qualifiers. `evaluablePattern` reduces a parsed pattern to the list of
 * `path = 'value'` alternatives a single observable can be checked against.
 */

/** A comparison operator of STIX patterning. */
export type PatternOperator =
  | "="
  | "!="
  | "<"
  | "<="
  | ">"
  | ">="
  | "IN"
  | "LIKE"
  | "MATCHES"
  | "ISSUBSET"
  | "ISSUPERSET";

/** A literal: strings are decoded; other constants (numbers, booleans, h'', b'', t'') keep their text. */
export type PatternLiteral =
  | { kind: "string"; value: string }
  | { kind: "other"; text: string }
  | { kind: "set"; items: PatternLiteral[] };

/** A comparison expression inside one observation. */
export type ComparisonExpression =
  | { kind: "comparison"; path: string; negated: boolean; operator: PatternOperator; value: PatternLiteral }
  | { kind: "and"; items: ComparisonExpression[] }
  | { kind: "or"; items: ComparisonExpression[] };

/** A whole pattern: observations joined by AND/OR/FOLLOWEDBY, with qualifiers. */
export type PatternExpression =
  | { kind: "observation"; expression: ComparisonExpression; qualifiers: string[] }
  | { kind: "and" | "or" | "followedby"; items: PatternExpression[]; qualifiers: string[] };

/** Budgets for one pattern. */
export interface PatternBudget {
  maxLength: number;
  maxDepth: number;
  maxComparisons: number;
}

/** Defaults: far above any real indicator, small enough that a hostile one costs nothing. */
export const DEFAULT_PATTERN_BUDGET: PatternBudget = {
  maxLength: 64 * 1024,
  maxDepth: 32,
  maxComparisons: 1024,
};

/** A pattern that cannot be parsed; `offset` is where the parser stopped. */
export class PatternSyntaxError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = "PatternSyntaxError";
    this.offset = offset;
  }
}

const OPERATOR_WORDS = new Set(["IN", "LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"]);
const QUALIFIER_WORDS = new Set(["WITHIN", "REPEATS", "START"]);

class PatternParser {
  private pos = 0;
  private depth = 0;
  private comparisons = 0;

  constructor(
    private readonly text: string,
    private readonly budget: PatternBudget,
  ) {}

  parse(): PatternExpression {
    const result = this.patternOr();
    this.skipSpace();
    if (this.pos < this.text.length) this.fail(`unexpected "${this.text.slice(this.pos, this.pos + 12)}"`);
    return result;
  }

  private fail(message: string): never {
    throw new PatternSyntaxError(message, this.pos);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }

  private peekWord(): string | undefined {
    this.skipSpace();
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos, this.pos + 32));
    return match?.[0];
  }

  private acceptWord(word: string): boolean {
    const found = this.peekWord();
    if (found?.toUpperCase() !== word) return false;
    const next = this.text[this.pos + found.length];
    if (next !== undefined && /[A-Za-z0-9_:\-.]/.test(next)) return false;
    this.pos += found.length;
    return true;
  }

  private accept(symbol: string): boolean {
    this.skipSpace();
    if (this.text.startsWith(symbol, this.pos)) {
      this.pos += symbol.length;
      return true;
    }
    return false;
  }

  private expect(symbol: string): void {
    if (!this.accept(symbol)) this.fail(`expected "${symbol}"`);
  }

  private enter(): void {
    this.depth++;
    if (this.depth > this.budget.maxDepth) this.fail(`nesting deeper than ${this.budget.maxDepth}`);
  }

  private patternOr(): PatternExpression {
    const items = [this.patternAnd()];
    while (this.acceptWord("OR")) items.push(this.patternAnd());
    return items.length === 1 ? items[0]! : { kind: "or", items, qualifiers: [] };
  }

  private patternAnd(): PatternExpression {
    const items = [this.patternFollowed()];
    while (this.acceptWord("AND")) items.push(this.patternFollowed());
    return items.length === 1 ? items[0]! : { kind: "and", items, qualifiers: [] };
  }

  private patternFollowed(): PatternExpression {
    const items = [this.observation()];
    while (this.acceptWord("FOLLOWEDBY")) items.push(this.observation());
    return items.length === 1 ? items[0]! : { kind: "followedby", items, qualifiers: [] };
  }

  private observation(): PatternExpression {
    this.enter();
    let result: PatternExpression;
    if (this.accept("[")) {
      const expression = this.comparisonOr();
      this.expect("]");
      result = { kind: "observation", expression, qualifiers: [] };
    } else if (this.accept("(")) {
      result = this.patternOr();
      this.expect(")");
    } else {
      this.fail('expected "[" or "("');
    }
    result.qualifiers.push(...this.qualifiers());
    this.depth--;
    return result;
  }

  private qualifiers(): string[] {
    const found: string[] = [];
    for (;;) {
      const word = this.peekWord()?.toUpperCase();
      if (word === undefined || !QUALIFIER_WORDS.has(word)) return found;
      const start = this.pos;
      this.pos += word.length;
      if (word === "START") {
        this.literal();
        if (!this.acceptWord("STOP")) this.fail('expected "STOP"');
        this.literal();
      } else {
        this.skipSpace();
        const number = /^\d+(\.\d+)?/.exec(this.text.slice(this.pos, this.pos + 32));
        if (number === null) this.fail(`expected a number after ${word}`);
        this.pos += number[0].length;
        if (!this.acceptWord(word === "WITHIN" ? "SECONDS" : "TIMES")) this.fail("incomplete qualifier");
      }
      found.push(this.text.slice(start, this.pos).trim());
    }
  }

  private comparisonOr(): ComparisonExpression {
    const items = [this.comparisonAnd()];
    while (this.acceptWord("OR")) items.push(this.comparisonAnd());
    return items.length === 1 ? items[0]! : { kind: "or", items };
  }

  private comparisonAnd(): ComparisonExpression {
    const items = [this.comparisonTerm()];
    while (this.acceptWord("AND")) items.push(this.comparisonTerm());
    return items.length === 1 ? items[0]! : { kind: "and", items };
  }

  private comparisonTerm(): ComparisonExpression {
    if (this.accept("(")) {
      this.enter();
      const inner = this.comparisonOr();
      this.expect(")");
      this.depth--;
      return inner;
    }
    this.comparisons++;
    if (this.comparisons > this.budget.maxComparisons) {
      this.fail(`more than ${this.budget.maxComparisons} comparisons`);
    }
    const path = this.objectPath();
    const negated = this.acceptWord("NOT");
    const operator = this.operator();
    const value = this.literal();
    if (operator === "IN" && value.kind !== "set") this.fail("IN needs a set");
    return { kind: "comparison", path, negated, operator, value };
  }

  private objectPath(): string {
    this.skipSpace();
    const type = /^[a-z0-9][a-z0-9-]*:/.exec(this.text.slice(this.pos, this.pos + 256));
    if (type === null) this.fail("expected an object path");
    this.pos += type[0].length;
    let path = type[0];
    path += this.pathStep();
    for (;;) {
      if (this.text[this.pos] === ".") {
        this.pos++;
        path += `.${this.pathStep()}`;
      } else if (this.text[this.pos] === "[") {
        const index = /^\[(\d+|\*)\]/.exec(this.text.slice(this.pos, this.pos + 24));
        if (index === null) this.fail("bad list index");
        this.pos += index[0].length;
        path += index[0];
      } else {
        return path;
      }
    }
  }

  private pathStep(): string {
    if (this.text[this.pos] === "'") return `'${this.quoted()}'`;
    const step = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.pos, this.pos + 256));
    if (step === null) this.fail("expected a property name");
    this.pos += step[0].length;
    return step[0];
  }

  private operator(): PatternOperator {
    this.skipSpace();
    for (const symbol of ["!=", "<=", ">=", "=", "<", ">"] as const) {
      if (this.text.startsWith(symbol, this.pos)) {
        this.pos += symbol.length;
        return symbol;
      }
    }
    const word = this.peekWord()?.toUpperCase();
    if (word !== undefined && OPERATOR_WORDS.has(word)) {
      this.pos += word.length;
      return word as PatternOperator;
    }
    this.fail("expected a comparison operator");
  }

  private literal(): PatternLiteral {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === "'") return { kind: "string", value: this.quoted() };
    if (c === "(") {
      this.pos++;
      const items: PatternLiteral[] = [];
      do {
        items.push(this.literal());
      } while (this.accept(","));
      this.expect(")");
      return { kind: "set", items };
    }
    const prefixed = /^[htb]'/.exec(this.text.slice(this.pos, this.pos + 2));
    if (prefixed !== null) {
      const start = this.pos;
      this.pos++;
      this.quoted();
      return { kind: "other", text: this.text.slice(start, this.pos) };
    }
    const constant = /^(-?\d+(\.\d+)?|true|false)/i.exec(this.text.slice(this.pos, this.pos + 64));
    if (constant === null) this.fail("expected a value");
    this.pos += constant[0].length;
    return { kind: "other", text: constant[0] };
  }

  /** A single-quoted string; the only escapes STIX allows are `\'` and `\\`. */
  private quoted(): string {
    const start = this.pos;
    this.pos++;
    let out = "";
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) {
        this.pos = start;
        this.fail("unterminated string");
      }
      if (c === "'") {
        this.pos++;
        return out;
      }
      if (c === "\\") {
        const next = this.text[this.pos + 1];
        if (next !== "'" && next !== "\\") this.fail(`invalid escape "\\${next ?? ""}"`);
        out += next;
        this.pos += 2;
        continue;
      }
      out += c;
      this.pos++;
    }
  }
}

/** Parses a STIX pattern; throws PatternSyntaxError on bad syntax or an exceeded budget. */
export function parseStixPattern(
  text: string,
  budget: PatternBudget = DEFAULT_PATTERN_BUDGET,
): PatternExpression {
  if (text.length > budget.maxLength) {
    throw new PatternSyntaxError(`pattern of ${text.length} characters exceeds ${budget.maxLength}`, 0);
  }
  return new PatternParser(text, budget).parse();
}

/** One `path = 'value'` comparison that a single observable can be checked against. */
export interface PatternEquality {
  path: string;
  value: string;
}

/** What can be evaluated: alternatives (any one matching means a hit), and what had to be left out. */
export interface EvaluablePattern {
  alternatives: PatternEquality[];
  /** Why parts of the pattern were left out (empty when everything is used). */
  skipped: string[];
}

/**
 * Reduces a pattern to equality alternatives. OR (inside a bracket or between observations) and IN
 * sets become alternatives; AND, FOLLOWEDBY, qualifiers, negation and operators other than `=`
 * cannot be decided from one observed value, so those parts are reported as skipped.
 */
export function evaluablePattern(pattern: PatternExpression): EvaluablePattern {
  const result: EvaluablePattern = { alternatives: [], skipped: [] };
  collectPattern(pattern, result);
  return result;
}

function collectPattern(pattern: PatternExpression, out: EvaluablePattern): void {
  if (pattern.qualifiers.length > 0) {
    out.skipped.push(`qualifier ${pattern.qualifiers.join(" ")} cannot be checked on single values`);
    return;
  }
  if (pattern.kind === "observation") collectComparison(pattern.expression, out);
  else if (pattern.kind === "or") for (const item of pattern.items) collectPattern(item, out);
  else out.skipped.push(`${pattern.kind.toUpperCase()} of observations cannot be checked on single values`);
}

function collectComparison(expression: ComparisonExpression, out: EvaluablePattern): void {
  if (expression.kind === "or") {
    for (const item of expression.items) collectComparison(item, out);
    return;
  }
  if (expression.kind === "and") {
    out.skipped.push("AND of comparisons cannot be checked on single values");
    return;
  }
  const { path, negated, operator, value } = expression;
  if (negated || (operator !== "=" && operator !== "IN")) {
    out.skipped.push(`operator ${negated ? "NOT " : ""}${operator} on ${path} is not supported`);
    return;
  }
  const values = value.kind === "set" ? value.items : [value];
  for (const item of values) {
    if (item.kind === "string") out.alternatives.push({ path, value: item.value });
    else out.skipped.push(`non-string value on ${path}`);
  }
}
