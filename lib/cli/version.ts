import { version } from "../../package.json";

/** The package's version; the bundle carries it, so the installed CLI reads no file for it. */
export const VERSION: string = version;
