import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  benchSentence,
  notebookBudget,
  torchAvailable,
} from "../../bench/bench.ts";
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

Deno.test("every notebook has a Run All budget: 60 s, chapter 10 90 s, chapters 11 and 12 120 s", async () => {
  const names: string[] = [];
  for await (const entry of Deno.readDir(`${ROOT}notebooks`)) {
    if (/^(\d\d|A\d)_.*\.ipynb$/.test(entry.name)) names.push(entry.name);
  }
  assert(names.length >= 13, `only ${names.length} notebooks`);
  for (const name of names) {
    const expected = ({ "10": 90, "11": 120, "12": 120 } as Record<
      string,
      number
    >)[name.slice(0, 2)] ?? 60;
    assertEquals(notebookBudget(name), expected, name);
  }
});

/** Runs `deno task bench` with arguments; its exit code and output. */
async function bench(args: string[]) {
  const out = await new Deno.Command("deno", {
    args: ["task", "bench", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: decode(out.stdout),
    stderr: decode(out.stderr),
  };
}

/** The report's sections, by heading ("" for the text before the first). */
function sections(stdout: string): Map<string, string> {
  const parts = stdout.slice(stdout.indexOf("# Benchmark")).split("\n## ");
  return new Map(
    parts.map((p, i) => i === 0 ? ["", p] : [p.slice(0, p.indexOf("\n")), p]),
  );
}

Deno.test("the smoke benchmark runs and prints every section", async () => {
  const { code, stdout, stderr } = await bench([
    "--smoke",
    "--no-notebooks",
    ...(TORCH ? [] : ["--no-torch"]),
  ]);
  assertEquals(code, 0, stderr);
  assertStringIncludes(
    stdout,
    "| seqLen | dModel | handwritten ms/epoch | tfjs ms/epoch | pytorch ms/epoch | handwritten/pytorch | tfjs/pytorch |",
  );
  const parts = sections(stdout);
  assertEquals([...parts.keys()], [
    "",
    "Demo grid",
    "Chapter 7's training epoch",
    "GPT-shaped training",
    "Whole CLI process",
    "First run on an empty cache",
    "Memory",
    "Notebooks",
    "Details",
  ]);
  // The backend each part trained on is named, as it ran.
  assert(
    /the tfjs engine ran on (wasm|cpu); chapter 7 on (wasm|cpu); the GPTs on (wasm|cpu)\./
      .test(parts.get("")!),
    parts.get(""),
  );
  assertStringIncludes(
    parts.get("Chapter 7's training epoch")!,
    "| steps per epoch | backend | tfjs ms/epoch | pytorch ms/epoch | largest loss difference | tfjs/pytorch | target | vs target",
  );
  const gpt = parts.get("GPT-shaped training")!;
  assertStringIncludes(
    gpt,
    "| backend | tfjs ms/step | pytorch ms/step | largest loss difference | tfjs/pytorch | target | vs target | peak RSS, MiB | tensors per step constant |",
  );
  assertStringIncludes(gpt, "| tiny (smoke): 1 layers");
  assertStringIncludes(gpt, "| yes ("); // tensors constant from step to step
  // Each part records its load, and a loaded part publishes no ratio.
  for (
    const name of [
      "Demo grid",
      "Chapter 7's training epoch",
      "GPT-shaped training",
      "Whole CLI process",
    ]
  ) {
    const part = parts.get(name)!;
    const load = /1-minute load average before → after: (.*)/.exec(part);
    if (load === null) throw new Error(`${name} records no load average`);
    if (!TORCH) continue; // no ratios at all
    if (load[1].includes("loaded")) {
      assert(
        part.includes(" loaded |") ||
          part.includes("No CLI ratio: the machine was loaded"),
        `${name} is loaded but publishes a ratio:\n${part}`,
      );
    } else {
      assert(!part.includes(" loaded |"), `${name} is quiet:\n${part}`);
    }
  }
});

Deno.test("--no-task and --no-gpt skip their parts; an unknown flag is one sentence", async () => {
  const skipped = await bench([
    "--smoke",
    "--no-notebooks",
    "--no-torch",
    "--no-task",
    "--no-gpt",
  ]);
  assertEquals(skipped.code, 0, skipped.stderr);
  const parts = sections(skipped.stdout);
  assertStringIncludes(
    parts.get("Chapter 7's training epoch")!,
    "Not measured (--no-task).",
  );
  assertStringIncludes(
    parts.get("GPT-shaped training")!,
    "Not measured (--no-gpt).",
  );
  assert(!skipped.stdout.includes("chapter 7 on"), skipped.stdout);
  const bad = await bench(["--no-such-flag"]);
  assertEquals(bad.code, 2);
  assertStringIncludes(bad.stderr, 'unknown option "--no-such-flag"');
});
