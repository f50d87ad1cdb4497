/** `spyglass artifacts`: every artifact with its title, sources, device paths and iOS versions. */
import { ARTIFACTS } from "../../artifacts/registry.js";
import { parseCommandArgs } from "../args.js";
import { defineCommand } from "../command.js";

export const artifactsCommand = defineCommand({
  path: ["artifacts"],
  summary: "List the artifacts Spyglass reads",
  help: `Usage: spyglass artifacts [--json]

Lists every artifact definition: id, title, the evidence kinds that carry it, the device paths
it reads and the iOS versions it was written against.`,
  async run(args, io) {
    const { values } = parseCommandArgs(args, { json: { type: "boolean" } }, "spyglass artifacts [--json]");
    const list = ARTIFACTS.map((a) => ({
      id: a.id,
      title: a.title,
      description: a.description,
      sources: a.sources,
      paths: a.paths,
      iosVersions: a.iosVersions,
    }));
    if (values.json === true) {
      io.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
      return 0;
    }
    for (const a of list) {
      io.stdout.write(`${a.id} — ${a.title}  [${a.sources.join(", ")}; ${a.iosVersions}]\n`);
      io.stdout.write(`  ${a.description}\n`);
      for (const path of a.paths) io.stdout.write(`    ${path}\n`);
    }
    io.stdout.write(`${list.length} artifacts\n`);
    return 0;
  },
});
