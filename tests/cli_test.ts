import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";
import { parseArgs, UsageError } from "../lib/cli.ts";
import { assertThrows } from "@std/assert";

const CLI = new URL("../lib/cli.ts", import.meta.url).pathname;

// Runs the CLI as a user would, with the same (absent) permissions as
// `deno task attention`, plus any extra deno flags.
async function run(args: string[], denoFlags: string[] = []) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", ...denoFlags, CLI, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return {
    code: output.code,
    stdout: decode(output.stdout),
    stderr: decode(output.stderr),
  };
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
  assertStringIncludes(
    stdout,
    "\nAttention Pattern Analysis:\nToken Importance Ranking:\n",
  );
  const ranked = lines.filter((l) => l.startsWith("Token: "));
  assertEquals(ranked.length, 13);
  for (const line of ranked) {
    assertMatch(line, /^Token: \S+ +Attention Weight: \d\.\d{4}$/);
  }
  const top3 = ranked.slice(0, 3).map((l) => l.split(/\s+/)[1]).sort();
  assertEquals(top3, ["car", "elephant", "too"]);
  assertMatch(stdout, /\nCombined weight for size-related words: 0\.\d{4}\n$/);
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

Deno.test("--svg without write permission says which permission to grant", async () => {
  const dir = await Deno.makeTempDir();
  const { code, stderr } = await run(["--svg", dir]);
  assertEquals(code, 2);
  assertStringIncludes(stderr, `--allow-write=${dir}`);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--svg DIR writes every chart as a standalone SVG file", async () => {
  const dir = await Deno.makeTempDir();
  const target = `${dir}/charts`;
  const { code, stdout, stderr } = await run([
    "--svg",
    target,
    "--epochs",
    "20",
  ], [`--allow-write=${target}`]);
  assertEquals(code, 0, stderr);
  assertStringIncludes(stdout, `charts to ${target}`);
  const files = [...Deno.readDirSync(target)].map((e) => e.name).sort();
  assert(files.length >= 5, `files: ${files}`);
  for (const name of files) {
    assertMatch(name, /\.svg$/);
    const text = await Deno.readTextFile(`${target}/${name}`);
    assert(text.startsWith("<svg"), `${name} starts with ${text.slice(0, 20)}`);
    assertStringIncludes(text, `xmlns="http://www.w3.org/2000/svg"`);
  }
  await Deno.remove(dir, { recursive: true });
});

Deno.test("--svg pointing at a file is a one-line error before any training", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/not-a-folder`;
  await Deno.writeTextFile(file, "");
  const { code, stdout, stderr } = await run(["--svg", file], [
    `--allow-write=${file}`,
  ]);
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertStringIncludes(stderr, `--svg ${file}: cannot create that folder`);
  assertEquals(stderr.trimEnd().split("\n").length, 1);
  await Deno.remove(dir, { recursive: true });
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

Deno.test("--sentence-file reads the sentence from a file or from stdin", async (t) => {
  const dir = await Deno.makeTempDir();
  const sentence =
    "The elephant could not enter the car because it was too big";
  const expected = await run([
    "--json",
    "--epochs",
    "3",
    "--sentence",
    sentence,
    "--size-words",
    "elephant,car",
  ]);
  assertEquals(expected.code, 0);
  const args = ["--json", "--epochs", "3", "--size-words", "elephant,car"];
  try {
    await Deno.writeTextFile(`${dir}/s.txt`, sentence + "\n");
    await t.step("from a file", async () => {
      const { code, stdout } = await run(
        ["--sentence-file", `${dir}/s.txt`, ...args],
        [`--allow-read=${dir}`],
      );
      assertEquals(code, 0);
      assertEquals(
        JSON.parse(stdout).tokens,
        JSON.parse(expected.stdout).tokens,
      );
      assertEquals(
        JSON.parse(stdout).history,
        JSON.parse(expected.stdout).history,
      );
    });
    await t.step("from stdin", async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", CLI, "--sentence-file", "-", ...args],
        env: { NO_COLOR: "1" },
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(sentence));
      await writer.close();
      const output = await child.output();
      assertEquals(output.code, 0);
      const json = JSON.parse(new TextDecoder().decode(output.stdout));
      assertEquals(json.history, JSON.parse(expected.stdout).history);
    });
    await t.step("bad files are one-line errors", async () => {
      await Deno.writeFile(
        `${dir}/bad.txt`,
        new Uint8Array([0xff, 0xfe, 0x41]),
      );
      await Deno.writeTextFile(`${dir}/big.txt`, "a ".repeat(2_000_001));
      const cases: [string[], string[], string][] = [
        [
          ["--sentence-file", `${dir}/s.txt`],
          [],
          "needs read access to that file",
        ],
        [
          ["--sentence-file", `${dir}/bad.txt`],
          [`--allow-read=${dir}`],
          "is not UTF-8 text",
        ],
        [
          ["--sentence-file", `${dir}/big.txt`],
          [`--allow-read=${dir}`],
          "is larger than 3000000 bytes",
        ],
        [
          ["--sentence-file", `${dir}/none.txt`],
          [`--allow-read=${dir}`],
          "cannot read it",
        ],
        [
          ["--sentence-file", `${dir}/s.txt`, "--sentence", "x"],
          [],
          "either --sentence or --sentence-file",
        ],
      ];
      for (const [cliArgs, flags, message] of cases) {
        const { code, stdout, stderr } = await run(cliArgs, flags);
        assertEquals([code, stdout], [2, ""], stderr);
        assertEquals(stderr.trimEnd().split("\n").length, 1, stderr);
        assertStringIncludes(stderr, message);
      }
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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

// Issue 13, item 4: a long run shows progress on stderr, and Ctrl-C stops it
// with one line and exit code 130.
import { formatProgress } from "../lib/cli.ts";
Deno.test("a long --json run reports progress on stderr and stops cleanly on SIGINT", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", CLI, "--json", "--d-model", "256", "--epochs", "100000"],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = new Response(child.stdout).text();
  const lines: string[] = [];
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  // wait (however long the machine needs) for the first progress line
  while (!lines.some((l) => l.startsWith("progress: "))) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    const parts = buffer.split("\n");
    buffer = parts.pop()!;
    lines.push(...parts);
  }
  assertEquals(
    lines[0],
    "training 100000 epochs; this is a large run, progress follows on stderr (Ctrl-C stops it)",
  );
  assertMatch(
    lines.at(-1)!,
    /^progress: \[[#-]{20}\] +\d+% epoch \d+ of 100000, \d+ s elapsed, about \d+ (s|min|h) left$/,
  );
  child.kill("SIGINT");
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
  }
  const status = await child.status;
  assertEquals(status.code, 130);
  assertEquals(await stdout, "");
  const rest = buffer.trimEnd().split("\n").filter((l) =>
    !l.startsWith("progress: ")
  );
  assertEquals(rest.length, 1, buffer);
  assertMatch(
    rest[0],
    /^interrupted after \d+ of 100000 epochs$/,
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

Deno.test("a run that showed progress says when training is done; stdout stays pure JSON", async () => {
  const { code, stdout, stderr } = await run([
    "--json",
    "--d-model",
    "256",
    "--epochs",
    "1500",
  ]);
  assertEquals(code, 0);
  assertEquals(JSON.parse(stdout).history.length, 1500);
  const lines = stderr.split("\n").filter((l) => l !== "");
  for (const line of lines.slice(0, -1)) assertMatch(line, /^progress: /);
  // how long the run takes depends on the machine; when it showed progress,
  // it ends by saying that training is done
  if (lines.length > 0) {
    assertMatch(
      lines.at(-1)!,
      /^training done after \d+ s; preparing the output$/,
    );
  }
});

// Issue 13, item 3: --svg builds the [seqLen, seqLen] matrix; a sentence too
// long for it is refused before training, not after.
Deno.test("--svg with a sentence beyond the attention-matrix limit fails before training", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const { code, stdout, stderr } = await run([
      "--svg",
      dir,
      "--sentence",
      "it is big ".repeat(1400),
      "--size-words",
      "big",
    ], [`--allow-write=${dir}`]);
    assertEquals([code, stdout], [2, ""]);
    assertEquals(stderr.trimEnd().split("\n").length, 1);
    assertStringIncludes(
      stderr,
      "--svg: the attention matrix [4200, 4200] behind the charts would hold 17640000 numbers, more than the limit of 16777216",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
