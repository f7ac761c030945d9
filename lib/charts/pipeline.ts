/**
 * The map of the whole pipeline, drawn at the top of each notebook: one box
 * per step from the sentence to training, each with the shape of what it
 * produces, the chapter's steps highlighted.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { checkOptions, describe } from "../core/_describe.ts";
import {
  type ChartElement,
  type ChartOptions,
  frame,
  HIGHLIGHT_COLOR,
} from "./common.ts";

/** The steps of the attention pipeline, in order. */
export const PIPELINE_STEPS = [
  { id: "sentence", name: "sentence", shape: "text" },
  { id: "tokens", name: "tokens", shape: "[seqLen]" },
  { id: "ids", name: "token ids", shape: "[seqLen]" },
  { id: "embeddings", name: "embeddings X", shape: "[seqLen, dModel]" },
  { id: "qkv", name: "Q, K, V = X·W + b", shape: "[seqLen, dModel]" },
  { id: "scores", name: "scores q·Kᵀ/√d_k", shape: "[seqLen]" },
  { id: "weights", name: "softmax weights", shape: "[seqLen]" },
  { id: "context", name: "context weights·V", shape: "[dModel]" },
  { id: "loss", name: "size loss L", shape: "[] (a number)" },
  { id: "training", name: "training (Adam)", shape: "new W, b, X" },
] as const;

/** The id of one pipeline step. */
export type PipelineStep = typeof PIPELINE_STEPS[number]["id"];

/** Options for {@linkcode pipelineMap}. */
export interface PipelineMapOptions extends ChartOptions {
  /** The steps this chapter is about, drawn in orange. Default none. */
  current?: readonly PipelineStep[];
  /** Print shapes with this sentence length, e.g. `[13, 4]` instead of `[seqLen, dModel]`. */
  seqLen?: number;
  /** Print shapes with this embedding size. */
  dModel?: number;
}

/**
 * A diagram of the data flow: sentence → tokens → ids → embeddings → Q, K, V
 * → scores → softmax weights → context → size loss → training (which feeds
 * new parameters back), two rows of boxes, each naming its step and the
 * shape it produces; the current chapter's steps are highlighted.
 *
 * @param options The current steps, optional sizes for the shapes, width.
 * @returns The chart element (an `<svg>`, or a `<figure>` with a title).
 * @throws {RangeError} When a current step is not a pipeline step, or a size
 *   is not a positive whole number.
 *
 * @example
 * ```ts
 * import { pipelineMap } from "./pipeline.ts";
 * const map = pipelineMap({ current: ["scores"], seqLen: 13, dModel: 4 });
 * if (!map.outerHTML.includes("[13, 4]")) throw new Error("shapes not filled in");
 * ```
 */
export function pipelineMap(options: PipelineMapOptions = {}): ChartElement {
  checkOptions(options);
  const ids: readonly string[] = PIPELINE_STEPS.map((s) => s.id);
  const current = new Set<string>(options.current ?? []);
  for (const id of current) {
    if (!ids.includes(id)) {
      throw new RangeError(
        `pipelineMap: "${id}" is not a pipeline step; choose from ${
          ids.join(", ")
        }`,
      );
    }
  }
  for (
    const [name, value] of [["seqLen", options.seqLen], [
      "dModel",
      options.dModel,
    ]] as const
  ) {
    if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
      throw new RangeError(
        `pipelineMap: ${name} is ${
          describe(value)
        }; give a positive whole number`,
      );
    }
  }
  const shape = (text: string): string =>
    text
      .replace("seqLen", String(options.seqLen ?? "seqLen"))
      .replace("dModel", String(options.dModel ?? "dModel"));
  // Two rows of five boxes, left to right; an elbow joins the rows.
  const perRow = 5;
  const boxes = PIPELINE_STEPS.map((step, i) => ({
    ...step,
    shape: shape(step.shape),
    column: i % perRow,
    row: Math.floor(i / perRow),
    current: current.has(step.id),
  }));
  type Box = typeof boxes[number];
  const x1 = (b: Box) => b.column + 0.06, x2 = (b: Box) => b.column + 0.94;
  const y1 = (b: Box) => b.row + 0.12, y2 = (b: Box) => b.row + 0.78;
  const arrows = boxes.slice(1).filter((b) => b.column > 0);
  const last = boxes[perRow - 1], next = boxes[perRow];
  const elbow = [
    { x: last.column + 0.5, y: y2(last) },
    { x: last.column + 0.5, y: 0.95 },
    { x: next.column + 0.5, y: 0.95 },
    { x: next.column + 0.5, y: y1(next) },
  ];
  const width = options.width ?? 640;
  return Plot.plot({
    ...frame(options),
    width,
    height: 2 * 72 + 8,
    margin: 4,
    marginLeft: 4,
    x: { domain: [0, perRow], axis: null },
    y: { domain: [2, 0], axis: null },
    marks: [
      Plot.rect(boxes, {
        x1,
        x2,
        y1,
        y2,
        fill: (b: Box) => b.current ? "#fde3c8" : "white",
        stroke: (b: Box) => b.current ? HIGHLIGHT_COLOR : "#999",
        strokeWidth: (b: Box) => b.current ? 2.5 : 1,
        rx: 4,
      }),
      Plot.text(boxes, {
        x: (b: Box) => b.column + 0.5,
        y: (b: Box) => b.row + 0.36,
        text: "name",
        fontWeight: "bold",
        lineWidth: 11,
      }),
      Plot.text(boxes, {
        x: (b: Box) => b.column + 0.5,
        y: (b: Box) => b.row + 0.62,
        text: "shape",
        fill: "#555",
      }),
      Plot.arrow(arrows, {
        x1: (b: Box) => b.column - 0.06,
        x2: (b: Box) => b.column + 0.06,
        y1: (b: Box) => b.row + 0.45,
        y2: (b: Box) => b.row + 0.45,
        stroke: "#666",
        headLength: 6,
      }),
      Plot.line(elbow, {
        x: "x",
        y: "y",
        stroke: "#666",
        markerEnd: "arrow",
      }),
    ],
  });
}
