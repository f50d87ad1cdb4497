/** Validators built from docs/results.schema.json, for tests: the whole results file, or one finding. */
import { promises as fs } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

async function compiled(): Promise<{ ajv: Ajv2020; id: string }> {
  const schema = JSON.parse(
    await fs.readFile(new URL("../../docs/results.schema.json", import.meta.url), "utf8"),
  ) as { $id: string };
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  (addFormats as unknown as (a: Ajv2020) => void)(ajv);
  ajv.addSchema(schema);
  return { ajv, id: schema.$id };
}

/** A validator of a whole results.json. */
export async function resultsValidator(): Promise<ValidateFunction> {
  const { ajv, id } = await compiled();
  return ajv.getSchema(id)!;
}

/** A validator of one finding as results.json holds it (with `id` and `device`). */
export async function findingValidator(): Promise<ValidateFunction> {
  const { ajv, id } = await compiled();
  return ajv.getSchema(`${id}#/$defs/finding`)!;
}
