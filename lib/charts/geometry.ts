/**
 * The geometry of attention in two dimensions (dModel = 2): the focus word's
 * query and every key as arrows from the origin, their paths over the epochs,
 * and lines of equal score q · k / √dModel, perpendicular to q.
 * @module
 */

import * as Plot from "@observablehq/plot";
import { checkParameters, type Parameters } from "../demo/parameters.ts";
import { checkOptions, describe } from "../core/_describe.ts";
import type { Experiment } from "../demo/experiment.ts";
import {
  CHAR_WIDTH,
  type ChartElement,
  type ChartOptions,
  checkExperimentArgument,
  checkList,
  extent,
  formatNumber,
  frame,
  longestLength,
  MUTED_COLOR,
  SIZE_COLORS,
  tokenLabels,
} from "./common.ts";

/** A 2-D vector at one epoch: the focus word's query or one token's key. */
export interface VectorPoint {
  /** Epoch number, from 0. */
  epoch: number;
  /** The token's label, e.g. `"2 elephant"`; the query's, e.g. `"10 it"`. */
  label: string;
  /** Whether this is the focus word's query or a key. */
  role: "query" | "key";
  /** First coordinate (d0). */
  x: number;
  /** Second coordinate (d1). */
  y: number;
  /** Draw this key in colour (the size words); the others are grey. */
  highlight?: boolean;
}

/** Options for {@linkcode queryKeyGeometry}. */
export interface QueryKeyGeometryOptions extends ChartOptions {
  /** The factor from q · k to the score. Default 1/√2, the scaling at dModel = 2. */
  scoreScale?: number;
  /** Number of equal-score lines. Default 5. */
  levels?: number;
}

/**
 * Query and keys in the plane: each key as an arrow from the origin to its
 * final position with its path over the epochs, the query's path and final
 * arrow in black, and dashed lines of equal score for the final query (each
 * labelled with its score): a key on a line further along q scores higher,
 * so training turns q towards the size words' keys. Both axes share one
 * scale, so right angles look right.
 *
 * @param points The query and the keys at each epoch (one query per epoch).
 * @param options Title, score scale, number of score lines.
 * @returns The chart element.
 * @throws {RangeError} When `points` has no query or no key, or a coordinate is not finite.
 *
 * @example
 * ```ts
 * import { queryKeyGeometry } from "./geometry.ts";
 * const chart = queryKeyGeometry([
 *   { epoch: 0, label: "2 it", role: "query", x: 1, y: 0 },
 *   { epoch: 1, label: "2 it", role: "query", x: 0.8, y: 0.6 },
 *   { epoch: 0, label: "0 car", role: "key", x: 0, y: 1, highlight: true },
 *   { epoch: 1, label: "0 car", role: "key", x: 0, y: 1, highlight: true },
 *   { epoch: 1, label: "1 the", role: "key", x: 1, y: -0.5 },
 * ]);
 * if (!chart.outerHTML.includes("0 car")) throw new Error("key not labelled");
 * ```
 */
export function queryKeyGeometry(
  points: VectorPoint[],
  options: QueryKeyGeometryOptions = {},
): ChartElement {
  checkList(
    points,
    "points",
    "queryKeyGeometry",
    "a point {label, role, epoch, x, y}",
  );
  checkOptions(options);
  for (const [i, p] of points.entries()) {
    if (
      !Number.isFinite(p.x) || !Number.isFinite(p.y) ||
      !Number.isFinite(p.epoch)
    ) {
      throw new RangeError(
        `queryKeyGeometry: point ${i} ("${p.label}") is (${p.x}, ${p.y}) at epoch ${p.epoch}; all three must be finite`,
      );
    }
  }
  const queries = points.filter((p) => p.role === "query")
    .sort((a, b) => a.epoch - b.epoch);
  const keys = points.filter((p) => p.role === "key");
  if (queries.length === 0 || keys.length === 0) {
    throw new RangeError(
      `queryKeyGeometry: got ${queries.length} query and ${keys.length} key points; give at least one of each`,
    );
  }
  const scale = options.scoreScale ?? 1 / Math.SQRT2;
  const q = queries.at(-1)!;
  const lastKey = new Map<string, VectorPoint>();
  for (const k of keys) {
    const seen = lastKey.get(k.label);
    if (seen === undefined || k.epoch >= seen.epoch) lastKey.set(k.label, k);
  }
  const finalKeys = [...lastKey.values()];
  const highlighted = [
    ...new Set(keys.filter((k) => k.highlight).map((k) => k.label)),
  ];
  const colorOf = new Map(
    highlighted.map((l, i) => [l, SIZE_COLORS[i % SIZE_COLORS.length]]),
  );
  const color = (p: VectorPoint): string =>
    p.role === "query" ? "black" : colorOf.get(p.label) ?? MUTED_COLOR;

  // One square domain for both axes holding the origin and every point.
  const [xLow, xHigh] = extent([0, ...points.map((p) => p.x)]);
  const [yLow, yHigh] = extent([0, ...points.map((p) => p.y)]);
  const half = Math.max(xHigh - xLow, yHigh - yLow, 1e-9) / 2 * 1.15;
  const cx = (xLow + xHigh) / 2, cy = (yLow + yHigh) / 2;
  const xDomain: [number, number] = [cx - half, cx + half];
  const yDomain: [number, number] = [cy - half, cy + half];

  // Lines of equal score s: {k : scale · (q · k) = s}, perpendicular to q,
  // at evenly spaced scores spanning the final keys' scores.
  const qq = q.x * q.x + q.y * q.y;
  const scores = finalKeys.map((k) => scale * (q.x * k.x + q.y * k.y));
  const [sLow, sHigh] = extent(scores);
  const n = Math.max(2, options.levels ?? 5);
  const levels = qq === 0 ? [] : Array.from(
    { length: n },
    (_, i) => sLow + (sHigh - sLow) * i / (n - 1),
  );
  const far = 4 * half;
  const norm = Math.sqrt(qq);
  const scoreLines = levels.map((s) => {
    // The foot of the line on the q axis, then ± far along the perpendicular.
    const t = s / (scale * qq);
    const fx = t * q.x, fy = t * q.y;
    const px = -q.y / norm, py = q.x / norm;
    return {
      score: s,
      fx,
      fy,
      x1: fx - far * px,
      y1: fy - far * py,
      x2: fx + far * px,
      y2: fy + far * py,
    };
  });
  const longest = longestLength(finalKeys.map((k) => k.label));
  const size = options.width ?? 560;
  const margin = 40;
  const marginRight = 16 + CHAR_WIDTH * Math.max(longest, 4);
  const area = size - margin - marginRight; // the square plot area, in px
  // Labels that never overlap: the query first, then the highlighted keys,
  // then the others by score; a label is dropped when its box would touch
  // one already placed (its arrow stays).
  const pixels = area / (2 * half);
  const placed: { x: number; y: number; w: number }[] = [];
  const fits = (p: VectorPoint, text: string): boolean => {
    const box = {
      x: p.x * pixels,
      y: -p.y * pixels,
      w: CHAR_WIDTH * text.length,
    };
    const clear = placed.every((o) =>
      Math.abs(o.y - box.y) >= 12 ||
      box.x + box.w + 6 <= o.x || o.x + o.w + 6 <= box.x
    );
    if (clear) placed.push(box);
    return clear;
  };
  const qText = `q (${q.label})`;
  fits(q, qText);
  const byPriority = [...finalKeys].sort((a, b) =>
    Number(colorOf.has(b.label)) - Number(colorOf.has(a.label)) ||
    scale * (q.x * b.x + q.y * b.y) - scale * (q.x * a.x + q.y * a.y)
  );
  const labelled = byPriority.filter((k) => fits(k, k.label));
  const scoreText = (d: { score: number }) =>
    `score ${formatNumber(d.score, 2)}`;
  const inFrame = (d: { fx: number; fy: number }) =>
    Math.abs(d.fx - cx) < half && Math.abs(d.fy - cy) < half;
  const scoreLabels = scoreLines.filter((d) =>
    inFrame(d) &&
    fits(
      { epoch: 0, label: "", role: "key", x: d.fx, y: d.fy - 10 / pixels },
      scoreText(d),
    )
  );
  const arrow = (data: VectorPoint[], strokeWidth: number) =>
    Plot.arrow(data, {
      x1: () => 0,
      y1: () => 0,
      x2: "x",
      y2: "y",
      stroke: color,
      strokeWidth,
      headLength: 8,
    });
  const path = (data: VectorPoint[], strokeWidth: number) =>
    Plot.line(data, {
      x: "x",
      y: "y",
      z: "label",
      stroke: color,
      strokeWidth,
      strokeOpacity: 0.6,
      sort: "epoch",
    });
  const label = (data: VectorPoint[]) =>
    Plot.text(data, {
      x: "x",
      y: "y",
      text: (p: VectorPoint) => p.role === "query" ? `q (${p.label})` : p.label,
      fill: color,
      textAnchor: "start",
      dx: 6,
      dy: -6,
    });
  return Plot.plot({
    ...frame(options),
    width: size,
    height: area + 2 * margin,
    marginLeft: margin,
    marginRight,
    marginTop: margin,
    marginBottom: margin,
    x: { domain: xDomain, label: options.xLabel ?? "d0", grid: true },
    y: { domain: yDomain, label: options.yLabel ?? "d1", grid: true },
    marks: [
      Plot.ruleX([0], { stroke: "#ccc" }),
      Plot.ruleY([0], { stroke: "#ccc" }),
      Plot.link(scoreLines, {
        x1: "x1",
        y1: "y1",
        x2: "x2",
        y2: "y2",
        stroke: "#999",
        strokeDasharray: "4,4",
        clip: true,
      }),
      Plot.text(scoreLabels, {
        x: "fx",
        y: "fy",
        text: scoreText,
        fill: "#666",
        textAnchor: "start",
        dx: 4,
        dy: 10,
        clip: true,
      }),
      path(keys, 1),
      arrow(finalKeys, 1.5),
      label(labelled),
      path(queries, 2),
      arrow([q], 2.5),
      label([q]),
    ],
  });
}

/** The parameters of one epoch, for {@linkcode geometryPoints}. */
export interface ParameterSnapshot {
  /** Epoch number: 0 before training, `n` after `n` updates. */
  epoch: number;
  /** The parameters at that epoch. */
  parameters: Parameters;
}

/**
 * The focus word's query and every token's key at each snapshot, for
 * {@linkcode queryKeyGeometry}, computed in float64 loops:
 * `q = x_focus · Wq + bq`, `k_i = x_i · Wk + bk`.
 *
 * @param experiment An experiment with `dModel = 2`.
 * @param snapshots The parameters at some epochs, e.g. after 0, 10, 20, …
 *   updates (training `k` epochs from the same start reproduces the first
 *   `k` epochs of a longer run exactly).
 * @returns `snapshots × (1 + seqLen)` points; size words highlighted.
 * @throws {RangeError} When `dModel` is not 2 or `snapshots` is empty.
 *
 * @example
 * ```ts
 * import { geometryPoints, prepareExperiment, trainExperiment } from "../mod.ts";
 * const experiment = prepareExperiment({ dModel: 2, epochs: 5 });
 * const result = await trainExperiment(experiment);
 * const points = geometryPoints(experiment, [
 *   { epoch: 0, parameters: result.initialParameters },
 *   { epoch: 5, parameters: result.finalParameters },
 * ]);
 * if (points.length !== 2 * 14) throw new Error(String(points.length));
 * ```
 */
export function geometryPoints(
  experiment: Experiment,
  snapshots: ParameterSnapshot[],
): VectorPoint[] {
  checkExperimentArgument(experiment, "geometryPoints");
  checkList(
    snapshots,
    "snapshots",
    "geometryPoints",
    "a snapshot {epoch, parameters}",
  );
  const { dModel } = experiment.config;
  if (dModel !== 2) {
    throw new RangeError(
      `geometryPoints: dModel is ${dModel}; the plane view needs dModel = 2`,
    );
  }
  if (snapshots.length === 0) {
    throw new RangeError(
      "geometryPoints: snapshots is empty; give at least one epoch's parameters",
    );
  }
  for (const [i, s] of snapshots.entries()) {
    if (!Number.isFinite(s.epoch)) {
      throw new RangeError(
        `geometryPoints: snapshots[${i}].epoch must be a finite number, got ${
          describe(s.epoch)
        }`,
      );
    }
    checkParameters(s.parameters, {
      vocabSize: experiment.vocabulary.words.length,
      dModel,
    }, `geometryPoints: snapshots[${i}].parameters`);
  }
  const labels = tokenLabels(experiment.tokens);
  // x · W + b for one embedding row x: [2] · [2, 2] → [2]
  const project = (x: number[], w: number[][], b: number[]): number[] =>
    [0, 1].map((j) => x[0] * w[0][j] + x[1] * w[1][j] + b[j]);
  return snapshots.flatMap(({ epoch, parameters: p }) => {
    const rows = experiment.tokenIds.map((id) => p.embedding[id]); // [seqLen, 2]
    const [qx, qy] = project(
      rows[experiment.focusPosition],
      p.queryWeight,
      p.queryBias,
    );
    const query: VectorPoint = {
      epoch,
      label: labels[experiment.focusPosition],
      role: "query",
      x: qx,
      y: qy,
    };
    const keys = rows.map((x, i): VectorPoint => {
      const [kx, ky] = project(x, p.keyWeight, p.keyBias);
      return {
        epoch,
        label: labels[i],
        role: "key",
        x: kx,
        y: ky,
        highlight: experiment.sizePositions.includes(i),
      };
    });
    return [query, ...keys];
  });
}
