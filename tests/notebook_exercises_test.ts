// The exercises in notebooks 01-06, as committed: each notebook asks at least
// three; every check cell names a registered exercise of its own chapter and
// leaves the answer `undefined`, so the notebook runs unattended and shows the
// question; the code in the collapsed <details> block after it computes the
// registered solution (so the two cannot drift), and that answer passes.

import { assert, assertEquals } from "@std/assert";
import { type Exercise, EXERCISES, near } from "../lib/notebook/exercises.ts";
import {
  buildVocabulary,
  prepareExperiment,
  sizeLossFloor,
  tokenize,
} from "../lib/mod.ts";
import {
  type Cell,
  listNotebooks,
  type Notebook,
  readNotebook,
  textOf,
} from "../tools/jupyter.ts";

/** A check cell as the notebooks write it: the answer left for the reader. */
const CHECK_CELL = /^check\("([^"]+)", undefined \/\* your answer \*\/\)$/;

/** Fewest exercises each notebook asks (issue 10). */
const MIN_EXERCISES = 3;

function sourceOf(cell: Cell): string {
  return (Array.isArray(cell.source) ? cell.source.join("") : cell.source)
    .trim();
}

interface Asked {
  exercise: Exercise;
  checkCell: Cell;
  solutionCell: Cell | undefined;
}

function exercisesIn(notebook: Notebook): Asked[] {
  return notebook.cells.flatMap((cell, i) => {
    const match = cell.cell_type === "code"
      ? CHECK_CELL.exec(sourceOf(cell))
      : null;
    if (match === null) return [];
    const exercise = EXERCISES.get(match[1]);
    if (exercise === undefined) {
      throw new Error(`"${match[1]}" is not registered`);
    }
    return [{ exercise, checkCell: cell, solutionCell: notebook.cells[i + 1] }];
  });
}

/** The answer a <details> block's `check("id", …)` code computes. */
function evaluate(code: string): unknown {
  return new Function(`"use strict"; return (${code});`)();
}

const paths = (await listNotebooks()).filter((path) =>
  /\/0[1-6]_[^/]*$/.test(path)
);

Deno.test("notebooks 01-06 each ask at least three exercises of their own chapter", async (t) => {
  assertEquals(paths.length, 6);
  for (const path of paths) {
    const number = path.slice(path.lastIndexOf("/") + 1).slice(0, 2);
    await t.step(number, async () => {
      const asked = exercisesIn(await readNotebook(path));
      assert(
        asked.length >= MIN_EXERCISES,
        `notebook ${number} asks ${asked.length} exercises`,
      );
      for (const { exercise } of asked) {
        assert(
          exercise.id.startsWith(`${number}.`),
          `${exercise.id} is asked in notebook ${number}`,
        );
      }
      const registered = [...EXERCISES.values()].filter((e) =>
        e.id.startsWith(`${number}.`)
      );
      assertEquals(
        asked.map(({ exercise }) => exercise.id),
        registered.map((e) => e.id),
        "every registered exercise is asked once, in the registry's order",
      );
    });
  }
});

Deno.test("each notebook solution computes the registered one and passes its check", async (t) => {
  for (const path of paths) {
    for (
      const { exercise, solutionCell } of exercisesIn(await readNotebook(path))
    ) {
      await t.step(exercise.id, () => {
        if (solutionCell?.cell_type !== "markdown") {
          throw new Error(
            `no markdown cell after the check cell of ${exercise.id}`,
          );
        }
        const text = sourceOf(solutionCell);
        assert(
          text.startsWith("<details><summary>Solution</summary>") &&
            text.endsWith("</details>"),
          `the cell after ${exercise.id}'s check is not a collapsed solution`,
        );
        const shown = /```ts\ncheck\("([^"]+)", ([^\n]*)\)\n```/.exec(text);
        if (shown === null) {
          throw new Error(
            `no check(…) code block in ${exercise.id}'s solution`,
          );
        }
        assertEquals(shown[1], exercise.id);
        const answer = evaluate(shown[2]);
        assert(
          near(exercise.solution as number | unknown[], 1e-12)(answer),
          `${exercise.id}: the notebook's solution gives ${
            JSON.stringify(answer)
          }, the registered one is ${JSON.stringify(exercise.solution)}`,
        );
        assert(exercise.isCorrect(answer));
        assert(!exercise.isCorrect(undefined), "no answer is not right");
      });
    }
  }
});

Deno.test("committed check cells show the question, not an error", async () => {
  for (const path of paths) {
    for (
      const { exercise, checkCell } of exercisesIn(await readNotebook(path))
    ) {
      const text = (checkCell.outputs ?? []).map(textOf).join("\n");
      assert(
        text.includes(exercise.prompt),
        `${exercise.id}: the committed output does not show the question (regenerate with \`deno task notebooks\`): ${
          text.slice(0, 200)
        }`,
      );
    }
  }
});

Deno.test("exercise answers about the library agree with the library", async (t) => {
  const solution = (id: string) => EXERCISES.get(id)?.solution;
  await t.step("01.vocab-size: buildVocabulary", () => {
    const words = buildVocabulary(tokenize("the cat saw the dog and the bird"))
      .words;
    assertEquals(words.length, solution("01.vocab-size"));
  });
  await t.step("06.tokens: tokenize", () => {
    assertEquals(
      tokenize("It's a well-known fact, isn't it?").length,
      solution("06.tokens"),
    );
  });
  await t.step("05.floor and 06.push-targets: sizeLossFloor", () => {
    assertEquals(sizeLossFloor(2), solution("05.floor"));
    const experiment = prepareExperiment({
      sentence:
        "The tiny mouse could not push the huge box because it was too small",
      focusWord: "push",
      sizeWords: ["mouse", "box"],
    });
    const others = experiment.tokens.length -
      experiment.sizePositions.length;
    assertEquals(
      [sizeLossFloor(experiment.sizePositions.length), 1 + 1 / others],
      solution("06.push-targets"),
    );
  });
});
