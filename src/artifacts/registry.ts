/** Every artifact definition, in the order they run: one line per artifact. */
import type { ArtifactDefinition } from "./define.js";
import { cacheFilesArtifact } from "./ios/cache-files.js";
import { dataUsageArtifact } from "./ios/datausage.js";
import { netUsageArtifact } from "./ios/netusage.js";
import { safariHistoryArtifact } from "./ios/safari-history.js";

export const ARTIFACTS: ArtifactDefinition[] = [
  safariHistoryArtifact,
  cacheFilesArtifact,
  dataUsageArtifact,
  netUsageArtifact,
];
