// lib/chapters/09_a_pretrained_transformer/pretrained.ts loads its packaged model offline: a separate Deno
// process with network access denied and no downloads allowed.

import { assert, assertEquals } from "@std/assert";

const PINK_ELEPHANT =
  "The pink elephant tried to get into the car but it was too";

Deno.test("the model loads and runs in a process without network access", async () => {
  const root = new URL("../../", import.meta.url);
  const dir = await Deno.makeTempDir({ prefix: "pretrained-offline-" });
  try {
    const script = `${dir}/offline.ts`;
    await Deno.writeTextFile(
      script,
      [
        `import { loadPretrained } from ${
          JSON.stringify(
            new URL(
              "lib/chapters/09_a_pretrained_transformer/pretrained.ts",
              root,
            ).href,
          )
        };`,
        `const model = await loadPretrained();`,
        `const { tokens, weights } = await model.attention(${
          JSON.stringify(PINK_ELEPHANT)
        });`,
        `console.log(JSON.stringify({ net: (await Deno.permissions.query({ name: "net" })).state, tokens, shape: weights.shape }));`,
      ].join("\n"),
    );
    const output = await new Deno.Command(Deno.execPath(), {
      // --cached-only: nothing may be downloaded either
      args: [
        "run",
        "--cached-only",
        "--deny-net",
        "--no-prompt",
        `--config=${new URL("deno.json", root).pathname}`,
        script,
      ],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(output.stderr);
    assert(output.success, `the offline run failed:\n${stderr}`);
    const result = JSON.parse(new TextDecoder().decode(output.stdout));
    assertEquals(result.net, "denied");
    assertEquals(result.tokens.length, 16);
    assertEquals(result.shape, [2, 4, 16, 16]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
