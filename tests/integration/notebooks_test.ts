// The notebooks, run as a reader runs them: top to bottom with the real Deno
// kernel through Jupyter (tools/jupyter.ts), on temporary copies; plus checks
// of the committed files as they are in the working tree.

import { assert, assertEquals } from "@std/assert";
import { pooledMap } from "@std/async/pool";
import {
  ansiOutputs,
  chartOutputs,
  describeCell,
  differingCells,
  ensureKernel,
  errorOutputs,
  executeNotebook,
  injectParameters,
  listNotebooks,
  MIN_CHARTS,
  type Notebook,
  outputsOf,
  readNotebook,
  SLOW_NOTEBOOKS,
  stderrOutputs,
  textOf,
} from "../../tools/jupyter.ts";
import { DENO_VERSION } from "../../tools/kernel.ts";

/** The first output of every notebook (lib/notebook/setup.ts's formatSetup). */
const SETUP_LINE =
  /Deno \d+\.\d+\.\d+ · TensorFlow\.js \d+\.\d+\.\d+.* · Observable Plot \S+/;

/** The report notebook 06 prints after training (lib/demo/analysis.ts). */
const REPORT = "Combined weight for size-related words:";

/** How many notebooks run at once: one kernel per core. */
const PARALLEL = 2;

/**
 * How many times each notebook is executed and compared with its committed
 * outputs: a misfiled output is a race, so one clean pass proves little.
 * `ATTENTION_PASSES=1` for a quicker run.
 */
const PASSES = Number(Deno.env.get("ATTENTION_PASSES") ?? 3);

/** Passes for one notebook: the slow GPT chapters run once unless asked. */
function passesFor(path: string): number {
  return Deno.env.get("ATTENTION_PASSES") === undefined &&
      SLOW_NOTEBOOKS.has(fileName(path).slice(0, 2))
    ? 1
    : PASSES;
}

interface Parameters {
  sentence: string;
  focusWord: string;
  sizeWords: string[];
}

/** Notebook 09's parameters with mistakes: each must print what to fix. */
const PRETRAINED_BAD = [
  {
    name: "a character the model cannot read",
    source:
      'const yourSentence = "I ❤ elephants";\nconst yourFocusWord = "it";',
    expected:
      'Please fix the parameters: tokenizeSubwords: the model\'s vocabulary has no piece for "❤"',
  },
  {
    name: "a focus word that is null",
    source: 'const yourSentence = "it was big";\nconst yourFocusWord = null;',
    expected: "Please fix the parameters: yourFocusWord must be a string",
  },
  {
    name: "a focus word that is a number",
    source: 'const yourSentence = "it was big";\nconst yourFocusWord = 42;',
    expected: "Please fix the parameters: yourFocusWord must be a string",
  },
];

/** Notebook 06 with a sentence of our own: it must train and report. */
const GOOD: Parameters = {
  sentence: "The small cat hid under the big table because it was scared",
  focusWord: "it",
  sizeWords: ["small", "big"],
};

/** Notebook 06 with mistakes: each must print a message naming the mistake. */
const BAD: { name: string; parameters: Parameters; expected: string }[] = [
  {
    name: "an empty sentence",
    parameters: { sentence: "", focusWord: "it", sizeWords: ["big"] },
    expected: "has no words",
  },
  {
    name: "a focus word not in the sentence",
    parameters: {
      sentence: "The cat sat on the mat because it was tired",
      focusWord: "dog",
      sizeWords: ["cat"],
    },
    expected: '"dog"',
  },
  {
    name: "a size word not in the sentence",
    parameters: {
      sentence: "The cat sat on the mat because it was tired",
      focusWord: "it",
      sizeWords: ["cat", "huge"],
    },
    expected: '"huge"',
  },
  {
    name: "no size words",
    parameters: {
      sentence: "The cat sat on the mat because it was tired",
      focusWord: "it",
      sizeWords: [],
    },
    expected: "no size words",
  },
  {
    name: "a sentence of 200,000 exclamation marks",
    parameters: {
      sentence: "!".repeat(200000),
      focusWord: "it",
      sizeWords: ["big"],
    },
    expected: "has no words",
  },
];

function parameterCell({ sentence, focusWord, sizeWords }: Parameters): string {
  return [
    `const sentence = ${JSON.stringify(sentence)};`,
    `const focusWord = ${JSON.stringify(focusWord)};`,
    `const sizeWords = ${JSON.stringify(sizeWords)};`,
  ].join("\n");
}

function fileName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function codeCells(notebook: Notebook) {
  return notebook.cells.filter((cell) => cell.cell_type === "code");
}

function isEmpty(source: string | string[]): boolean {
  return (Array.isArray(source) ? source.join("") : source).trim() === "";
}

/** Errors, stderr streams and ANSI codes, each as one readable line. */
function outputProblems(notebook: Notebook): string[] {
  return [
    ...errorOutputs(notebook).map(({ cellIndex, output }) =>
      `${
        describeCell(notebook, cellIndex)
      } failed: ${output.ename}: ${output.evalue}`
    ),
    ...stderrOutputs(notebook).map(({ cellIndex, output }) =>
      `${describeCell(notebook, cellIndex)} wrote to stderr: ${
        textOf(output).trim().slice(0, 300)
      }`
    ),
    ...ansiOutputs(notebook).map(({ cellIndex }) =>
      `${
        describeCell(notebook, cellIndex)
      } has ANSI colour codes in its output (run with NO_COLOR=1)`
    ),
  ];
}

function allText(notebook: Notebook): string {
  return outputsOf(notebook).map(({ output }) => textOf(output)).join("\n");
}

function assertClean(notebook: Notebook): void {
  const problems = outputProblems(notebook);
  assert(problems.length === 0, problems.join("\n"));
}

function assertAllExecuted(notebook: Notebook): void {
  const missing = notebook.cells.flatMap((cell, i) =>
    cell.cell_type === "code" && !isEmpty(cell.source) &&
      typeof cell.execution_count !== "number"
      ? [describeCell(notebook, i)]
      : []
  );
  assert(
    missing.length === 0,
    `code cells without an execution count:\n${missing.join("\n")}`,
  );
}

Deno.test("committed notebooks are executed, error-free and use the Deno kernel", async (t) => {
  const paths = await listNotebooks();
  assert(paths.length >= 6, `expected 6 notebooks, found ${paths.length}`);
  for (const path of paths) {
    await t.step(fileName(path), async () => {
      const notebook = await readNotebook(path);
      assertEquals(notebook.metadata.kernelspec?.name, "deno");
      const cells = codeCells(notebook).filter((c) => !isEmpty(c.source));
      assertEquals(
        cells.map((cell) => cell.execution_count),
        cells.map((_, i) => i + 1),
        `execution counts must run 1..n in order: run \`deno task notebooks\``,
      );
      assertClean(notebook);
      const setup = `Deno ${DENO_VERSION} · `;
      assert(
        allText(notebook).includes(setup),
        `the setup line does not say "${setup}" (deno-version.json): regenerate with \`deno task notebooks\``,
      );
      const timed = notebook.cells.filter((cell) =>
        "execution" in cell.metadata
      );
      assertEquals(
        timed.length,
        0,
        "cells carry execution timestamps: regenerate with `deno task notebooks`",
      );
    });
  }
});

interface Run {
  notebook?: Notebook;
  error?: unknown;
}

Deno.test("notebooks run top to bottom with the real Deno kernel", async (t) => {
  // Fails with install instructions when Jupyter is missing; registers the
  // Deno kernel when it is not registered yet.
  await ensureKernel();
  const all = await listNotebooks();
  assert(all.length >= 6, `expected 6 notebooks, found ${all.length}`);
  // ATTENTION_NOTEBOOK=06 runs only the notebooks whose names start so
  const only = Deno.env.get("ATTENTION_NOTEBOOK") ?? "";
  const paths = all.filter((path) => fileName(path).startsWith(only));
  assert(paths.length > 0, `no notebook's name starts with ${only}`);
  const yourOwn = all.find((path) => fileName(path).startsWith("06_"));
  if (yourOwn === undefined) throw new Error("notebook 06_*.ipynb is missing");
  const withYourOwn = paths.includes(yourOwn);
  const template = await readNotebook(yourOwn);

  if (!(Number.isInteger(PASSES) && PASSES >= 1)) {
    throw new RangeError(
      `ATTENTION_PASSES must be a whole number ≥ 1, got ${PASSES}`,
    );
  }
  // Every execution, by key: [path, notebook with injected parameters].
  const jobs = new Map<string, [string, Notebook?]>(
    paths.map((path) => [`${path} pass 1`, [path]]),
  );
  if (withYourOwn) {
    [GOOD, ...BAD.map((bad) => bad.parameters)].forEach((parameters, i) =>
      jobs.set(`06 parameters ${i}`, [
        yourOwn,
        injectParameters(template, parameterCell(parameters)),
      ])
    );
  }
  const pretrained = paths.find((path) => fileName(path).startsWith("09_"));
  if (pretrained !== undefined) {
    for (const [i, bad] of PRETRAINED_BAD.entries()) {
      jobs.set(`09 parameters ${i}`, [
        pretrained,
        injectParameters(await readNotebook(pretrained), bad.source),
      ]);
    }
  }
  for (let pass = 2; pass <= PASSES; pass++) {
    for (const path of paths) {
      if (pass <= passesFor(path)) jobs.set(`${path} pass ${pass}`, [path]);
    }
  }
  // All run PARALLEL at a time, in that order; each step below waits for its
  // own. A run never rejects, so none is left unhandled.
  const results = pooledMap(
    PARALLEL,
    jobs.values(),
    ([path, notebook]: [string, Notebook?]): Promise<Run> =>
      executeNotebook(path, { notebook }).then(
        (executed) => ({ notebook: executed }),
        (error) => ({ error }),
      ),
  );
  const runs = new Map(
    [...jobs.keys()].map((key) => [key, Promise.withResolvers<Run>()]),
  );
  const delivered = (async () => {
    const pending = [...runs.values()];
    for await (const run of results) pending.shift()!.resolve(run);
  })();
  const executed = async (key: string): Promise<Notebook> => {
    const { notebook, error } = await runs.get(key)!.promise;
    if (notebook === undefined) throw error;
    return notebook;
  };

  try {
    for (const path of paths) {
      await t.step(fileName(path), async () => {
        const notebook = await executed(`${path} pass 1`);
        assertClean(notebook);
        assertAllExecuted(notebook);
        assert(
          SETUP_LINE.test(allText(notebook)),
          "the setup line (Deno … · TensorFlow.js … · Observable Plot …) was not printed",
        );
        const minimum = MIN_CHARTS[fileName(path).slice(0, 2)] ?? 1;
        const charts = chartOutputs(notebook).length;
        assert(
          charts >= minimum,
          `expected at least ${minimum} charts, found ${charts}`,
        );
      });
    }

    await t.step(
      `every output in its own cell: ${PASSES} stock nbclient passes (1 for the slow chapters) equal the committed outputs`,
      async () => {
        const problems: string[] = [];
        let cells = 0;
        for (const path of paths) {
          const committed = await readNotebook(path);
          for (let pass = 1; pass <= passesFor(path); pass++) {
            const differing = differingCells(
              await executed(`${path} pass ${pass}`),
              committed,
            );
            cells += codeCells(committed).length;
            problems.push(
              ...differing.map((line) =>
                `${fileName(path)}, pass ${pass}: ${line}`
              ),
            );
          }
        }
        assertEquals(
          problems,
          [],
          `${problems.length} of ${cells} code cells differ from the committed outputs (lost or misfiled outputs, or stale notebooks: \`deno task notebooks\`):\n${
            problems.join("\n")
          }`,
        );
      },
    );

    if (withYourOwn) {
      await t.step(`06 with another sentence: ${GOOD.sentence}`, async () => {
        const notebook = await executed("06 parameters 0");
        assertClean(notebook);
        assertAllExecuted(notebook);
        const text = allText(notebook);
        assert(text.includes(REPORT), `the report "${REPORT}" is missing`);
        assert(text.includes("scared"), "the new sentence was not used");
        const charts = chartOutputs(notebook).length;
        assert(
          charts >= MIN_CHARTS["06"],
          `expected at least ${MIN_CHARTS["06"]} charts, found ${charts}`,
        );
      });

      for (const [i, bad] of BAD.entries()) {
        await t.step(
          `06 with ${bad.name} shows what to fix as an error`,
          async () => {
            const notebook = await executed(`06 parameters ${i + 1}`);
            assertEquals(errorOutputs(notebook), [], "a cell threw");
            assertEquals(ansiOutputs(notebook), [], "ANSI codes in an output");
            assertAllExecuted(notebook);
            // exactly one stderr output, under the checking cell: one sentence
            const stderr = stderrOutputs(notebook).map((
              { cellIndex, output },
            ) => `${describeCell(notebook, cellIndex)}: ${textOf(output)}`);
            assertEquals(
              stderr.length,
              1,
              `stderr outputs:\n${stderr.join("\n")}`,
            );
            const [{ cell, output }] = stderrOutputs(notebook);
            const message = textOf(output);
            assert(
              [cell.source].flat().join("").includes("prepareExperiment"),
              `the message is not under the checking cell: ${stderr[0]}`,
            );
            assert(
              message.startsWith("Please fix the parameters: ") &&
                message.includes(bad.expected),
              `the message does not name ${bad.expected}: ${message}`,
            );
            assertEquals(
              message.trimEnd().split("\n").length,
              1,
              `not one line: ${message}`,
            );
            assert(
              message.length < 300,
              `a ${message.length}-character message: ${message.slice(0, 300)}`,
            );
            const text = allText(notebook);
            assert(
              !text.includes("    at "),
              `a stack trace was printed:\n${text}`,
            );
          },
        );
      }
    }
    if (pretrained !== undefined) {
      for (const [i, bad] of PRETRAINED_BAD.entries()) {
        await t.step(`09 with ${bad.name} prints what to fix`, async () => {
          const notebook = await executed(`09 parameters ${i}`);
          assertClean(notebook);
          assertAllExecuted(notebook);
          const text = allText(notebook);
          assert(text.includes(bad.expected), `no output says ${bad.expected}`);
          assert(
            !text.includes("    at "),
            `a stack trace was printed:\n${text}`,
          );
        });
      }
    }
  } finally {
    await delivered;
  }
});
