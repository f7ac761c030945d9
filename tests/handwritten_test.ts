import { assert, assertEquals } from "@std/assert";
import { createSizeLoss } from "../lib/mod.ts";
import { ADAM } from "../lib/demo/config.ts";
import {
  HandwrittenAttention,
  handwrittenUnsupported,
} from "../lib/demo/handwritten.ts";
import { initParameters, prepareExperiment } from "../lib/mod.ts";
import { PARAMETER_NAMES } from "../lib/demo/parameters.ts";
import {
  maxAbsDiff,
  numericParameterGradient,
  referenceForward,
  SMALL,
  SMALL_FOCUS,
  SMALL_IDS,
  SMALL_SIZE,
} from "./_reference.ts";

const SMALL_PROBLEM = {
  tokenIds: SMALL_IDS,
  focusPosition: SMALL_FOCUS,
  loss: createSizeLoss(SMALL_IDS.length, SMALL_SIZE),
};

Deno.test("the hand-written engine's hand-written gradients match finite differences", async (t) => {
  const grads = new HandwrittenAttention(SMALL_PROBLEM, SMALL).gradients();
  for (const name of PARAMETER_NAMES) {
    await t.step(name, () => {
      const gap = maxAbsDiff(
        grads[name].flat(),
        numericParameterGradient(SMALL, name, 1e-6),
      );
      assert(gap < 1e-8, `${name}: differs by ${gap}`);
    });
  }
});

Deno.test("the hand-written engine's loss and weights match the float64 reference", () => {
  const { loss, weights } = new HandwrittenAttention(SMALL_PROBLEM, SMALL)
    .evaluate();
  const ref = referenceForward(SMALL, SMALL_IDS, SMALL_FOCUS, SMALL_SIZE);
  assert(Math.abs(loss - ref.loss) < 1e-14);
  assert(maxAbsDiff(weights, ref.weights) < 1e-14);
});

Deno.test("one hand-written step is exactly one Adam update with PyTorch's constants", () => {
  const experiment = prepareExperiment();
  const start = initParameters(12, 4, { seed: 5 });
  const kernel = new HandwrittenAttention({
    ...experiment,
    loss: createSizeLoss(13, experiment.sizePositions),
  }, start);
  const g = kernel.gradients();
  const learningRate = 0.01;
  kernel.step(learningRate);
  const after = kernel.parameters();
  assertEquals([ADAM.beta1, ADAM.beta2, ADAM.epsilon], [0.9, 0.999, 1e-8]);
  // Step 1: m̂ = g and v̂ = g², so the update is lr · g / (|g| + ε).
  for (const name of PARAMETER_NAMES) {
    const expected = start[name].flat().map((p, i) => {
      const gi = g[name].flat()[i];
      return p - learningRate * gi / (Math.abs(gi) + ADAM.epsilon);
    });
    const gap = maxAbsDiff(after[name].flat(), expected);
    assert(gap < 1e-15, `${name}: differs by ${gap}`);
  }
});

Deno.test("the fast path says what it supports: a row loss with a float64 form", () => {
  assertEquals(handwrittenUnsupported(SMALL_PROBLEM), undefined);
  const tensorOnly = { name: "tensor-only", tensor: SMALL_PROBLEM.loss.tensor };
  assertEquals(
    handwrittenUnsupported({ ...SMALL_PROBLEM, loss: tensorOnly }),
    "the tensor-only loss has no float64 form (evaluate)",
  );
});
