// Chapter 12's exercises (lib/notebook/exercises/12.ts) as notebook 12 asks
// them: at least three, each check cell names a registered 12.* exercise and
// leaves the answer undefined; the answer in the folded solution after it
// passes, and equals the registered solution; wrong answers do not pass.

import { assert, assertEquals } from "@std/assert";
import { check, EXERCISES } from "../lib/notebook/exercises.ts";
import { readNotebook } from "../tools/jupyter.ts";

const CHECK_CELL = /^check\("(12\.[^"]+)", undefined \/\* your answer \*\/\);$/;
const SOLUTION = /check\("(12\.[^"]+)", ([^)`]+)\)/;

const notebook = await readNotebook(
  new URL("../notebooks/12_attention_at_scale.ipynb", import.meta.url).pathname,
);
const text = (source: string | string[]) => [source].flat().join("").trim();

Deno.test("notebook 12 asks at least three registered exercises, each with a solution that passes", () => {
  const asked: string[] = [];
  notebook.cells.forEach((cell, i) => {
    const match = cell.cell_type === "code"
      ? CHECK_CELL.exec(text(cell.source))
      : null;
    if (match === null) return;
    const id = match[1];
    assert(EXERCISES.has(id), `${id} is not registered`);
    asked.push(id);
    const solution = SOLUTION.exec(text(notebook.cells[i + 1].source));
    if (solution === null || solution[1] !== id) {
      throw new Error(`no solution for ${id} after its cell`);
    }
    const answer = Number(solution[2]);
    assertEquals(check(id, answer).verdict, "correct", `${id}: ${answer}`);
    assertEquals(answer, EXERCISES.get(id)!.solution);
    assertEquals(check(id, answer + 1).verdict, "wrong");
    assertEquals(check(id, undefined).verdict, "unanswered");
  });
  assert(asked.length >= 3, `only ${asked.length} exercises`);
  assertEquals(
    asked.sort(),
    [...EXERCISES.keys()].filter((id) => id.startsWith("12.")).sort(),
  );
});
