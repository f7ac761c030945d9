// `deno task train-gpt` as a reader runs it (lib/chapters/11_a_small_gpt/train_gpt.ts):
// usage, one-sentence errors, a tiny run that checkpoints and resumes, and
// Ctrl-C saving a checkpoint.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { loadCheckpoint } from "../../lib/chapters/11_a_small_gpt/checkpoint.ts";

const SCRIPT =
  new URL("../../lib/chapters/11_a_small_gpt/train_gpt.ts", import.meta.url)
    .pathname;
const TINY = [
  "--layers",
  "1",
  "--heads",
  "2",
  "--d-model",
  "16",
  "--block-size",
  "16",
  "--batch-size",
  "2",
  "--evaluate-every",
  "2",
  "--checkpoint-every",
  "2",
];

function command(args: string[]) {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-sys",
      SCRIPT,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  });
}

async function run(args: string[]) {
  const out = await command(args).output();
  const text = new TextDecoder();
  return {
    code: out.code,
    stdout: text.decode(out.stdout),
    stderr: text.decode(out.stderr),
  };
}

Deno.test("train-gpt prints its usage, and one sentence for a bad flag", async () => {
  const help = await run(["--help"]);
  assertEquals(help.code, 0);
  assertStringIncludes(help.stdout, "Usage: deno task train-gpt");
  for (
    const [args, message] of [
      [["--steps", "abc"], 'train-gpt: --steps needs a number, got "abc"'],
      [["--bogus"], 'train-gpt: unknown option "--bogus"; see --help'],
      [
        ["--steps", "-3"],
        "train-gpt: steps must be a whole number ≥ 0, got -3",
      ],
      [
        ["--backend", "gpu"],
        'train-gpt: --backend must be auto, wasm or cpu, got "gpu"',
      ],
    ] as const
  ) {
    const r = await run([...args]);
    assertEquals([r.code, r.stderr.trim()], [2, message]);
  }
  const empty = await Deno.makeTempDir();
  const r = await run(["--resume", "--out", empty]);
  assertEquals(r.code, 1);
  assertEquals(r.stderr.trim().split("\n").length, 1);
  assertStringIncludes(r.stderr, `train-gpt: cannot resume from ${empty}/`);
});

Deno.test("train-gpt checkpoints a tiny run, resumes it, and saves on Ctrl-C", async () => {
  const out = await Deno.makeTempDir();
  const first = await run([...TINY, "--steps", "4", "--out", out]);
  assertEquals(first.code, 0, first.stderr);
  assertStringIncludes(first.stdout, "evaluation at step 4:");
  assertStringIncludes(first.stdout, "train-gpt: finished at step 4");
  assertEquals(loadCheckpoint(`${out}/sotu_gpt.safetensors`).step, 4);
  assert(Deno.readTextFileSync(`${out}/training_log.svg`).startsWith("<svg"));
  const second = await run(["--resume", "--steps", "6", "--out", out]);
  assertEquals(second.code, 0, second.stderr);
  assertStringIncludes(second.stdout, "resuming at step 4 (Adam restarts)");
  const log = JSON.parse(Deno.readTextFileSync(`${out}/training_log.json`));
  assertEquals(log.losses.length, 6);
  assertEquals(
    log.segments.map((
      s: { fromStep: number; toStep: number },
    ) => [s.fromStep, s.toStep]),
    [[0, 4], [4, 6]],
  );
  assertEquals(log.evaluations.map((e: { step: number }) => e.step), [
    0,
    2,
    4,
    6,
  ]);

  // Ctrl-C: a long run stops after the step it is in and writes a checkpoint.
  const long = await Deno.makeTempDir();
  const child = command([...TINY, "--steps", "100000", "--out", long]).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("step 10/")) text += (await reader.read()).value ?? "";
  child.kill("SIGINT");
  for (
    let chunk = await reader.read();
    !chunk.done;
    chunk = await reader.read()
  ) text += chunk.value;
  const status = await child.status;
  await child.stderr.cancel();
  assertEquals(status.code, 0);
  assertStringIncludes(text, "Ctrl-C: stopping after this step and saving…");
  const stopped = /train-gpt: aborted at step (\d+)/.exec(text);
  if (stopped === null) throw new Error(text);
  assertEquals(
    loadCheckpoint(`${long}/sotu_gpt.safetensors`).step,
    Number(stopped[1]),
  );
});
