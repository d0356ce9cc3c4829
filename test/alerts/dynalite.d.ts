// dynalite ships no types; this is the part the tests use.
declare module "dynalite" {
  import type { Server } from "node:http";
  interface DynaliteOptions {
    /** Milliseconds a CreateTable takes to become ACTIVE. */
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
    /** Directory of a LevelDB store; without it the data stays in memory. */
    path?: string;
  }
  export default function dynalite(options?: DynaliteOptions): Server;
}
