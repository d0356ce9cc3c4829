/**
 * The part of an AWS SDK v3 client's middleware stack the collectors add their steps to (call
 * counting, client-side rate limiting). Method syntax, so any client's stack fits.
 */
export interface Stack {
  addRelativeTo(
    middleware: unknown,
    options: { relation: "after"; toMiddleware: string; name: string },
  ): void;
}

/** The shape every step of the stack shares; the step's own types add nothing here. */
export type Next = (args: object) => Promise<object>;
