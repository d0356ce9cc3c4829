/** Fleet mode's functions (placeholder while the worker is wired). */
export const plan = async () => ({ groups: [] });
export const worker = async (input: unknown) => input;
export const summary = async (input: unknown) => input;
