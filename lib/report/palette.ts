/**
 * How the pictures show health, in Mermaid and SVG alike. Colours from the Okabe–Ito palette,
 * which readers with any common colour-vision deficiency tell apart: vermillion for failing,
 * bluish green for healthy, orange for in between, blue for objects that have no health of
 * their own. Each comes with an icon and a border (dashed failing, dotted in between), so that
 * colour is never the only cue; blamed arrows are also thick and labelled.
 */
import type { Health } from "./path";

export interface HealthStyle {
  stroke: string;
  fill: string;
  /** Put before the box's title. */
  icon: string;
  /** The border's SVG `stroke-dasharray`; empty for a solid border. */
  dash: string;
  /** The same border in CSS, for the legend. */
  border: "dashed" | "dotted" | "solid";
}

export const PALETTE: Record<Health, HealthStyle> = {
  failing: { stroke: "#D55E00", fill: "#FBE3D6", icon: "✖", dash: "7 4", border: "dashed" },
  healthy: { stroke: "#009E73", fill: "#D7F2E9", icon: "✔", dash: "", border: "solid" },
  pending: { stroke: "#E69F00", fill: "#FDF0D2", icon: "◌", dash: "2 3", border: "dotted" },
  neutral: { stroke: "#0072B2", fill: "#E3EEF7", icon: "", dash: "", border: "solid" },
};

/** The title with its health's icon in front. */
export const withIcon = (health: Health, title: string): string =>
  PALETTE[health].icon ? `${PALETTE[health].icon} ${title}` : title;
