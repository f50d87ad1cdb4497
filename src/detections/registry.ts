/** Every detection, in the order they run: one line per detection. */
import type { Detection } from "./define.js";

export const DETECTIONS: Detection[] = [];
