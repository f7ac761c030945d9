import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals } from "@std/assert";
import {
  AUTODIFF_ENGINE,
  createSizeLoss,
  HANDWRITTEN_ENGINE,
  type Loss,
  PARAMETER_NAMES,
} from "../lib/mod.ts";
import {
  maxAbsDiff,
  SMALL,
  SMALL_FOCUS,
  SMALL_IDS,
  SMALL_SIZE,
} from "./_reference.ts";

const problem = {
  tokenIds: SMALL_IDS,
  focusPosition: SMALL_FOCUS,
  loss: createSizeLoss(SMALL_IDS.length, SMALL_SIZE),
  initialParameters: SMALL,
};

Deno.test("the tfjs engine supports every loss, the hand-written one only float64 ones", () => {
  const tensorOnly: Loss = { name: "tensor-only", tensor: problem.loss.tensor };
  assertEquals(
    AUTODIFF_ENGINE.unsupported({ ...problem, loss: tensorOnly }),
    undefined,
  );
  assertEquals(HANDWRITTEN_ENGINE.unsupported(problem), undefined);
  assert(HANDWRITTEN_ENGINE.unsupported({ ...problem, loss: tensorOnly }));
});

Deno.test("steps of the tfjs engine follow the hand-written engine's Adam steps", () => {
  const auto = AUTODIFF_ENGINE.start(problem);
  const hand = HANDWRITTEN_ENGINE.start(problem);
  for (let epoch = 0; epoch < 25; epoch++) {
    const a = auto.step(0.01), h = hand.step(0.01);
    assert(
      Math.abs(a.loss - h.loss) < 1e-6,
      `epoch ${epoch}: ${a.loss} vs ${h.loss}`,
    );
    assert(maxAbsDiff(a.weights, h.weights) < 1e-6);
  }
  const [pa, ph] = [auto.parameters(), hand.parameters()];
  for (const name of PARAMETER_NAMES) {
    const gap = maxAbsDiff(pa[name].flat(), ph[name].flat());
    assert(gap < 1e-5, `${name} differs by ${gap}`);
  }
  // the parameters no gradient reaches stay exactly where they started
  assertEquals(
    pa.valueWeight,
    SMALL.valueWeight.map((r) => r.map(Math.fround)),
  );
  assertEquals(pa.keyBias, SMALL.keyBias.map(Math.fround));
  auto.dispose();
  hand.dispose();
});

Deno.test("the tfjs engine keeps a constant tensor count and frees everything", () => {
  const before = tf.memory().numTensors;
  const stepper = AUTODIFF_ENGINE.start(problem);
  const counts: number[] = [];
  for (let epoch = 0; epoch < 10; epoch++) {
    stepper.step(0.001);
    counts.push(tf.memory().numTensors);
  }
  stepper.final();
  assertEquals(new Set(counts).size, 1, `counts ${counts}`);
  assert(counts[0] > before, "it holds variables while it runs");
  stepper.dispose();
  assertEquals(tf.memory().numTensors, before);
});
