import type { Metafile } from "esbuild";

export const DIST: string;
export function buildCli(options?: { outdir?: string }): Promise<Metafile>;
