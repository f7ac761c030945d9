// The CLI in-process: main() returns the exit code and prints through an
// output object, so no Deno process is started. The real-process cases are
// in tests/integration/cli_process_test.ts.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { formatProgress, main, parseArgs, UsageError } from "../lib/cli.ts";

// Runs main() and collects what it prints.
async function run(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, {
    log: (text) => out.push(text + "\n"),
    error: (text) => err.push(text + "\n"),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

Deno.test("the default run prints the original demo's report, size words first", async () => {
  const { code, stdout, stderr } = await run([]);
  assertEquals(code, 0);
  assertEquals(stderr, "");
  const lines = stdout.split("\n");
  assertEquals(lines[0], "Starting training...");
  const epochs = lines.filter((l) => l.startsWith("Epoch: "));
  assertEquals(epochs.length, 10);
  assertMatch(epochs[0], /^Epoch: 0, Loss: \d\.\d{4}$/);
  assertMatch(epochs[9], /^Epoch: 180, Loss: \d\.\d{4}$/);
  const ranked = lines.filter((l) => l.startsWith("Token: "));
  assertEquals(ranked.length, 13);
  const top3 = ranked.slice(0, 3).map((l) => l.split(/\s+/)[1]).sort();
  assertEquals(top3, ["car", "elephant", "too"]);
});

Deno.test("--engine tfjs prints the same report as the hand-written engine, to 4 decimals", async () => {
  const hand = await run([]);
  const tfjs = await run(["--engine", "tfjs"]);
  assertEquals(tfjs.code, 0, tfjs.stderr);
  assertEquals(tfjs.stdout, hand.stdout);
  // and the numbers behind it are close, not just equally rounded
  const json = async (engine: string) =>
    JSON.parse((await run(["--json", "--engine", engine])).stdout);
  const [a, b] = [await json("handwritten"), await json("tfjs")];
  assertEquals(a.engine.name, "handwritten");
  assertEquals(b.engine, { name: "tfjs", reason: "asked for" });
  const gap = Math.max(
    ...a.weights.map((w: { weight: number }, i: number) =>
      Math.abs(w.weight - b.weights[i].weight)
    ),
  );
  assert(gap < 1e-6, `weights differ by ${gap}`);
});

Deno.test("--json prints exactly the documented fields", async () => {
  const { code, stdout } = await run([
    "--json",
    "--epochs",
    "7",
    "--seed",
    "3",
  ]);
  assertEquals(code, 0);
  const doc = JSON.parse(stdout);
  assertEquals(Object.keys(doc).sort(), [
    "combinedSizeWeight",
    "config",
    "engine",
    "finalParameters",
    "history",
    "initialParameters",
    "ranking",
    "tokens",
    "vocabulary",
    "weights",
  ]);
  assertEquals(Object.keys(doc.config).sort(), [
    "dModel",
    "epochs",
    "focusWord",
    "learningRate",
    "seed",
    "sentence",
    "sizeWords",
  ]);
  assertEquals(doc.config.epochs, 7);
  assertEquals(doc.config.seed, 3);
  assertEquals(doc.tokens.length, 13);
  assertEquals(doc.vocabulary.length, 12);
  const names = [
    "embedding",
    "keyBias",
    "keyWeight",
    "queryBias",
    "queryWeight",
    "valueBias",
    "valueWeight",
  ];
  for (const key of ["initialParameters", "finalParameters"]) {
    assertEquals(Object.keys(doc[key]).sort(), names);
    assertEquals([doc[key].embedding.length, doc[key].embedding[0].length], [
      12,
      4,
    ]);
    assertEquals(
      [doc[key].queryWeight.length, doc[key].queryWeight[0].length],
      [4, 4],
    );
    assertEquals(doc[key].queryBias.length, 4);
  }
  assertEquals(doc.history.map((h: { epoch: number }) => h.epoch), [
    0,
    1,
    2,
    3,
    4,
    5,
    6,
  ]);
  assert(doc.history.every((h: { loss: number }) => Number.isFinite(h.loss)));
  assertEquals(doc.weights.length, 13);
  assertEquals(Object.keys(doc.weights[0]).sort(), [
    "position",
    "token",
    "weight",
  ]);
  assertEquals(doc.weights[2].token, "elephant");
  const total = doc.weights.reduce(
    (s: number, w: { weight: number }) => s + w.weight,
    0,
  );
  assert(Math.abs(total - 1) < 1e-9);
  assertEquals(doc.ranking.length, 13);
  const size = doc.weights.filter((w: { token: string }) =>
    ["elephant", "car", "too"].includes(w.token)
  )
    .reduce((s: number, w: { weight: number }) => s + w.weight, 0);
  assert(Math.abs(size - doc.combinedSizeWeight) < 1e-12);
});

Deno.test("flags reach the configuration, and the run is deterministic", async () => {
  const args = [
    "--json",
    "--sentence",
    "A tiny mouse hid in the huge box because it was small.",
    "--focus-word",
    "it",
    "--size-words",
    "mouse, small",
    "--d-model",
    "8",
    "--learning-rate",
    "0.01",
    "--epochs",
    "30",
    "--seed",
    "5",
  ];
  const a = await run(args);
  const b = await run(args);
  assertEquals(a.code, 0);
  assertEquals(a.stdout, b.stdout);
  const doc = JSON.parse(a.stdout);
  assertEquals(
    doc.config.sentence,
    "A tiny mouse hid in the huge box because it was small.",
  );
  assertEquals(doc.config.focusWord, "it");
  assertEquals(doc.config.sizeWords, ["mouse", "small"]);
  assertEquals(doc.config.dModel, 8);
  assertEquals(doc.config.learningRate, 0.01);
  assertEquals(doc.tokens.at(-1), "small");
});

Deno.test("bad flags or values print one line and exit with code 2", async (t) => {
  const cases: [string[], string][] = [
    [["--bogus"], `unknown option "--bogus"`],
    [["--epochs"], "--epochs needs a value"],
    [["--epochs", "ten"], `--epochs takes a number, got "ten"`],
    [["--epochs", "2.5"], "epochs must be a positive whole number, got 2.5"],
    [["--d-model", "0"], "dModel must be a positive whole number, got 0"],
    [
      ["--learning-rate", "-1"],
      "learningRate must be a positive finite number",
    ],
    [["--sentence", "   "], "has no words"],
    [["--focus-word", "she"], `focus word "she" is not in the sentence`],
    [
      ["--size-words", "elephant,truck"],
      `size word "truck" is not in the sentence`,
    ],
    [["--size-words", ""], "no size words"],
    [["--json=yes"], "--json takes no value"],
    [["--svg", "--json"], "--svg needs a value"],
    [["--sentence", "--epochs", "5"], "--sentence needs a value"],
    [["--svg="], "--svg needs a folder name"],
    [["--epochs", "0x10"], `--epochs takes a number, got "0x10"`],
    [["--learning-rate", "Infinity"], "--learning-rate takes a number"],
    [["--learning-rate", "100"], "learningRate must be at most 10"],
    [["--d-model", "4096"], "dModel must be at most 1024"],
    [
      ["--engine", "gpu"],
      `--engine takes auto, handwritten or tfjs, got "gpu"`,
    ],
    [["--engine"], "--engine needs a value"],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), async () => {
      const { code, stdout, stderr } = await run(args);
      assertEquals(code, 2);
      assertEquals(stdout, "");
      assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
      assertStringIncludes(stderr, `error: `);
      assertStringIncludes(stderr, message);
    });
  }
});

Deno.test("--help prints the usage and every flag", async () => {
  const { code, stdout } = await run(["--help"]);
  assertEquals(code, 0);
  for (
    const flag of [
      "--sentence",
      "--focus-word",
      "--size-words",
      "--d-model",
      "--learning-rate",
      "--epochs",
      "--seed",
      "--json",
      "--svg",
      "--engine",
    ]
  ) {
    assertStringIncludes(stdout, flag);
  }
});

Deno.test("parseArgs accepts --flag value and --flag=value", () => {
  assertEquals(parseArgs(["--seed=3", "--epochs", "4"]).config, {
    seed: 3,
    epochs: 4,
  });
  assertThrows(() => parseArgs(["--seed", ""]), UsageError, "takes a number");
});

// Issue 13, item 6.
Deno.test("a repeated flag is refused with one line and exit code 2", async (t) => {
  const cases: [string[], string][] = [
    [
      ["--size-words", "car", "--size-words", "too"],
      `"--size-words" is given twice`,
    ],
    [["--epochs=3", "--epochs", "4"], `"--epochs" is given twice`],
    [["--json", "--json"], `"--json" is given twice`],
    [["-h", "--help"], `"--help" is given twice`],
  ];
  for (const [args, message] of cases) {
    await t.step(args.join(" "), () => {
      assertThrows(() => parseArgs(args), UsageError, message);
    });
  }
  const { code, stdout, stderr } = await run(cases[0][0]);
  assertEquals([code, stdout], [2, ""]);
  assertEquals(stderr.trimEnd().split("\n").length, 1);
});

Deno.test("an error that lists the vocabulary names the first words and counts the rest", async () => {
  const words = Array.from({ length: 3000 }, (_, i) => `word${i}`);
  const { code, stderr } = await run([
    "--sentence",
    words.join(" "),
    "--focus-word",
    "missing",
  ]);
  assertEquals(code, 2);
  assertEquals(stderr.trimEnd().split("\n").length, 1);
  assertStringIncludes(stderr, "pick one of: word0, word1, word2,");
  assertStringIncludes(stderr, "… and 2988 more");
  assert(stderr.length < 300, `${stderr.length} characters`);
});

// Issue 13, item 3: 15k distinct words at dModel 1024 used to end in
// "Invalid string length" after 13 s; now it is refused before training.
Deno.test("--json with a vocabulary beyond the size limit is a one-line error naming the limit", async () => {
  const words = Array.from({ length: 15_000 }, (_, i) => `w${i}`);
  const { code, stdout, stderr } = await run([
    "--json",
    "--d-model",
    "1024",
    "--sentence",
    words.join(" ") + " it",
    "--size-words",
    "w1",
  ]);
  assertEquals([code, stdout], [2, ""]);
  assertEquals(stderr.trimEnd().split("\n").length, 1);
  assertStringIncludes(
    stderr,
    "15001 distinct words × dModel 1024 = 15361024 embedding numbers, more than the limit of 2097152 (vocabSize × dModel)",
  );
});

Deno.test("formatProgress draws the share done and the time left", () => {
  assertEquals(
    formatProgress(250, 1000, { elapsedMs: 3000, leftMs: 9000 }),
    "[#####---------------]  25% epoch 250 of 1000, 3 s elapsed, about 9 s left",
  );
  assertEquals(
    formatProgress(1, 3, { elapsedMs: 7000, leftMs: NaN }),
    "[#######-------------]  33% epoch 1 of 3, 7 s elapsed, time left unknown",
  );
  assertStringIncludes(
    formatProgress(5, 100_000, { elapsedMs: 2000, leftMs: 35 * 60_000 }),
    "about 35 min left",
  );
});

// Issue 13, item 8.
Deno.test("a learning rate above 0.1 trains with a one-line warning on stderr", async () => {
  const { code, stdout, stderr } = await run([
    "--learning-rate",
    "10",
    "--epochs",
    "3",
  ]);
  assertEquals(code, 0);
  assertStringIncludes(stdout, "Combined weight for size-related words:");
  assertEquals(stderr.trimEnd().split("\n").length, 1);
  assertStringIncludes(stderr, "warning: learning rate 10 is above 0.1");
});

// Issue 13, items 1 and 2: --svg on a sentence whose [seqLen, seqLen] matrix
// would be beyond MAX_ATTENTION_CELLS draws its charts without building it
// (the heatmaps, and the forward pass behind them, are only for short ones).
Deno.test("--svg on a 4200-token sentence writes the charts without the attention matrix", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stderr } = await run([
      "--svg",
      dir,
      "--epochs",
      "2",
      "--sentence",
      "it is big ".repeat(1400),
      "--size-words",
      "big",
    ]);
    assertEquals([code, stderr], [0, ""]);
    const written = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert(written.includes("loss.svg"), written.join());
    assert(written.includes("trajectories.svg"), written.join());
    assert(!written.includes("attention_matrix.svg"), written.join());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Issue 25, CLI: a chart's file that cannot be written is found before any
// training, named in one line, and no chart is left behind.
Deno.test("--svg where a chart's file is a folder: one line naming it, before training, no chart written", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/attention_matrix.svg`);
    const { code, stdout, stderr } = await run(["--svg", dir, "--epochs", "3"]);
    assertEquals([code, stdout], [2, ""]);
    assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
    assertStringIncludes(
      stderr,
      `error: --svg ${dir}: cannot write attention_matrix.svg there (it is a folder)`,
    );
    const left = [...Deno.readDirSync(dir)].map((e) => e.name);
    assertEquals(left, ["attention_matrix.svg"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// Issue 25, notebooks' parameters: a message quotes a long value shortened.
Deno.test("an error about a long value quotes a short copy of it", async (t) => {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/bangs.txt`;
    await Deno.writeTextFile(file, "!".repeat(1_000_000));
    const long = `${dir}/${"a".repeat(100_000)}`;
    const cases: [string, string[], string][] = [
      [
        "--sentence-file of 1,000,000 '!'",
        ["--sentence-file", file],
        "has no words",
      ],
      [
        "--sentence of 200,000 '!'",
        ["--sentence", "!".repeat(200_000)],
        "has no words",
      ],
      [
        "--sentence-file with a long missing path",
        ["--sentence-file", long],
        "cannot read it",
      ],
      ["--svg with a long path", ["--svg", long], "cannot create that folder"],
      [
        "--focus-word, long",
        ["--focus-word", "x".repeat(100_000)],
        "is not in the sentence",
      ],
      [
        "an unknown long option",
        [`--${"x".repeat(100_000)}`],
        "unknown option",
      ],
    ];
    for (const [name, args, message] of cases) {
      await t.step(name, async () => {
        const { code, stderr } = await run(args);
        assertEquals(code, 2);
        assertEquals(
          stderr.trimEnd().split("\n").length,
          1,
          stderr.slice(0, 200),
        );
        assertStringIncludes(stderr, message);
        assert(stderr.length < 300, `${stderr.length} characters`);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
