import { assertEquals, assertStringIncludes } from "@std/assert";
import { benchSentence } from "../bench/bench.ts";
import { prepareExperiment } from "../lib/mod.ts";

const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
const PYTHON = "/usr/bin/python3";
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

// Whether Debian's Python can import torch (the benchmark's PyTorch twin).
async function hasTorch(): Promise<boolean> {
  try {
    const out = await new Deno.Command(PYTHON, {
      args: ["-c", "import torch"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.code === 0;
  } catch {
    return false;
  }
}

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

Deno.test("benchmark sentences are the PyTorch twin's", async (t) => {
  if (!(await hasTorch())) {
    console.log("PyTorch not importable by /usr/bin/python3: skipped");
    return;
  }
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
});

Deno.test("the smoke benchmark runs and prints the table", async () => {
  const torch = await hasTorch();
  const out = await new Deno.Command("deno", {
    args: [
      "task",
      "bench",
      "--smoke",
      "--no-notebooks",
      ...(torch ? [] : ["--no-torch"]),
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
    "| seqLen | dModel | fast ms/epoch | tfjs ms/epoch | pytorch ms/epoch | fast/pytorch | tfjs/pytorch |",
  );
  assertStringIncludes(stdout, "## Whole CLI process");
});
