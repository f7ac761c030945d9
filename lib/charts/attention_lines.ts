/**
 * The line view of attention (as in bertviz): every token twice, queries on
 * the left and keys on the right, and a line from the focus word to each key
 * whose thickness and opacity are the attention weight on a fixed [0, 1] scale.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { checkObject, describe } from "../core/_describe.ts";
import { type BarRecord, checkBars, fewestBars } from "./bars.ts";
import {
  BASE_COLOR,
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  formatNumber,
  frame,
  HIGHLIGHT_COLOR,
  longestLength,
} from "./common.ts";

/** Options for {@linkcode attentionLines}. */
export interface AttentionLinesOptions extends ChartOptions {
  /** The focus word's label, one of the records' labels, e.g. `"10 it"`. */
  focus: string;
  /** The weight drawn as the thickest, opaque line. Default 1, so near-uniform weights look near-uniform. */
  maxWeight?: number;
  /** Decimals of the weight printed after each key. Default 3. */
  decimals?: number;
  /** Most keys drawn; the rest are summed into one line, as in {@linkcode attentionBars}. Default 40. */
  maxTokens?: number;
}

/**
 * Lines from the focus word (left column) to every word (right column), one
 * per record: thickness and opacity proportional to the weight, highlighted
 * words (the size words) in orange, each weight printed after its word.
 * Draw one before and one after training to see where attention moved.
 *
 * @param records The focus word's weight on each token, e.g. from `weightBars`, `[seqLen]`.
 * @param options The focus word's label (required), title, scale maximum, decimals.
 * @returns The chart element.
 * @throws {RangeError} When `records` is empty, a label repeats, a weight is
 *   not finite or is negative, `focus` is not a label, or `maxWeight` ≤ 0.
 *
 * @example
 * ```ts
 * import { attentionLines } from "./attention_lines.ts";
 * const chart = attentionLines([
 *   { label: "0 the", value: 0.2 },
 *   { label: "1 car", value: 0.7, highlight: true },
 *   { label: "2 it", value: 0.1 },
 * ], { focus: "2 it" });
 * if (!chart.outerHTML.includes("0.700")) throw new Error("weight not printed");
 * ```
 */
export function attentionLines(
  records: BarRecord[],
  options: AttentionLinesOptions,
): ChartElement {
  checkBars(records, "attentionLines");
  checkObject(options, "attentionLines: options", "an object {focus, …}");
  const { focus } = options;
  if (!records.some((r) => r.label === focus)) {
    throw new RangeError(
      `attentionLines: focus ${
        describe(focus)
      } is not one of the labels; give a label such as "${records[0].label}"`,
    );
  }
  const maxWeight = options.maxWeight ?? 1;
  if (!(maxWeight > 0) || !Number.isFinite(maxWeight)) {
    throw new RangeError(
      `attentionLines: maxWeight is ${
        describe(maxWeight)
      }; it must be a finite number > 0`,
    );
  }
  for (const r of records) {
    if (r.value < 0) {
      throw new RangeError(
        `attentionLines: "${r.label}" has weight ${r.value}; weights must be ≥ 0`,
      );
    }
  }
  const decimals = options.decimals ?? 3;
  const shown = fewestBars(
    records,
    options.maxTokens ?? 40,
    (r) => r.label === focus,
  );
  const labels = shown.map((r) => r.label);
  const share = (r: BarRecord): number => Math.min(1, r.value / maxWeight);
  const color = (r: BarRecord): string =>
    r.highlight ? HIGHLIGHT_COLOR : BASE_COLOR;
  const longest = longestLength(labels);
  const rowHeight = 18;
  return Plot.plot({
    ...frame(options),
    width: options.width ?? 2 * CHAR_WIDTH * Math.max(longest, 26) + 260,
    height: 40 + rowHeight * labels.length,
    // Room for the column headings and the labels.
    marginLeft: 16 + CHAR_WIDTH * Math.max(longest, 18),
    marginRight: 16 + CHAR_WIDTH * Math.max(longest + decimals + 4, 26),
    marginTop: 30,
    marginBottom: 10,
    x: { domain: [0, 1], axis: null },
    y: { domain: labels, axis: null, padding: 0.5 },
    marks: [
      Plot.link(shown, {
        x1: () => 0,
        y1: () => focus,
        x2: () => 1,
        y2: "label",
        stroke: color,
        strokeWidth: (r: BarRecord) => 0.5 + 7 * share(r),
        strokeOpacity: (r: BarRecord) => 0.1 + 0.9 * share(r),
      }),
      Plot.text(shown, {
        filter: (r: BarRecord) => r.label !== focus,
        x: () => 0,
        y: "label",
        text: "label",
        textAnchor: "end",
        dx: -6,
        fill: "#888",
      }),
      Plot.text([focus], {
        x: () => 0,
        y: (d: string) => d,
        text: (d: string) => d,
        textAnchor: "end",
        dx: -6,
        fontWeight: "bold",
      }),
      Plot.text(shown, {
        x: () => 1,
        y: "label",
        text: (r: BarRecord) =>
          `${r.label}  ${formatNumber(r.value, decimals)}`,
        textAnchor: "start",
        dx: 6,
        fill: (r: BarRecord) => r.highlight ? HIGHLIGHT_COLOR : "black",
      }),
      Plot.text(["query (attending)"], {
        x: () => 0,
        frameAnchor: "top",
        textAnchor: "end",
        text: (d: string) => d,
        dy: -20,
        dx: -6,
        fill: "#555",
      }),
      Plot.text(["key (attended to): weight"], {
        x: () => 1,
        frameAnchor: "top",
        textAnchor: "start",
        text: (d: string) => d,
        dy: -20,
        dx: 6,
        fill: "#555",
      }),
    ],
  });
}
