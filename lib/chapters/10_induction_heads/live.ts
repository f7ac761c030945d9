/**
 * Chapter 10's live view of the phase change: the loss on repeated and on
 * first-block tokens, and the best previous-token and induction scores, per
 * step on fixed axes, updated in place while the model trains.
 * @module
 */

import type { ChartElement } from "../../charts/common.ts";
import { lineChart, type LinePoint } from "../../charts/lines.ts";
import { chartRow } from "../../charts/svg.ts";
import type { DisplayFunction, HtmlDisplay } from "../../notebook/live.ts";
import type { StepRecord } from "../../train/trainer.ts";
import { checkObject, checkOptions, describe } from "../../core/_describe.ts";
import { checkList } from "../../charts/common.ts";
import {
  resolveTraining,
  trainInduction,
  type TrainInductionOptions,
  type TrainInductionResult,
} from "./training.ts";

/** Options for {@linkcode phaseChangeView}. */
export interface PhaseChangeViewOptions {
  /** The run's last step: the x axes are fixed to `[0, steps]`. */
  steps: number;
  /** Top of the loss axis. Default 5 (chance is ln 63 ≈ 4.1). */
  lossMax?: number;
  /** A line above the charts, e.g. the step. */
  note?: string;
}

/**
 * The live view's two charts on fixed axes: the repeated-token and
 * first-block losses, and the best previous-token (layer 0) and induction
 * (last layer) scores, at every evaluated step.
 *
 * @param history Steps so far; those with `metrics` are drawn.
 * @param options The fixed axes and a note.
 * @returns An object the Deno kernel displays as HTML.
 *
 * @example
 * ```ts
 * import { phaseChangeView } from "./live.ts";
 * const view = phaseChangeView([{ step: 0, loss: 4, metrics: {
 *   repeatedLoss: 4, firstBlockLoss: 4, previousToken: 0.1, induction: 0.1 } }], { steps: 10 });
 * const html = view[Symbol.for("Jupyter.display")]()["text/html"];
 * if (!html.includes("induction")) throw new Error();
 * ```
 */
export function phaseChangeView(
  history: readonly StepRecord[],
  options: PhaseChangeViewOptions,
): HtmlDisplay {
  checkList(
    history,
    "history",
    "phaseChangeView",
    "a step record {step, loss}",
  );
  checkObject(options, "phaseChangeView: options", "an object {steps, …}");
  if (!Number.isInteger(options.steps) || options.steps < 1) {
    throw new RangeError(
      `phaseChangeView: steps must be a whole number ≥ 1, got ${
        describe(options.steps)
      }`,
    );
  }
  const lossMax = options.lossMax ?? 5;
  const losses: LinePoint[] = [];
  const scores: LinePoint[] = [];
  for (const { step, metrics: m } of history) {
    if (m === undefined) continue;
    losses.push(
      { x: step, y: Math.min(m.repeatedLoss, lossMax), series: "repeated" },
      {
        x: step,
        y: Math.min(m.firstBlockLoss, lossMax),
        series: "first block",
      },
    );
    scores.push(
      { x: step, y: m.previousToken, series: "previous-token" },
      { x: step, y: m.induction, series: "induction" },
    );
  }
  const x = { xDomain: [0, options.steps] as [number, number], xLabel: "step" };
  const charts: ChartElement[] = losses.length === 0 ? [] : [
    lineChart(losses, {
      ...x,
      title: "Loss on repeated and on first-block tokens",
      yLabel: "cross-entropy",
      yDomain: [0, lossMax],
      width: 420,
    }),
    lineChart(scores, {
      ...x,
      title: "Best head scores",
      yLabel: "score",
      yDomain: [0, 1],
      width: 420,
    }),
  ];
  const row = charts.length ? chartRow(charts) : undefined;
  const html = row?.[Symbol.for("Jupyter.display")]()["text/html"] ?? "";
  const note = options.note ? `<p>${options.note}</p>` : "";
  return {
    [Symbol.for("Jupyter.display")]: () => ({ "text/html": note + html }),
  };
}

/** Options for {@linkcode trainInductionLive}. */
export interface TrainInductionLiveOptions
  extends Omit<TrainInductionOptions, "onStep"> {
  /** Where frames go. Default: `Deno.jupyter.display`. */
  display?: DisplayFunction;
  /** Most frames per second during training; the final state is always drawn. Default 4. */
  framesPerSecond?: number;
}

/**
 * Trains like {@linkcode trainInduction} while one notebook output shows
 * {@linkcode phaseChangeView}, updated in place with the step and the time.
 * The last frame shows the whole run and carries no time, so a rerun saves
 * the same output.
 *
 * @param options Configuration, display function and frame rate.
 * @returns What {@linkcode trainInduction} returns, and the seconds it took.
 * @throws {RangeError} When `framesPerSecond` is not above 0, and for what
 *   {@linkcode trainInduction} rejects.
 */
export async function trainInductionLive(
  options: TrainInductionLiveOptions = {},
): Promise<TrainInductionResult & { seconds: number }> {
  checkOptions(options);
  if (options.display !== undefined && typeof options.display !== "function") {
    throw new TypeError(
      `display must be a function, got ${describe(options.display)}`,
    );
  }
  const display: DisplayFunction = options.display ??
    ((value, opts) => Deno.jupyter.display(value, opts));
  const fps = options.framesPerSecond ?? 4;
  if (typeof fps !== "number" || !(fps > 0)) {
    throw new RangeError(
      `framesPerSecond must be a number above 0, got ${describe(fps)}`,
    );
  }
  const { steps } = resolveTraining(options.config);
  const displayId = `induction-training-${crypto.randomUUID()}`;
  const start = performance.now();
  let lastFrame = -Infinity;
  let frames = 0;
  const show = async (history: readonly StepRecord[], note: string) => {
    await display(phaseChangeView(history, { steps, note }), {
      display_id: displayId,
      update: frames++ > 0,
    });
  };
  const result = await trainInduction({
    config: options.config,
    onStep: async (record, history) => {
      const now = performance.now();
      if (record.metrics === undefined || now - lastFrame < 1000 / fps) return;
      lastFrame = now;
      await show(
        history,
        `step ${record.step} of ${steps}, ${
          ((now - start) / 1000).toFixed(1)
        } s`,
      );
    },
  });
  const seconds = (performance.now() - start) / 1000;
  const history = [...result.history.steps];
  if (result.history.final) {
    history.push({ step: steps, loss: NaN, metrics: result.history.final });
  }
  await show(history, `after ${steps} steps`);
  return { ...result, seconds };
}
