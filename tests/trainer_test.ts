import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertRejects } from "@std/assert";
import {
  analyzeAttention,
  createSizeLoss,
  type EngineName,
  initParameters,
  prepareExperiment,
  type RowLoss,
  trainExperiment,
} from "../lib/mod.ts";
import { PARAMETER_NAMES } from "../lib/demo/parameters.ts";
import { attentionDefinition, focusRowLoss, Model, train } from "../lib/mod.ts";
import { maxAbsDiff, referenceForward } from "./_reference.ts";

const experiment = prepareExperiment();

Deno.test("training on the default sentence lowers the loss and raises the size weight", async () => {
  const result = await trainExperiment(experiment);
  assertEquals(result.history.length, 200);
  assertEquals(result.history[0].epoch, 0);
  const first = result.history[0].loss, last = result.history.at(-1)!.loss;
  assert(last < first - 0.1, `loss ${first} → ${last}`);
  const before =
    analyzeAttention(experiment, result.weightHistory[0]).combinedSizeWeight;
  const after =
    analyzeAttention(experiment, result.finalWeights).combinedSizeWeight;
  assert(after > before + 0.3, `size weight ${before} → ${after}`);
});

Deno.test("with the default seed, the three size words rank first", async () => {
  const result = await trainExperiment(experiment);
  const ranking = analyzeAttention(experiment, result.finalWeights).ranking;
  assertEquals(ranking.slice(0, 3).map((r) => r.token).sort(), [
    "car",
    "elephant",
    "too",
  ]);
});

Deno.test("history[e].loss is the loss before epoch e's update, as the reference computes it", async () => {
  const result = await trainExperiment(experiment, { engine: "handwritten" });
  const { tokenIds, focusPosition, sizePositions } = experiment;
  const start = referenceForward(
    result.initialParameters,
    tokenIds,
    focusPosition,
    sizePositions,
  );
  assert(Math.abs(start.loss - result.history[0].loss) < 1e-12);
  assert(maxAbsDiff(start.weights, result.weightHistory[0]) < 1e-12);
  const end = referenceForward(
    result.finalParameters,
    tokenIds,
    focusPosition,
    sizePositions,
  );
  assert(maxAbsDiff(end.weights, result.finalWeights) < 1e-12);
});

Deno.test("the hand-written engine and the tfjs engine agree to float32 tolerance", async (t) => {
  const configs = [
    {},
    {
      sentence: "a b c d e f g h a b c",
      focusWord: "d",
      sizeWords: ["a", "h"],
      dModel: 8,
      epochs: 60,
      seed: 3,
    },
    { learningRate: 0.01, epochs: 100, seed: 11 },
  ];
  for (const overrides of configs) {
    await t.step(JSON.stringify(overrides), async () => {
      const exp = prepareExperiment(overrides);
      const hand = await trainExperiment(exp, { engine: "handwritten" });
      const slow = await trainExperiment(exp, { engine: "tfjs" });
      assertEquals(hand.initialParameters, slow.initialParameters);
      const losses = (r: typeof hand) => r.history.map((h) => h.loss);
      assert(maxAbsDiff(losses(hand), losses(slow)) < 2e-5, "loss history");
      assert(
        maxAbsDiff(hand.finalWeights, slow.finalWeights) < 5e-5,
        "final attention weights",
      );
      assert(
        maxAbsDiff(hand.weightHistory.flat(), slow.weightHistory.flat()) < 5e-5,
        "weight history",
      );
      for (const name of PARAMETER_NAMES) {
        const diff = maxAbsDiff(
          hand.finalParameters[name].flat(),
          slow.finalParameters[name].flat(),
        );
        assert(diff < 1e-4, `${name} differs by ${diff}`);
      }
      // The key bias adds the same bk · q to every score, which softmax
      // ignores: its gradient is exactly 0, and neither engine moves it.
      assertEquals(
        slow.finalParameters.keyBias,
        slow.initialParameters.keyBias,
      );
      assertEquals(
        hand.finalParameters.keyBias,
        hand.initialParameters.keyBias,
      );
    });
  }
});

Deno.test("the same seed gives bit-identical runs; another seed does not", async () => {
  for (const engine of ["handwritten", "tfjs"] as EngineName[]) {
    const a = await trainExperiment(experiment, { engine });
    const b = await trainExperiment(experiment, { engine });
    assertEquals(a.history, b.history);
    assertEquals(a.finalParameters, b.finalParameters);
  }
  const other = await trainExperiment(prepareExperiment({ seed: 1 }));
  const base = await trainExperiment(experiment);
  assert(other.history[0].loss !== base.history[0].loss);
});

Deno.test("onEpoch sees every epoch, and training waits for it", async () => {
  const seen: number[] = [];
  let waited = 0;
  await trainExperiment(prepareExperiment({ epochs: 5 }), {
    onEpoch: async ({ epoch, weights }) => {
      seen.push(epoch);
      assertEquals(weights.length, 13);
      await new Promise((resolve) => setTimeout(resolve, 1));
      waited++;
    },
  });
  assertEquals(seen, [0, 1, 2, 3, 4]);
  assertEquals(waited, 5);
});

Deno.test("initialParameters option is used and not modified", async () => {
  const start = initParameters(12, 4, { seed: 99 });
  const copy = structuredClone(start);
  const result = await trainExperiment(prepareExperiment({ epochs: 3 }), {
    initialParameters: start,
  });
  assertEquals(result.initialParameters, copy);
  assertEquals(start, copy);
});

Deno.test("an unknown engine is a RangeError", async () => {
  await assertRejects(
    () => trainExperiment(experiment, { engine: "gpu" as EngineName }),
    RangeError,
    `engine must be "auto", "handwritten" or "tfjs", got "gpu"`,
  );
});

Deno.test("training and analysis leak no tensors, and tensor count does not grow per epoch", async () => {
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  await trainExperiment(prepareExperiment({ epochs: 30 }), {
    engine: "tfjs",
    onEpoch: () => {
      counts.push(tf.memory().numTensors);
    },
  });
  // after the optimizer's state exists (epoch 1 on), the count is constant
  assertEquals(new Set(counts.slice(1)).size, 1, `counts ${counts}`);
  assertEquals(tf.memory().numTensors, before);
});

Deno.test("trainExperiment() reports which engine ran and why", async (t) => {
  const short = prepareExperiment({ epochs: 2 });
  await t.step(
    "automatic: the hand-written engine for the size loss",
    async () => {
      const { engine } = await trainExperiment(short);
      assertEquals(engine.name, "handwritten");
      assert(engine.reason.includes("size loss"), engine.reason);
    },
  );
  await t.step(
    "automatic: tfjs for a loss without a float64 form",
    async () => {
      const sized = createSizeLoss(13, short.sizePositions);
      const tensorOnly: RowLoss = { name: "tensor-only", tensor: sized.tensor };
      const viaTfjs = await trainExperiment(short, { loss: tensorOnly });
      assertEquals(viaTfjs.engine.name, "tfjs");
      assert(viaTfjs.engine.reason.includes("float64"), viaTfjs.engine.reason);
      // the same loss, so the same numbers as the hand-written engine's
      const viaHand = await trainExperiment(short);
      assert(maxAbsDiff(viaTfjs.finalWeights, viaHand.finalWeights) < 1e-5);
    },
  );
  await t.step("asked for", async () => {
    const { engine } = await trainExperiment(short, { engine: "tfjs" });
    assertEquals(engine, { name: "tfjs", reason: "asked for" });
  });
  await t.step(
    "asking the hand-written engine for a loss it cannot run is a RangeError",
    async () => {
      const tensorOnly: RowLoss = {
        name: "tensor-only",
        tensor: createSizeLoss(13, short.sizePositions).tensor,
      };
      await assertRejects(
        () =>
          trainExperiment(short, { engine: "handwritten", loss: tensorOnly }),
        RangeError,
        "the handwritten engine cannot train this: the tensor-only loss has no float64 form",
      );
    },
  );
});

// A loss of our own, not the size loss: 1 − w[0]. Its float64 form lets the
// hand-written engine run it; the tfjs engine runs its tensor form.
const onFirst: RowLoss = {
  name: "first-word",
  tensor: (tfjs, w) => tfjs.sub(1, w.slice(0, 1).sum()) as tf.Scalar,
  evaluate: (w, slope) => {
    slope?.fill(0);
    if (slope) slope[0] = -1;
    return 1 - w[0];
  },
};

Deno.test("a custom loss trains: pushing all attention onto one word", async () => {
  const short = prepareExperiment({ epochs: 50, learningRate: 0.05 });
  const hand = await trainExperiment(short, { loss: onFirst });
  const auto = await trainExperiment(short, { loss: onFirst, engine: "tfjs" });
  const start = referenceForward(
    hand.initialParameters,
    short.tokenIds,
    short.focusPosition,
    short.sizePositions,
  ).weights[0];
  assertEquals(hand.engine.name, "handwritten");
  assert(
    hand.finalWeights[0] > start + 0.1,
    `${start} → ${hand.finalWeights[0]}`,
  );
  assert(Math.abs(hand.finalLoss - (1 - hand.finalWeights[0])) < 1e-12);
  assert(maxAbsDiff(hand.finalWeights, auto.finalWeights) < 1e-4);
});

Deno.test("a custom loss needs no size positions; the size loss does", async () => {
  // A custom loss ignores the size positions, so a hand-built experiment
  // without them trains; with the default size loss it is refused.
  const noSize = { ...prepareExperiment({ epochs: 3 }), sizePositions: [] };
  const result = await trainExperiment(noSize, { loss: onFirst });
  assertEquals(result.history.length, 3);
  assert(result.history.every((h) => Number.isFinite(h.loss)));
  await assertRejects(
    () => trainExperiment(noSize),
    RangeError,
    "at least one size position",
  );
});

Deno.test("initialParameters that do not fit the experiment are a RangeError", async () => {
  const before = tf.memory().numTensors;
  for (const engine of ["handwritten", "tfjs"] as EngineName[]) {
    await assertRejects(
      () =>
        trainExperiment(experiment, {
          engine,
          initialParameters: initParameters(3, 4),
        }),
      RangeError,
      "options.initialParameters.embedding must be a [12, 4] array",
    );
    await assertRejects(
      () =>
        trainExperiment(experiment, {
          engine,
          initialParameters: initParameters(12, 8),
        }),
      RangeError,
      "(vocabSize 12, dModel 4)",
    );
  }
  assertEquals(tf.memory().numTensors, before);
});

// Issue 13, item 7: a hand-built experiment is checked like a prepared one.
Deno.test("train rejects a bad hand-built experiment with a readable error, never a NaN loss", async (t) => {
  const good = prepareExperiment({ epochs: 2 });
  const cases: [string, Record<string, unknown>, string][] = [
    [
      "token id outside",
      { tokenIds: [...good.tokenIds.slice(1), 99] },
      "token id 99 is outside the vocabulary (0…11)",
    ],
    [
      "fractional token id",
      { tokenIds: [0.5, ...good.tokenIds.slice(1)] },
      "token id 0.5 is outside",
    ],
    [
      "focus position -1",
      { focusPosition: -1 },
      "focus position -1 is outside the sentence (0…12)",
    ],
    ["no size positions", { sizePositions: [] }, "at least one size position"],
    [
      "size position outside",
      { sizePositions: [2, 40] },
      "size position 40 is outside",
    ],
    [
      "fractional epochs",
      { config: { ...good.config, epochs: 3.5 } },
      "epochs must be a positive whole number, got 3.5",
    ],
    [
      "NaN learning rate",
      { config: { ...good.config, learningRate: NaN } },
      "learningRate must be a positive finite number",
    ],
  ];
  for (const engine of ["handwritten", "tfjs"] as EngineName[]) {
    for (const [name, change, message] of cases) {
      await t.step(`${engine}: ${name}`, async () => {
        const before = tf.memory().numTensors;
        await assertRejects(
          () =>
            trainExperiment({ ...good, ...change } as typeof good, { engine }),
          RangeError,
          message,
        );
        assertEquals(tf.memory().numTensors, before);
      });
    }
  }
  await t.step("not an experiment", async () => {
    await assertRejects(
      () => trainExperiment(null as unknown as typeof good),
      TypeError,
      "train needs an experiment from prepareExperiment, got null",
    );
  });
});

Deno.test("the tfjs engine is the one trainer: train() on the demo's definition gives the same numbers, bit for bit", async () => {
  const short = prepareExperiment({ epochs: 30, seed: 4 });
  const viaDemo = await trainExperiment(short, { engine: "tfjs" });
  const { tokenIds, focusPosition, sizePositions } = short;
  const model = new Model(
    attentionDefinition(short.vocabulary.words.length, short.config.dModel),
    { seed: 4 }, // the contract's seeded values are initParameters' (model_test)
  );
  const history = await train(
    model,
    focusRowLoss(createSizeLoss(tokenIds.length, sizePositions)),
    () => ({ input: { tokenIds, focusPosition }, target: undefined }),
    {
      steps: 30,
      adam: { learningRate: short.config.learningRate, compensated: true },
      recordAttention: true,
    },
  );
  assertEquals(history.loss, "size");
  assertEquals(
    history.steps.map((s) => s.loss),
    viaDemo.history.map((h) => h.loss),
  );
  assertEquals(
    history.steps.map((s) => s.attention![0]),
    viaDemo.weightHistory,
  );
  assertEquals(history.end!.loss, viaDemo.finalLoss);
  assertEquals(
    [...model.values().queryWeight],
    viaDemo.finalParameters.queryWeight.flat(),
  );
  model.dispose();
});
