// Chapter 10's claims over seeds (slow: three full training runs on the
// wasm backend, about a minute each on a loaded machine): in each seed the
// best layer-0 head has previous-token score ≥ 0.4, the best layer-1 head
// induction score ≥ 0.4, and ablating that previous-token head raises the
// repeated-token loss at least threefold; cutting layer 1's keys off from
// layer 0 undoes the induction score. Also the exercises' stored solutions
// (lib/notebook/exercises/10.ts), recomputed from the committed seed's model.

import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../../lib/core/backend.ts";
import { assert, assertEquals } from "@std/assert";
import { check } from "../../lib/notebook/exercises.ts";
import {
  EXERCISE_SEQUENCE,
  EXERCISES,
} from "../../lib/notebook/exercises/10.ts";
import {
  DEFAULT_TRAINING,
  heldOutBatch,
  measure,
  repeatedSequences,
  trainInduction,
} from "../../lib/chapters/10_induction_heads/mod.ts";

const SEEDS = [DEFAULT_TRAINING.seed, 2, 3];

Deno.test("the induction circuit forms, and the previous-token head is necessary, in three seeds", async (t) => {
  await useBackend("wasm");
  for (const seed of SEEDS) {
    await t.step(`seed ${seed}`, async () => {
      const { model, config } = await trainInduction({
        config: { seed, evaluateEvery: DEFAULT_TRAINING.steps },
      });
      try {
        const held = heldOutBatch(config);
        const m = measure(model, held);
        const previous = Math.max(...m.previousToken[0]);
        const induction = Math.max(...m.induction[1]);
        const head = m.previousToken[0].indexOf(previous);
        const ablated =
          measure(model, held, { ablate: [{ layer: 0, head }] }).repeatedLoss;
        const cut = Math.max(
          ...measure(model, held, { keys: "embeddings" }).induction[1],
        );
        const line =
          `seed ${seed}: previous-token ${previous}, induction ${induction}, repeated-token loss ${m.repeatedLoss} → ${ablated} ablated, induction with keys cut ${cut}`;
        assert(previous >= 0.4, line);
        assert(induction >= 0.4, line);
        assert(ablated >= 3 * m.repeatedLoss, line);
        assert(cut < induction / 2, line);
        if (seed === DEFAULT_TRAINING.seed) checkSolutions(model, m);
      } finally {
        model.dispose();
      }
    });
  }
});

type Trained = Awaited<ReturnType<typeof trainInduction>>["model"];

function checkSolutions(
  model: Trained,
  trained: ReturnType<typeof measure>,
): void {
  const solution = (id: string) =>
    EXERCISES.find((exercise) => exercise.id === id)!.solution;
  for (const exercise of EXERCISES) {
    assertEquals(check(exercise.id, exercise.solution).verdict, "correct");
  }
  // 10.key: the induction head's heaviest key from the query position, on
  // sequences of the exercise's period
  const { period, query } = EXERCISE_SEQUENCE;
  const batch = repeatedSequences(16, {
    seed: 5,
    config: { minPeriod: period, maxPeriod: period },
  });
  const { output, attention } = model.forward(batch.tokens);
  const head = trained.induction[1].indexOf(Math.max(...trained.induction[1]));
  const w = attention[1].arraySync() as number[][][][];
  tf.dispose([output, ...attention]);
  for (const sequence of w) {
    const row = sequence[head][query];
    assertEquals(row.indexOf(Math.max(...row)), solution("10.key"));
  }
  // 10.ablate-both: with both layer-1 heads ablated, the repeated-token loss
  // is within 1 of the first-block loss ("chance")
  const both = measure(model, heldOutBatch({ ...DEFAULT_TRAINING }), {
    ablate: [{ layer: 1, head: 0 }, { layer: 1, head: 1 }],
  });
  assertEquals(solution("10.ablate-both"), "chance");
  assert(
    Math.abs(both.repeatedLoss - trained.firstBlockLoss) < 1,
    `both layer-1 heads ablated: ${both.repeatedLoss}`,
  );
  // 10.fixed-period: the key one period back and one forward
  assertEquals(solution("10.fixed-period"), 20 - 8 + 1);
}
