// asl-validator ships no types; this is the part the tests use.
declare module "asl-validator" {
  export default function validator(definition: Record<string, unknown>): {
    isValid: boolean;
    errors: unknown[];
  };
}
