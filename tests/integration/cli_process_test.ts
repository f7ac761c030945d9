// The CLI as a user runs it: a real process with `deno task attention`'s
// (absent) permissions. The in-process cases are in tests/cli_test.ts.
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
} from "@std/assert";

const CLI = new URL("../../lib/cli.ts", import.meta.url).pathname;
const LIB = new URL("../../lib", import.meta.url).pathname;

// Runs the CLI as a user would, with the same permissions as
// `deno task attention` (read lib/ for the lazily loaded modules), plus any
// extra deno flags.
async function run(args: string[], denoFlags: string[] = []) {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", `--allow-read=${LIB}`, ...denoFlags, CLI, ...args],
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

Deno.test("--engine tfjs with deno task attention's permissions trains (on cpu: wasm's files are not readable) and prints the same report", async () => {
  const plain = await run([]);
  const tfjs = await run(["--engine", "tfjs"]);
  assertEquals(tfjs.code, 0, tfjs.stderr);
  assertEquals(tfjs.stderr, "");
  // the float32 path prints the float64 path's report, to its 4 decimals
  assertEquals(tfjs.stdout, plain.stdout);
});

Deno.test("a bad flag in a real process: one line on stderr, exit code 2", async () => {
  const { code, stdout, stderr } = await run(["--epochs", "ten"]);
  assertEquals(code, 2);
  assertEquals(stdout, "");
  assertEquals(stderr, `error: --epochs takes a number, got "ten"\n`);
});

Deno.test("the CLI's static imports load neither tfjs nor the chart libraries", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", CLI],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(output.code, 0, new TextDecoder().decode(output.stderr));
  const graph = JSON.parse(new TextDecoder().decode(output.stdout));
  type Dependency = { code?: { specifier: string }; isDynamic?: boolean };
  const modules = new Map<string, Dependency[]>(
    graph.modules.map((
      m: { specifier: string; dependencies?: Dependency[] },
    ) => [m.specifier, m.dependencies ?? []]),
  );
  // What the CLI loads at start: its static imports, transitively.
  const loaded = new Set<string>();
  const visit = (specifier: string) => {
    if (loaded.has(specifier)) return;
    loaded.add(specifier);
    for (const dependency of modules.get(specifier) ?? []) {
      if (dependency.code && !dependency.isDynamic) {
        visit(dependency.code.specifier);
      }
    }
  };
  visit(graph.roots[0]);
  // Only the standard library's small modules (the flag parser, concat).
  const npm = [...loaded].filter((s) =>
    s.startsWith("npm:") && !s.startsWith("npm:deno-std@")
  );
  assertEquals(npm, [], `the CLI loads ${npm.join(", ")} at start`);
  // the heavy modules are still reachable, dynamically, for --engine tfjs and --svg
  const all = [...modules.keys()].join(" ");
  assertStringIncludes(all, "lib/demo/_tfjs_path.ts");
  assertStringIncludes(all, "lib/charts/experiment.ts");
  assertStringIncludes(all, "@tensorflow/tfjs");
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

// Issue 13, item 6: a sentence too long for the argument list.
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
        args: [
          "run",
          `--allow-read=${LIB}`,
          CLI,
          "--sentence-file",
          "-",
          ...args,
        ],
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

// Issue 13, item 4: a long run shows progress on stderr, and Ctrl-C stops it
// with one line and exit code 130.
Deno.test("a long --json run reports progress on stderr and stops cleanly on SIGINT", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      `--allow-read=${LIB}`,
      CLI,
      "--json",
      "--d-model",
      "256",
      "--epochs",
      "100000",
    ],
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

// Issue 25, CLI: `deno task attention --json | head -c 10` once the output
// passes the pipe's 64 KB used to end in "error: Broken pipe (os error 32)",
// exit code 1. A reader that has what it wants ends the program quietly.
Deno.test("a closed stdout ends the program quietly with exit code 0", async (t) => {
  for (const args of [["--json", "--epochs", "5000"], ["--epochs", "60000"]]) {
    await t.step(args.join(" "), async () => {
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", `--allow-read=${LIB}`, CLI, ...args],
        env: { NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      const first = await reader.read(); // as `head -c 10` reads, then exits
      assert(!first.done && first.value.length > 0);
      await reader.cancel();
      const [status, stderr] = await Promise.all([
        child.status,
        new Response(child.stderr).text(),
      ]);
      assertEquals([status.code, stderr], [0, ""]);
    });
  }
});
