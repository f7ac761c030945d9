import * as tf from "@tensorflow/tfjs";
import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import {
  AttentionModel,
  initParameters,
  keep,
  prepareExperiment,
  trainExperiment,
  trainLive,
} from "../lib/mod.ts";
import { liveView, trainingFrame } from "../lib/notebook/live.ts";
import type { RowLoss } from "../lib/demo/loss.ts";
import { tickLabels } from "./charts/_svg.ts";

Deno.test("keep frees what was kept under the same name before", () => {
  const before = tf.memory().numTensors;
  keep("model", new AttentionModel(initParameters(3, 2)));
  keep("model", new AttentionModel(initParameters(3, 2)));
  assertEquals(tf.memory().numTensors, before + 7);
  keep("pair", [tf.ones([2]), tf.zeros([3])]);
  keep("pair", { a: tf.ones([2]), b: tf.zeros([3]) });
  assertEquals(tf.memory().numTensors, before + 9);
  keep("model", tf.scalar(1));
  keep("pair", tf.scalar(1));
  assertEquals(tf.memory().numTensors, before + 2);
});

Deno.test("trainLive updates one display in place and ends on the final epoch", async () => {
  const experiment = prepareExperiment({ epochs: 50 });
  const calls: { id: string; update?: boolean; html: string }[] = [];
  const result = await trainLive(experiment, {
    framesPerSecond: 1000,
    display: (value, options) => {
      const bundle = (value as Record<symbol, () => Record<string, string>>)
        [Symbol.for("Jupyter.display")]();
      calls.push({
        id: options.display_id,
        update: options.update,
        html: bundle["text/html"],
      });
    },
  });
  assert(calls.length >= 2);
  assertEquals(new Set(calls.map((c) => c.id)).size, 1);
  assertEquals(calls[0].update, false);
  assert(calls.slice(1).every((c) => c.update === true));
  assertStringIncludes(calls.at(-1)!.html, "after 50 epochs");
  // the last frame shows the final weights, as the report does
  assertStringIncludes(calls.at(-1)!.html, result.finalWeights[12].toFixed(3));
  assertEquals((calls.at(-1)!.html.match(/<svg/g) ?? []).length, 2);
  // same numbers as plain training
  const plain = await trainExperiment(experiment);
  assertEquals(result.history, plain.history);
});

Deno.test("liveView: one display id, updates in place, throttled; the final frame always drawn", async () => {
  const shown: { id: string; update?: boolean; text: string }[] = [];
  const frame = (records: { step: number; loss: number }[]) => ({
    [Symbol.for("Jupyter.display")]: () => ({
      "text/plain": records.map((r) => r.loss).join(","),
    }),
  });
  const view = liveView(frame, {
    framesPerSecond: 0.001,
    display: (value, options) => {
      const bundle = (value as Record<symbol, () => Record<string, string>>)
        [Symbol.for("Jupyter.display")]();
      shown.push({
        id: options.display_id,
        update: options.update,
        text: bundle["text/plain"],
      });
    },
  });
  const records: { step: number; loss: number }[] = [];
  for (let step = 0; step < 5; step++) {
    records.push({ step, loss: 5 - step });
    await view.update(records, step);
  }
  await view.finish(records);
  assertEquals(shown.length, 2, "the first frame, then the final one");
  assertEquals(shown.map((s) => s.update), [false, true]);
  assertEquals(new Set(shown.map((s) => s.id)).size, 1);
  assertEquals(shown[1].text, "5,4,3,2,1");
});

Deno.test("a frame is titled by the loss's recorded name", async () => {
  const experiment = prepareExperiment({ epochs: 3 });
  const onFirst: RowLoss = {
    name: "−log w₀",
    tensor: (tfjs, w) => tfjs.neg(tfjs.log(w.slice(0, 1).sum())),
  };
  let html = "";
  await trainLive(experiment, {
    loss: onFirst,
    display: (value) => {
      html = (value as Record<symbol, () => Record<string, string>>)
        [Symbol.for("Jupyter.display")]()["text/html"];
    },
  });
  assertStringIncludes(html, "Loss −log w₀ (after 3 epochs)");
  assert(!html.includes("Size loss"), "not the size loss");
});

Deno.test("trainLive throttles frames", async () => {
  let frames = 0;
  await trainLive(prepareExperiment({ epochs: 200 }), {
    framesPerSecond: 0.001,
    display: () => {
      frames++;
    },
  });
  assertEquals(frames, 2); // the first epoch and the final state
});

Deno.test("minSeconds stretches training without changing its numbers", async () => {
  const experiment = prepareExperiment({ epochs: 20 });
  const start = performance.now();
  const result = await trainLive(experiment, {
    minSeconds: 0.2,
    display: () => {},
  });
  assert(performance.now() - start >= 195);
  assertEquals(result.history, (await trainExperiment(experiment)).history);
});

Deno.test("a training frame holds the loss curve and the weights as inline SVG", () => {
  const experiment = prepareExperiment();
  const history = [{ epoch: 0, loss: 1 }, { epoch: 1, loss: 0.9 }];
  const weights = new Array(13).fill(1 / 13);
  const frame = trainingFrame(experiment, { history, weights });
  const html = frame[Symbol.for("Jupyter.display")]()["text/html"];
  assertStringIncludes(html, "epoch 2 of 200");
  assertStringIncludes(html, `Attention of "it"`);
  assertEquals((html.match(/<svg/g) ?? []).length, 2);
  const last = trainingFrame(experiment, { history, weights, done: true });
  assertStringIncludes(
    last[Symbol.for("Jupyter.display")]()["text/html"],
    "after 200 epochs",
  );
});

Deno.test("training frames keep fixed axes, so only the data moves", () => {
  const experiment = prepareExperiment();
  const html = (
    history: { epoch: number; loss: number }[],
    weights: number[],
  ) =>
    trainingFrame(experiment, { history, weights })[
      Symbol.for("Jupyter.display")
    ]()["text/html"];
  const first = html([{ epoch: 0, loss: 0.98 }], new Array(13).fill(1 / 13));
  const later = html(
    Array.from(
      { length: 150 },
      (_, epoch) => ({ epoch, loss: 0.98 - epoch / 1000 }),
    ),
    Array.from({ length: 13 }, (_, i) => i === 2 ? 0.5 : 0.5 / 12),
  );
  // [loss chart, bars chart] tick labels of each frame
  const ticks = (page: string, axis: "x" | "y") =>
    page.split("</svg>").slice(0, 2).map((svg) => tickLabels(svg, axis));
  const [lossX, barsY] = [ticks(first, "x")[0], ticks(first, "y")[1]];
  // the first frame (one point) has a real epoch axis, 0 to the last epoch
  assertEquals(lossX[0], "0");
  assertEquals(lossX.at(-1), "200");
  assertEquals(barsY.at(-1), "1.0");
  assertEquals(ticks(first, "x"), ticks(later, "x"));
  assertEquals(ticks(first, "y"), ticks(later, "y"));
});

// Issue 13, item 7: pacing outside what a timer can wait is refused up front.
import { assertRejects } from "@std/assert";
Deno.test("trainLive rejects minSeconds and framesPerSecond outside their range", async () => {
  const experiment = prepareExperiment({ epochs: 3 });
  let frames = 0;
  const display = () => {
    frames++;
  };
  for (const minSeconds of [1e9, -1, NaN]) {
    await assertRejects(
      () => trainLive(experiment, { minSeconds, display }),
      RangeError,
      `minSeconds must be a number from 0 to 3600, got ${minSeconds}`,
    );
  }
  for (const framesPerSecond of [0, -4, NaN]) {
    await assertRejects(
      () => trainLive(experiment, { framesPerSecond, display }),
      RangeError,
      "framesPerSecond must be a number above 0",
    );
  }
  assertEquals(frames, 0);
});
