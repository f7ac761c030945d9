import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { benchSentence, torchAvailable } from "../../bench/bench.ts";
import { prepareExperiment } from "../../lib/mod.ts";

const ROOT = decodeURIComponent(new URL("../../", import.meta.url).pathname);
const PYTHON = "/usr/bin/python3";
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("benchmark sentences keep the demo's words, then distinct fillers", () => {
  const experiment = prepareExperiment({ sentence: benchSentence(20) });
  assertEquals(experiment.tokens.length, 20);
  assertEquals(experiment.tokens.slice(13), [
    "w0013",
    "w0014",
    "w0015",
    "w0016",
    "w0017",
    "w0018",
    "w0019",
  ]);
  assertEquals(experiment.focusPosition, 10);
  assertEquals(experiment.sizePositions, [2, 8, 12]);
  assertEquals(experiment.vocabulary.words.length, 19); // "the" repeats
});

// Tests that need PyTorch are reported as ignored (not passed) without it;
// CI installs it (.ci/run).
const TORCH = (await torchAvailable()).ok;

Deno.test({
  name:
    "the hand-written engine matches PyTorch (float64) to the last digits, from the same start",
  ignore: !TORCH,
  fn: async (t) => {
    const cases: string[][] = [
      [],
      [
        "--sentence",
        "A tiny mouse hid in the huge box because it was small",
        "--size-words",
        "tiny,mouse,small",
        "--d-model",
        "8",
        "--learning-rate",
        "0.01",
        "--epochs",
        "300",
        "--seed",
        "7",
      ],
    ];
    for (const args of cases) {
      await t.step(args.join(" ") || "the default demo", async () => {
        const ours = JSON.parse(
          await run("deno", ["run", "lib/cli.ts", "--json", ...args]),
        );
        const init = await Deno.makeTempFile({ suffix: ".json" });
        try {
          await Deno.writeTextFile(
            init,
            JSON.stringify(ours.initialParameters),
          );
          const theirs = JSON.parse(
            await run(PYTHON, [
              "bench/torch_twin.py",
              "--json",
              "--float64",
              "--init-json",
              init,
              ...args,
            ]),
          );
          assertEquals(theirs.history.length, ours.history.length);
          const worst = (a: number[], b: number[]) =>
            Math.max(...a.map((x, i) => Math.abs(x - b[i])));
          const lossGap = worst(
            ours.history.map((h: { loss: number }) => h.loss),
            theirs.history.map((h: { loss: number }) => h.loss),
          );
          const weightGap = worst(
            ours.weights.map((w: { weight: number }) => w.weight),
            theirs.weights,
          );
          assert(lossGap < 1e-12, `loss histories differ by ${lossGap}`);
          assert(weightGap < 1e-12, `final weights differ by ${weightGap}`);
        } finally {
          await Deno.remove(init);
        }
      });
    }
  },
});

async function run(command: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(command, {
    args,
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(out.code, 0, decode(out.stderr));
  return decode(out.stdout);
}

Deno.test({
  name: "benchmark sentences are the PyTorch twin's",
  ignore: !TORCH,
  fn: async (t) => {
    await t.step("for seqLen 13, 64 and 1024", async () => {
      const out = await new Deno.Command(PYTHON, {
        args: [
          "-c",
          "import sys; sys.path.insert(0, 'bench'); from torch_twin import bench_sentence; print('\\n'.join(bench_sentence(n) for n in (13, 64, 1024)))",
        ],
        cwd: ROOT,
        stdout: "piped",
      }).output();
      assertEquals(out.code, 0);
      assertEquals(
        decode(out.stdout).trimEnd().split("\n"),
        [13, 64, 1024].map(benchSentence),
      );
    });
  },
});

Deno.test("the smoke benchmark runs and prints the table", async () => {
  const out = await new Deno.Command("deno", {
    args: [
      "task",
      "bench",
      "--smoke",
      "--no-notebooks",
      ...(TORCH ? [] : ["--no-torch"]),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = decode(out.stdout);
  assertEquals(out.code, 0, decode(out.stderr));
  assertStringIncludes(
    stdout,
    "| seqLen | dModel | handwritten ms/epoch | tfjs ms/epoch | pytorch ms/epoch | handwritten/pytorch | tfjs/pytorch |",
  );
  assertStringIncludes(stdout, "## Whole CLI process");
  // The load average is recorded, and a loaded run publishes no ratio.
  const load = /1-minute load average during the run: (.*)/.exec(stdout);
  if (load === null) throw new Error("the report records no load average");
  if (load[1].includes("loaded")) {
    assertStringIncludes(stdout, " loaded |");
    assertStringIncludes(stdout, "No CLI ratio: the machine was loaded");
  }
});
