import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import { buildCorpus } from "../lib/chapters/07_attention_from_a_task/corpus.ts";
import {
  focusAttention,
  taskCurves,
  trainTaskLive,
} from "../lib/chapters/07_attention_from_a_task/task_charts.ts";

const html = (view: ReturnType<typeof taskCurves>) =>
  view[Symbol.for("Jupyter.display")]()["text/html"];

Deno.test("focusAttention prints every word with its weight and outlines the referent", () => {
  const chart = focusAttention([
    {
      label: "a",
      words: ["it", "was", "big"],
      weights: [0.125, 0.25, 0.625],
      mark: 2,
    },
    { label: "b", words: ["it", "small"], weights: [0.5, 0.5] },
  ], { title: "where it looks" });
  const markup = chart.outerHTML;
  for (
    const text of ["big", "0.63", "0.13", "small", "0.50", "where it looks"]
  ) {
    assertStringIncludes(markup, text);
  }
  assertEquals(markup.split('stroke="#f28e2b"').length - 1, 1);
  assertThrows(() => focusAttention([]), RangeError, "rows is empty");
  assertThrows(
    () => focusAttention([{ label: "x", words: ["a"], weights: [0.5, 0.5] }]),
    RangeError,
    "1 words but 2 weights",
  );
});

Deno.test("taskCurves keeps its axes fixed however far training got", () => {
  const early = html(
    taskCurves([{ step: 0, loss: 3.5, trainAccuracy: 0, testAccuracy: 0 }], {
      steps: 200,
      lossMax: 4,
    }),
  );
  const late = html(taskCurves(
    Array.from({ length: 201 }, (_, step) => ({
      step,
      loss: 3.5 / (1 + step),
      ...(step % 20 === 0
        ? { trainAccuracy: step / 200, testAccuracy: step / 250 }
        : {}),
    })),
    { steps: 200, lossMax: 4 },
  ));
  // the same tick labels on both: the axes do not follow the data
  const ticks = (s: string) =>
    [...s.matchAll(/<text[^>]*>([0-9.]+)<\/text>/g)].map((m) => m[1]).join();
  assertEquals(ticks(early), ticks(late));
  assertStringIncludes(late, "held-out");
});

Deno.test("trainTaskLive updates one display in place; its final frame carries no time", async () => {
  const before = tf.memory().numTensors;
  const frames: { id: string; update?: boolean; html: string }[] = [];
  const run = await trainTaskLive(buildCorpus(), {
    config: { steps: 4, dModel: 4 },
    evaluateEvery: 2,
    framesPerSecond: 1000,
    display: (value, options) => {
      frames.push({
        id: options.display_id,
        update: options.update,
        html: html(value as ReturnType<typeof taskCurves>),
      });
    },
  });
  assert(frames.length >= 2);
  assertEquals(new Set(frames.map((f) => f.id)).size, 1);
  assertEquals(
    frames.map((f) => f.update ?? false),
    frames.map((_, i) => i > 0),
  );
  assertStringIncludes(frames[0].html, " s</p>");
  assertStringIncludes(frames.at(-1)!.html, "after 4 steps");
  assert(!frames.at(-1)!.html.includes(" s</p>"));
  assert(run.seconds > 0);
  run.model.dispose();
  assertEquals(tf.memory().numTensors, before);
});
