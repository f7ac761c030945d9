// lib/notebook/exercises/09.ts: every stored solution is what the pretrained model
// computes, and check() accepts it.

import { assertAlmostEquals, assertEquals } from "@std/assert";
import { check } from "../../lib/notebook/exercises.ts";
import {
  EXERCISE_SENTENCES,
  EXERCISES,
} from "../../lib/notebook/exercises/09.ts";
import {
  loadPretrained,
  subwordWords,
} from "../../lib/chapters/09_a_pretrained_transformer/pretrained.ts";

const solution = (id: string): number =>
  EXERCISES.find((exercise) => exercise.id === id)!.solution as number;

Deno.test("chapter 9's solutions are what the model computes", async (t) => {
  const model = await loadPretrained();
  try {
    await t.step("09.column-sum", async () => {
      const { tokens, weights } = await model.attention(
        EXERCISE_SENTENCES.pinkElephant,
      );
      const w = weights.arraySync();
      weights.dispose();
      const car = tokens.indexOf("▁car");
      let sum = 0;
      for (const row of w[1][1]) sum += row[car];
      assertAlmostEquals(sum, solution("09.column-sum"), 0.005);
    });

    await t.step("09.swap", async () => {
      const onSuitcase: number[][] = [];
      for (
        const text of [
          EXERCISE_SENTENCES.trophyBig,
          EXERCISE_SENTENCES.trophySmall,
        ]
      ) {
        const { tokens, weights } = await model.attention(text);
        const w = weights.arraySync();
        weights.dispose();
        const words = subwordWords(tokens);
        const it = words.find((word) => word.word === "it")!.positions[0];
        const suitcase = words.find((word) => word.word === "suitcase")!
          .positions;
        onSuitcase.push(
          w.flatMap((layer) =>
            layer.map((head) =>
              suitcase.reduce((sum, key) => sum + head[it][key], 0)
            )
          ),
        );
      }
      const change = Math.max(
        ...onSuitcase[0].map((x, i) => Math.abs(x - onSuitcase[1][i])),
      );
      assertAlmostEquals(change, solution("09.swap"), 0.005);
    });

    await t.step("09.ablation", async () => {
      const text = EXERCISE_SENTENCES.trophyBig;
      const base = await model.embedding(text);
      const e = base.dataSync();
      let best = { change: -Infinity, head: [-1, -1] };
      for (let layer = 0; layer < 2; layer++) {
        for (let head = 0; head < 4; head++) {
          const ablated = await model.embedding(text, {
            ablate: { layer, head },
          });
          const a = ablated.dataSync();
          ablated.dispose();
          let cosine = 0; // both have length 1
          for (let i = 0; i < e.length; i++) cosine += e[i] * a[i];
          if (1 - cosine > best.change) {
            best = { change: 1 - cosine, head: [layer, head] };
          }
        }
      }
      base.dispose();
      assertEquals(
        best.head,
        EXERCISES.find((x) => x.id === "09.ablation")!.solution,
      );
    });
  } finally {
    model.dispose();
  }

  await t.step("check() accepts every solution", () => {
    for (const exercise of EXERCISES) {
      assertEquals(check(exercise.id, exercise.solution).verdict, "correct");
      assertEquals(check(exercise.id, undefined).verdict, "unanswered");
    }
  });
});
