import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import {
  check,
  checkAnswer,
  type Exercise,
  EXERCISES,
  near,
  sameText,
} from "../lib/notebook/exercises.ts";

const two: Exercise = {
  id: "00.two",
  prompt: "What is 1 + 1?",
  hint: "Count on your fingers.",
  isCorrect: near(2),
  solution: 2,
};

Deno.test("checkAnswer: ✓ for a right answer, ✗ with the hint for a wrong one, the prompt when unanswered", () => {
  assertEquals(checkAnswer(two, 2).verdict, "correct");
  assertEquals(checkAnswer(two, 2.0005).verdict, "correct");
  const wrong = checkAnswer(two, 3);
  assertEquals(wrong.verdict, "wrong");
  assertEquals(
    wrong.message,
    "✗ 00.two: not yet. Hint: Count on your fingers.",
  );
  const open = checkAnswer(two, undefined);
  assertEquals(open.verdict, "unanswered");
  assertStringIncludes(open.message, "What is 1 + 1?");
  // answers of the wrong kind are wrong, not errors
  for (const odd of [null, "2", [2], NaN, Symbol("x"), { valueOf: () => 2 }]) {
    assertEquals(checkAnswer(two, odd).verdict, "wrong", String(odd));
  }
  const throwing = {
    ...two,
    isCorrect: () => {
      throw new Error("boom");
    },
  };
  assertEquals(checkAnswer(throwing, 1).verdict, "wrong");
});

Deno.test("checkAnswer's result displays in a notebook as text and HTML", () => {
  const result = checkAnswer(two, 3) as unknown as Record<
    symbol,
    () => Record<string, string>
  >;
  const bundle = result[Symbol.for("Jupyter.display")]();
  assertEquals(
    bundle["text/plain"],
    "✗ 00.two: not yet. Hint: Count on your fingers.",
  );
  assertStringIncludes(bundle["text/html"], "Count on your fingers.");
  const html = checkAnswer(
    { ...two, hint: "a <b> & c" },
    3,
  ) as unknown as Record<symbol, () => Record<string, string>>;
  assertStringIncludes(
    html[Symbol.for("Jupyter.display")]()["text/html"],
    "a &lt;b&gt; &amp; c",
  );
});

Deno.test("matchers: near compares shapes and values, sameText ignores case and spaces", () => {
  assert(near([[1, 2], [3, 4]], 0.01)([[1, 2.005], [3, 4]]));
  assert(!near([[1, 2], [3, 4]])([[1, 2], [3]]));
  assert(!near([1, 2])([1, 2, 3]));
  assert(!near(1)(Infinity));
  assert(sameText("car", "the car")(" The Car "));
  assert(!sameText("car")("cars"));
  assert(!sameText("car")(7));
});

Deno.test("check: an unknown id lists the known ones", () => {
  const error = assertThrows(() => check("99.nope", 1), RangeError);
  assertStringIncludes(
    (error as Error).message,
    'no exercise "99.nope"; known: ',
  );
  const long = assertThrows(() => check("x".repeat(100_000), 1), RangeError);
  assert(long.message.length < 1000, `${long.message.length} characters`);
});

Deno.test("every registered exercise: its solution passes, an unanswered cell shows the prompt, the hint never gives the answer", async (t) => {
  for (const [id, exercise] of EXERCISES) {
    await t.step(id, () => {
      assert(/^\d\d\.[a-z0-9-]+$/.test(id), `id "${id}" is "NN.name"`);
      assertEquals(check(id, exercise.solution).verdict, "correct");
      assertEquals(check(id, undefined).verdict, "unanswered");
      assertEquals(check(id, Symbol("wrong")).verdict, "wrong");
      if (
        typeof exercise.solution === "number" ||
        typeof exercise.solution === "string"
      ) {
        assert(
          !exercise.hint.includes(String(exercise.solution)),
          `${id}: the hint contains the answer`,
        );
      }
    });
  }
});
