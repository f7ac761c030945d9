/**
 * Chapter 7's charts: where "it" looks, word by word, in several sentences at
 * once, and the live view of a task training run (loss and accuracy on fixed
 * axes, updated in place). Drawn with Observable Plot on a linkedom document.
 * @module
 */

import * as Plot from "@observablehq/plot";
import {
  BASE_COLOR,
  chartDocument,
  type ChartElement,
  HIGHLIGHT_COLOR,
} from "../../charts/common.ts";
import { checkOptions } from "../../core/_describe.ts";
import { checkList } from "../../charts/common.ts";
import { toSvgString } from "../../charts/svg.ts";
import type { Corpus } from "./corpus.ts";
import { type HtmlDisplay } from "../../charts/svg.ts";
import { liveView, type LiveViewOptions } from "../../notebook/live.ts";
import {
  resolveTaskConfig,
  type TaskStep,
  trainTask,
  type TrainTaskOptions,
  type TrainTaskResult,
} from "./task_model.ts";

// Plot types its option as the DOM's Document; the shared linkedom one works.
const document = chartDocument as Plot.PlotOptions["document"];

/** One row of {@linkcode focusAttention}: a sentence and the weights of "it" on its words. */
export interface FocusRow {
  /** Row label, e.g. `"hop 2"` or the referent. */
  label: string;
  /** The words, `[seqLen]`. */
  words: string[];
  /** The weight of "it" on each word, `[seqLen]`. */
  weights: number[];
  /** Position to outline (the referent), if any. */
  mark?: number;
}

/** Options for {@linkcode focusAttention}. */
export interface FocusAttentionOptions {
  /** Title above the chart. */
  title?: string;
  /** Width in pixels. Default: 58 per word plus the labels. */
  width?: number;
}

/**
 * A grid of sentences, one per row: each word in a cell shaded by the weight
 * of "it" on it, the weight printed under the word, the referent outlined.
 *
 * @param rows The sentences and weights.
 * @param options Title and width.
 * @returns The chart element.
 * @throws {RangeError} When there are no rows, or words and weights differ in length.
 *
 * @example
 * ```ts
 * import { focusAttention } from "./task_charts.ts";
 * const chart = focusAttention([
 *   { label: "a", words: ["it", "was", "big"], weights: [0.1, 0.2, 0.7], mark: 2 },
 * ]);
 * if (!chart.outerHTML.includes("0.70")) throw new Error("weight not printed");
 * ```
 */
export function focusAttention(
  rows: FocusRow[],
  options: FocusAttentionOptions = {},
): ChartElement {
  checkList(rows, "rows", "focusAttention", "a row {label, words, weights}");
  checkOptions(options);
  if (rows.length === 0) {
    throw new RangeError("focusAttention: rows is empty; give at least one");
  }
  const cells = rows.flatMap((row) => {
    if (row.words.length !== row.weights.length) {
      throw new RangeError(
        `focusAttention: row "${row.label}" has ${row.words.length} words but ${row.weights.length} weights`,
      );
    }
    return row.words.map((word, position) => ({
      row: row.label,
      position,
      word,
      weight: row.weights[position],
      marked: position === row.mark,
    }));
  });
  const columns = Math.max(...rows.map((r) => r.words.length));
  const labelWidth = 12 + 6 * Math.max(...rows.map((r) => r.label.length));
  const cell = 58;
  return Plot.plot({
    document,
    title: options.title,
    width: options.width ?? labelWidth + cell * columns + 8,
    height: 30 + 40 * rows.length,
    marginLeft: labelWidth,
    marginTop: 24,
    marginRight: 8,
    marginBottom: 6,
    x: {
      domain: Array.from({ length: columns }, (_, i) => i),
      axis: "top",
      label: "position",
      padding: 0,
    },
    y: { domain: rows.map((r) => r.label), label: null, padding: 0 },
    color: { type: "linear", scheme: "Blues", domain: [0, 1] },
    marks: [
      Plot.cell(cells, { x: "position", y: "row", fill: "weight", inset: 1 }),
      Plot.cell(cells.filter((c) => c.marked), {
        x: "position",
        y: "row",
        stroke: HIGHLIGHT_COLOR,
        strokeWidth: 3,
        fill: "none",
        inset: 1,
      }),
      Plot.text(cells, {
        x: "position",
        y: "row",
        text: (c) => `${c.word}\n${c.weight.toFixed(2)}`,
        fill: (c) => c.weight > 0.55 ? "white" : "black",
        fontSize: 10,
        lineHeight: 1.2,
      }),
    ],
  }) as unknown as ChartElement;
}

/** Options for {@linkcode taskCurves}. */
export interface TaskCurvesOptions {
  /** The last step of the run: the x axis is fixed to `[0, steps]`. */
  steps: number;
  /** Top of the loss axis, fixed for the whole run. */
  lossMax: number;
  /** A note above the charts, e.g. the step or the time. */
  note?: string;
}

/**
 * The live view's two charts, on fixed axes: the training loss per step and
 * the training and held-out accuracy, as one displayable HTML block.
 *
 * @param history The steps so far.
 * @param options The fixed axes and a note.
 * @returns An object the Deno kernel displays as HTML.
 *
 * @example
 * ```ts
 * import { taskCurves } from "./task_charts.ts";
 * const view = taskCurves([{ step: 0, loss: 3, trainAccuracy: 0, testAccuracy: 0 }], {
 *   steps: 10, lossMax: 4,
 * });
 * const html = view[Symbol.for("Jupyter.display")]()["text/html"];
 * if (!html.includes("held-out")) throw new Error();
 * ```
 */
export function taskCurves(
  history: TaskStep[],
  options: TaskCurvesOptions,
): HtmlDisplay {
  const { steps, lossMax } = options;
  const x = { domain: [0, steps], label: "step" };
  const loss = Plot.plot({
    document,
    width: 360,
    height: 220,
    marginLeft: 44,
    x,
    y: { domain: [0, lossMax], label: "loss (cross-entropy)", grid: true },
    marks: [
      Plot.line(history, {
        x: "step",
        y: (h: TaskStep) => Math.min(h.loss, lossMax),
        z: null,
        stroke: BASE_COLOR,
      }),
    ],
  });
  const points = history.flatMap((h) =>
    h.testAccuracy === undefined ? [] : [
      { step: h.step, accuracy: h.trainAccuracy!, set: "training" },
      { step: h.step, accuracy: h.testAccuracy, set: "held-out" },
    ]
  );
  const accuracy = Plot.plot({
    document,
    width: 420,
    height: 220,
    marginLeft: 44,
    marginRight: 70,
    x,
    y: { domain: [0, 1], label: "accuracy", grid: true },
    color: { domain: ["training", "held-out"], range: ["#59a14f", "#e15759"] },
    marks: [
      Plot.line(points, { x: "step", y: "accuracy", z: "set", stroke: "set" }),
      // the two names sit above and below their line ends, which may meet at 1
      ...([["training", -7], ["held-out", 7]] as const).map(([set, dy]) =>
        Plot.text(
          points.filter((p) => p.set === set),
          Plot.selectLast({
            x: "step",
            y: "accuracy",
            text: "set",
            fill: "set",
            textAnchor: "start",
            dx: 5,
            dy,
          }),
        )
      ),
    ],
  });
  const note = options.note ? `<p>${options.note}</p>` : "";
  const html = `${note}<div style="display:flex;flex-wrap:wrap;gap:16px">${
    [loss, accuracy].map((c) => toSvgString(c as unknown as ChartElement))
      .join("")
  }</div>`;
  return { [Symbol.for("Jupyter.display")]: () => ({ "text/html": html }) };
}

/** Options for {@linkcode trainTaskLive}. */
export interface TrainTaskLiveOptions
  extends
    Omit<TrainTaskOptions, "onStep">,
    Pick<LiveViewOptions, "display" | "framesPerSecond"> {}

/**
 * Trains like {@linkcode trainTask} while one notebook output (the one live
 * view, `liveView`) shows the loss and the accuracies so far on fixed axes,
 * updated in place, with the elapsed time. The last frame shows the whole
 * run and stays in the saved notebook; it carries no time, so a rerun saves
 * the same output.
 *
 * @param corpus The corpus.
 * @param options Configuration, display function and frame rate.
 * @returns What {@linkcode trainTask} returns, and the seconds it took.
 */
export async function trainTaskLive(
  corpus: Corpus,
  options: TrainTaskLiveOptions = {},
): Promise<TrainTaskResult & { seconds: number }> {
  const { display, framesPerSecond, ...training } = checkOptions(options);
  const steps = resolveTaskConfig(options.config).steps;
  let lossMax = 1;
  const view = liveView(
    ({ history, note }: { history: TaskStep[]; note: string }) =>
      taskCurves(history, { steps, lossMax, note }),
    { display, framesPerSecond, steps },
  );
  const result = await trainTask(corpus, {
    ...training,
    onStep: (point, history) => {
      if (point.step === 0) lossMax = Math.ceil(point.loss); // fixed from here on
      return view.update({
        history,
        get note() {
          return `step ${point.step} of ${steps}, ${view.seconds.toFixed(1)} s`;
        },
      }, point.step);
    },
  });
  const seconds = view.seconds;
  await view.finish({
    history: result.history,
    note: `after ${result.model.config.steps} steps`,
  });
  return { ...result, seconds };
}
