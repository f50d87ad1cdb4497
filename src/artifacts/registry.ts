/** Every artifact definition, in the order they run: one line per artifact. */
import type { ArtifactDefinition } from "./define.js";

export const ARTIFACTS: ArtifactDefinition[] = [];
