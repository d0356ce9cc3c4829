import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const README = readFileSync(new URL("../../infra/README.md", import.meta.url), "utf8");
const shellBlocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe("infra/README's commands", () => {
  // Copied as they stand, a command that reads file://NAME needs NAME: a file of the repository,
  // or one the block writes first.
  it("read with file:// only files of the repository or ones the block writes first", () => {
    const unwritten = shellBlocks.flatMap((block) =>
      [...block.matchAll(/file:\/\/([\w./-]+)/g)]
        .filter((m) => !existsSync(new URL(`../../${m[1]}`, import.meta.url)))
        .filter((m) => !block.slice(0, m.index).includes(`> ${m[1]}`))
        .map((m) => m[0]),
    );
    expect(shellBlocks.length).toBeGreaterThan(0);
    expect(unwritten).toEqual([]);
  });
});
