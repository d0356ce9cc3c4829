/**
 * Health colours from the Okabe–Ito palette, which readers with any common colour-vision
 * deficiency tell apart: vermillion for failing, bluish green for healthy, orange for in
 * between, blue-grey for objects that have no health of their own. The pictures pair each with
 * a shape (✖ ✔ ◌, dashed borders, thick arrows), so colour is never the only cue.
 */
import type { Health } from "./path";

export const PALETTE: Record<Health, { stroke: string; fill: string }> = {
  failing: { stroke: "#D55E00", fill: "#FBE3D6" },
  healthy: { stroke: "#009E73", fill: "#D7F2E9" },
  pending: { stroke: "#E69F00", fill: "#FDF0D2" },
  neutral: { stroke: "#0072B2", fill: "#E3EEF7" },
};
