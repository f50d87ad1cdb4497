/** `spyglass iocs list | check | update`: the indicator sets, checking values by hand, downloading updates. */
import { SpyglassError } from "../../errors.js";
import { userIndicatorsDir } from "../../indicators/data-dir.js";
import type { ObservedValue } from "../../indicators/indicator-index.js";
import { type LoadedIndicators, loadIndicators } from "../../indicators/load.js";
import { normalizeHash, parseIp } from "../../indicators/normalize.js";
import type { IndicatorCounts, IndicatorMatch } from "../../indicators/types.js";
import { defaultIndexUrl, updateIndicators } from "../../indicators/update.js";
import type { ObservableKind } from "../../model/observable.js";
import type { Warning } from "../../model/warning.js";
import { warningLine } from "../../model/warning.js";
import { parseCommandArgs } from "../args.js";
import { type CommandIo, defineCommand } from "../command.js";

const LOAD_OPTIONS = {
  iocs: { type: "string", multiple: true },
  "no-bundled": { type: "boolean" },
  json: { type: "boolean" },
} as const;

const LOAD_HELP = `  --iocs <file|dir>      indicator file or folder (repeatable; folders are searched recursively);
                         also SPYGLASS_IOCS (a list of paths) and the user data folder
  --no-bundled           leave out the bundled Operation Triangulation pack
  --json                 print JSON`;

async function load(
  values: { iocs?: string[]; "no-bundled"?: boolean },
  io: CommandIo,
): Promise<LoadedIndicators> {
  return loadIndicators({ paths: values.iocs ?? [], env: io.env, bundled: values["no-bundled"] !== true });
}

function formatCounts(counts: IndicatorCounts): string {
  return Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type} ${n}`)
    .join(", ");
}

function formatWarning(warning: Warning): string {
  return `  ${warning.code}: ${warningLine(warning)}`;
}

const list = defineCommand({
  path: ["iocs", "list"],
  summary: "List the loaded indicator sets: collections, counts per type, files, load warnings",
  help: `Usage: spyglass iocs list [--iocs <file|dir>]... [--no-bundled] [--json]

Loads indicators as a scan would (--iocs paths, SPYGLASS_IOCS, the user data folder filled by
\`iocs update\`, and the bundled pack) and lists each file with its collections, counts per type
and SHA-256, then any load warnings. Formats: STIX 2.0/2.1 bundles, mvt-indicators plain lists,
TinyCheck iocs.json, MISP JSON events.

Options:
${LOAD_HELP}`,
  async run(args, io) {
    const { values } = parseCommandArgs(
      args,
      LOAD_OPTIONS,
      "spyglass iocs list [--iocs <file|dir>]... [--json]",
    );
    const loaded = await load(values, io);
    const total = loaded.sets.reduce((n, s) => n + s.total, 0);
    if (values.json === true) {
      io.stdout.write(
        `${JSON.stringify({ total, sets: loaded.sets, warnings: loaded.warnings }, null, 2)}\n`,
      );
      return 0;
    }
    const out: string[] = [`${loaded.sets.length} indicator files, ${total} indicators`, ""];
    for (const set of loaded.sets) {
      out.push(`${set.name}  [${set.origin}, ${set.format}]  ${set.total} indicators`);
      out.push(`  file    ${set.source}`);
      out.push(`  sha256  ${set.sha256}`);
      out.push(`  types   ${formatCounts(set.counts) || "none"}`);
      if (set.collections.length > 1) {
        const shown = set.collections.slice(0, 5).map((c) => `${c.name} (${c.total})`);
        const more = set.collections.length > 5 ? `, and ${set.collections.length - 5} more` : "";
        out.push(`  ${set.collections.length} collections: ${shown.join(", ")}${more}`);
      }
      out.push("");
    }
    if (loaded.sets.some((s) => s.origin === "bundled")) {
      out.push("The bundled pack is loaded by default; --no-bundled leaves it out.");
    }
    if (!loaded.sets.some((s) => s.origin === "user-data")) {
      out.push(
        `No downloaded indicators in ${userIndicatorsDir(io.env)}; \`spyglass iocs update\` fetches them.`,
      );
    }
    if (loaded.warnings.length > 0) {
      out.push("", `${loaded.warnings.length} load warnings:`, ...loaded.warnings.map(formatWarning));
    }
    io.stdout.write(`${out.join("\n")}\n`);
    return 0;
  },
});

const KINDS: readonly ObservableKind[] = [
  "domain",
  "url",
  "ip",
  "email",
  "process",
  "path",
  "file-name",
  "app-id",
  "profile-id",
  "hash",
  "cert-sha1",
];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The kind of a value typed by a user: `kind:value` forces it, else it is inferred from its shape. */
export function inferObservable(input: string): ObservedValue {
  const colon = input.indexOf(":");
  if (colon > 0) {
    const prefix = input.slice(0, colon) as ObservableKind;
    if (KINDS.includes(prefix)) return { kind: prefix, value: input.slice(colon + 1) };
  }
  const value = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) || /^mailto:/i.test(value)) return { kind: "url", value };
  if (parseIp(value) !== undefined) return { kind: "ip", value };
  if (/^[^\s@/]+@[^\s@/]+$/.test(value)) return { kind: "email", value };
  if (value.startsWith("/")) return { kind: "path", value };
  if (normalizeHash(value) !== undefined && /^[0-9a-f]+$/i.test(value)) return { kind: "hash", value };
  if (UUID.test(value)) return { kind: "profile-id", value };
  if (value.includes(".")) return { kind: "domain", value };
  return { kind: "process", value };
}

const check = defineCommand({
  path: ["iocs", "check"],
  summary: "Check values (domains, URLs, IPs, e-mails, paths, process names…) against the indicators",
  help: `Usage: spyglass iocs check <value>... [--iocs <file|dir>]... [--no-bundled] [--json]

Checks each value with the same matcher a scan uses. The kind is inferred: a URL if it has a
scheme (mailto: too), an IP address, an e-mail address, a device path if it starts with "/", a
hash if it is 32, 40 or 64 hex digits, a profile id if it is a UUID, a domain if it has a dot,
else a process name (also checked as a file name). Force a kind with a prefix: process:Launch,
domain:…, url:, ip:, email:, path:, file-name:, app-id:, profile-id:, hash:, cert-sha1:.

--json prints an array, one entry per value in order:
  {"value", "kind", "matches": [{"indicator", "type", "collection", "source", "reason"}]}

Options:
${LOAD_HELP}`,
  async run(args, io) {
    const usage = "spyglass iocs check <value>... [--iocs <file|dir>]... [--json]";
    const { values, positionals } = parseCommandArgs(args, LOAD_OPTIONS, usage);
    if (positionals.length === 0)
      throw new SpyglassError("USAGE", "Expected at least one value", { hint: `Usage: ${usage}` });
    const loaded = await load(values, io);
    const results = positionals.map((input) => {
      const observed = inferObservable(input);
      let matches: readonly IndicatorMatch[] = loaded.index.match(observed);
      if (observed.kind === "process" && !input.startsWith("process:")) {
        matches = [...matches, ...loaded.index.match({ kind: "file-name", value: observed.value })];
      }
      return { value: observed.value, kind: observed.kind, matches };
    });
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      return 0;
    }
    const out: string[] = [];
    for (const result of results) {
      if (result.matches.length === 0) {
        out.push(`${result.value} (${result.kind}): no match`);
        continue;
      }
      out.push(
        `${result.value} (${result.kind}): ${result.matches.length} match${result.matches.length > 1 ? "es" : ""}`,
      );
      for (const m of result.matches) {
        out.push(`  ${m.indicator} (${m.type}, ${m.reason}) in "${m.collection}" from ${m.source}`);
      }
    }
    const total = loaded.sets.reduce((n, s) => n + s.total, 0);
    out.push("", `Checked against ${total} indicators from ${loaded.sets.length} files.`);
    if (loaded.warnings.length > 0)
      out.push(`${loaded.warnings.length} load warnings: see \`spyglass iocs list\`.`);
    io.stdout.write(`${out.join("\n")}\n`);
    return 0;
  },
});

const update = defineCommand({
  path: ["iocs", "update"],
  summary: "Download the indicator sets named by the mvt-indicators index into the user data folder",
  help: `Usage: spyglass iocs update [--index <url>] [--base-url <url>] [--json]

Reads an index in the mvt-indicators indicators.yaml format (default: the mvt-indicators index on
GitHub), downloads every file it names, checks that each decodes as indicators, and replaces the
indicator folder of the user data directory in one step: a failed update leaves the previous set
as it was. Prints what was added, updated, unchanged and removed. This is the only spyglass
command that uses the network.

The folder is $SPYGLASS_DATA_DIR/iocs, else $XDG_DATA_HOME/spyglass/iocs or
~/.local/share/spyglass/iocs (macOS: ~/Library/Application Support/spyglass/iocs).

Options:
  --index <url>          the index to read
  --base-url <url>       fetch GitHub-hosted files (and the default index) from this mirror instead
                         of https://raw.githubusercontent.com, as <url>/<owner>/<repo>/<branch>/<path>;
                         also SPYGLASS_IOCS_BASE_URL
  --json                 print JSON`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(
      args,
      { index: { type: "string" }, "base-url": { type: "string" }, json: { type: "boolean" } },
      "spyglass iocs update [--index <url>] [--base-url <url>] [--json]",
    );
    if (positionals.length > 0) throw new SpyglassError("USAGE", `Unexpected argument "${positionals[0]}"`);
    const baseUrl = values["base-url"] ?? (io.env.SPYGLASS_IOCS_BASE_URL || undefined);
    const directory = userIndicatorsDir(io.env);
    const indexUrl = values.index ?? defaultIndexUrl(baseUrl);
    if (values.json !== true) io.stderr.write(`Reading ${indexUrl}\n`);
    const report = await updateIndicators({
      directory,
      indexUrl,
      ...(baseUrl === undefined ? {} : { baseUrl }),
    });
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return 0;
    }
    const out = [
      `Indicators in ${directory}: ${report.added.length} added, ${report.updated.length} updated, ` +
        `${report.unchanged.length} unchanged, ${report.removed.length} removed.`,
    ];
    for (const file of report.files) {
      const mark = report.added.includes(file.fileName)
        ? "+"
        : report.updated.includes(file.fileName)
          ? "~"
          : "=";
      out.push(`  ${mark} ${file.name}: ${formatCounts(file.counts)}`);
    }
    for (const name of report.removed) out.push(`  - ${name}`);
    io.stdout.write(`${out.join("\n")}\n`);
    return 0;
  },
});

/** The `iocs` command group. */
export const IOCS_COMMANDS = [list, check, update];
