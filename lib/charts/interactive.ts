/**
 * Interactive attention views, bertviz's head and model views without a CDN,
 * and a query/key view of where one weight comes from: each a self-contained
 * `text/html` notebook output (inline script and style, data embedded once,
 * no network) with a static SVG fallback where scripts do not run.
 *
 * **The contract** (what tests and readers' tools may rely on):
 * - The root element carries `data-attention-view="head" | "model" | "qk"`
 *   and the layer and head it shows as `data-layer` and `data-head` (indexes
 *   into the embedded weights), updated when the reader switches.
 * - A child `<script type="application/json" data-weights>` holds
 *   `{tokens, weights}`, `weights` shaped `[layers][heads][T][T]` (query rows,
 *   key columns); the query/key view adds `q` and `k`, `[layers][heads][T][dK]`,
 *   and `scale`, the factor of the dot product.
 * - Query tokens carry `data-query="i"`; after hovering or clicking query `i`
 *   (and a head), each key element `data-key="j"` carries `data-weight`, the
 *   weight it displays: `weights[data-layer][data-head][i][j]`.
 * - Head buttons carry `data-head-button="h"` (click: make the head current,
 *   drawing it too; click the current head: hide it; double click: only that
 *   head), layer buttons
 *   `data-layer-button="l"`, the model view's matrices `data-matrix-layer`
 *   and `data-matrix-head` (click: open it in the head view below the grid).
 *   Arrow keys on the focused view move the query (up, down) and the head or,
 *   in the query/key view, the key (left, right).
 *
 * **The fallback.** Each picture is also an `<img>` of the same SVG (a data
 * URI) with an image map whose areas carry every weight as a `title`
 * tooltip; the SVG has a `<title>` per weight. Classic Notebook shows an
 * untrusted notebook's HTML through a sanitiser that drops scripts, styles,
 * `data-*` attributes and inline `<svg>` but keeps images and image maps, so
 * the fallback is an image. The script inlines the same SVG and hides the
 * image when it runs.
 *
 * **Ids** are a hash of the output's content (deterministic notebook
 * outputs); the script looks everything up inside each root, so two views on
 * a page, even two identical ones, never interfere.
 * @module
 */

import { checkObject, describe } from "../core/_describe.ts";
import { VIEW_SCRIPT, VIEW_STYLE } from "./_interactive_script.ts";
import {
  escapeXml,
  gridPicture,
  headPicture,
  type Picture,
  queryKeyPicture,
  type ViewData,
  type ViewState,
} from "./_interactive_svg.ts";
import type { HtmlDisplay } from "./svg.ts";

/** A view: its HTML, and the MIME bundle the Deno kernel displays. */
export interface AttentionView extends HtmlDisplay {
  /** The whole output: root element, style, pictures, JSON and script. */
  readonly html: string;
}

/** Anything with `arraySync`, e.g. a `tf.Tensor`; read, never disposed. */
interface ArrayLikeTensor {
  arraySync(): unknown;
}

/** Weights as nested arrays or a tensor: `[layers, heads, T, T]` or `[heads, T, T]`. */
export type ViewWeights = number[][][][] | number[][][] | ArrayLikeTensor;

/** Queries or keys as nested arrays or a tensor: `[layers, heads, T, dK]`, `[heads, T, dK]` or `[T, dK]`. */
export type ViewVectors = ViewWeights | number[][];

/** Options of {@linkcode attentionHeadView} and {@linkcode attentionModelView}. */
export interface AttentionViewOptions {
  /** The token of each position, `[T]` (required). */
  tokens: string[];
  /** The layer shown first. Default 0. */
  layer?: number;
  /** The current head, whose weights the keys print. Default 0. */
  head?: number;
  /** The heads drawn first (head view). Default: every head; in the model view, only `head`. */
  heads?: number[];
  /** The query selected first. Default the last token, the one that sees all others in a decoder. */
  query?: number;
  /** A title above the view. */
  title?: string;
}

/** Options of {@linkcode queryKeyView}. */
export interface QueryKeyViewOptions extends AttentionViewOptions {
  /** The weights shown, as `queries`; default softmax(`scale` · q · kᵀ) per row. */
  weights?: ViewWeights;
  /** The factor of the dot product. Default 1/√dK, as in scaled dot-product attention. */
  scale?: number;
  /** The key selected first. Default 0. */
  key?: number;
}

/**
 * The head view (bertviz's): one layer, its tokens in two columns, a line from
 * the selected query to every key per drawn head (the head's colour, opacity =
 * weight). Hover or click a query, toggle heads, switch layers.
 *
 * @param weights `[layers, heads, T, T]` or `[heads, T, T]` (nested arrays or a tensor, not disposed).
 * @param options The tokens (required), the first layer, head(s) and query, a title.
 * @returns The view, displayed by the Deno kernel as `text/html`.
 * @throws {TypeError} When the weights are not nested arrays of numbers or the tokens not strings.
 * @throws {RangeError} When a shape does not fit the tokens, a weight lies
 *   outside [0, 1], or a layer, head or query is out of range.
 *
 * @example
 * ```ts
 * import { attentionHeadView } from "./interactive.ts";
 * const view = attentionHeadView([[[1, 0], [0.25, 0.75]]], { tokens: ["a", "b"] });
 * if (!view.html.includes('data-attention-view="head"')) throw new Error();
 * ```
 */
export function attentionHeadView(
  weights: ViewWeights,
  options: AttentionViewOptions,
): AttentionView {
  const data = viewData("attentionHeadView", weights, options);
  const state = viewState("attentionHeadView", data, options, false);
  return assemble("head", data, state, options.title, [
    ["head", headPicture(data, state)],
  ]);
}

/**
 * The model view: every layer (rows) × head (columns) as a small matrix,
 * queries down, keys across, opacity = weight; click one to open it in the
 * head view under the grid.
 *
 * @param weights `[layers, heads, T, T]` or `[heads, T, T]`.
 * @param options As {@linkcode attentionHeadView}; `layer` and `head` name the matrix opened first.
 * @returns The view.
 * @throws {TypeError|RangeError} As {@linkcode attentionHeadView}.
 *
 * @example
 * ```ts
 * import { attentionModelView } from "./interactive.ts";
 * const w = [[[1, 0], [0.5, 0.5]], [[0, 1], [1, 0]]]; // [heads, T, T]
 * const view = attentionModelView(w, { tokens: ["a", "b"], head: 1 });
 * if (!view.html.includes('data-head="1"')) throw new Error();
 * ```
 */
export function attentionModelView(
  weights: ViewWeights,
  options: AttentionViewOptions,
): AttentionView {
  const data = viewData("attentionModelView", weights, options);
  const state = viewState("attentionModelView", data, options, true);
  return assemble("model", data, state, options.title, [
    ["grid", gridPicture(data, state)],
    ["head", headPicture(data, state)],
  ]);
}

/**
 * The query/key view of one head: for the selected query every key's scaled
 * score and weight, and for the selected pair the vectors q and k, their
 * products, the dot product, the scaled score and the weight.
 *
 * @param vectors Queries and keys, each `[layers, heads, T, dK]`, `[heads, T, dK]` or `[T, dK]`.
 * @param options The tokens (required); the weights (default: softmax of the
 *   scaled scores), the scale, the first layer, head, query and key, a title.
 * @returns The view.
 * @throws {TypeError|RangeError} As {@linkcode attentionHeadView}, and when
 *   `q` and `k` differ in shape or `scale` is not a positive number.
 *
 * @example
 * ```ts
 * import { queryKeyView } from "./interactive.ts";
 * const view = queryKeyView({ q: [[1, 0], [0, 1]], k: [[1, 0], [0, 1]] }, { tokens: ["a", "b"] });
 * if (!view.html.includes('data-attention-view="qk"')) throw new Error();
 * ```
 */
export function queryKeyView(
  vectors: { q: ViewVectors; k: ViewVectors },
  options: QueryKeyViewOptions,
): AttentionView {
  const name = "queryKeyView";
  checkObject(vectors, `${name}: vectors`, "an object {q, k}");
  const tokens = checkTokens(name, options);
  const q = nested(name, "vectors.q", vectors.q, tokens.length, false);
  const k = nested(name, "vectors.k", vectors.k, tokens.length, false);
  if (JSON.stringify(shapeOf(q)) !== JSON.stringify(shapeOf(k))) {
    throw new RangeError(
      `${name}: q is ${shapeOf(q).join(" × ")} but k is ${
        shapeOf(k).join(" × ")
      }; give both the same shape`,
    );
  }
  const dK = q[0][0][0].length;
  const scale = options.scale ?? 1 / Math.sqrt(dK);
  if (typeof scale !== "number" || !(scale > 0) || !Number.isFinite(scale)) {
    throw new RangeError(
      `${name}: scale is ${describe(scale)}; give a finite number > 0`,
    );
  }
  const weights = options.weights === undefined
    ? q.map((layer, l) =>
      layer.map((head, h) => softmaxRows(head, k[l][h], scale))
    )
    : nested(name, "weights", options.weights, tokens.length, true);
  const [wl, wh] = shapeOf(weights), [ql, qh] = shapeOf(q);
  if (wl !== ql || wh !== qh) {
    throw new RangeError(
      `${name}: weights have ${wl} layer(s) × ${wh} head(s) but q has ${ql} × ${qh}; give one matrix per head of q`,
    );
  }
  const data: ViewData = { tokens, weights, q, k, scale };
  const state = viewState(name, data, options, true);
  return assemble("qk", data, state, options.title, [
    ["qk", queryKeyPicture(data, state)],
  ]);
}

// --- checking ---------------------------------------------------------------

function checkTokens(name: string, options: { tokens: string[] }): string[] {
  const tokens = options?.tokens;
  if (
    !Array.isArray(tokens) || tokens.length === 0 ||
    tokens.some((t) => typeof t !== "string")
  ) {
    throw new TypeError(
      `${name}: options.tokens must be a non-empty array of strings, got ${
        describe(tokens)
      }`,
    );
  }
  return tokens;
}

function viewData(
  name: string,
  weights: ViewWeights,
  options: AttentionViewOptions,
): ViewData {
  const tokens = checkTokens(name, options);
  return {
    tokens,
    weights: nested(name, "weights", weights, tokens.length, true),
  };
}

/**
 * Nested arrays (or a tensor's) of finite numbers, as `[layers][heads][T][n]`:
 * `n` = T for weights (each in [0, 1]), any width for vectors.
 */
function nested(
  name: string,
  what: string,
  value: unknown,
  T: number,
  isWeights: boolean,
): number[][][][] {
  if ((value as { isDisposed?: unknown })?.isDisposed === true) {
    throw new TypeError(`${name}: ${what} is a disposed tensor`);
  }
  const array = typeof (value as ArrayLikeTensor)?.arraySync === "function"
    ? (value as ArrayLikeTensor).arraySync()
    : value;
  let depth = 0;
  for (let v = array; Array.isArray(v); v = v[0]) depth++;
  const minDepth = isWeights ? 3 : 2;
  if (depth < minDepth || depth > 4) {
    throw new TypeError(
      `${name}: ${what} must be nested arrays ${
        isWeights
          ? "[layers][heads][T][T] or [heads][T][T]"
          : "[layers][heads][T][dK], [heads][T][dK] or [T][dK]"
      } of numbers, got ${describe(array)}`,
    );
  }
  let grid = array as unknown[];
  for (let d = depth; d < 4; d++) grid = [grid];
  const g = grid as unknown[][][][];
  const heads = (g[0] as unknown[]).length;
  const width = isWeights ? T : (g[0][0]?.[0] as unknown[])?.length ?? 0;
  if (heads === 0 || width === 0) {
    throw new RangeError(`${name}: ${what} is empty; give at least one head`);
  }
  for (const [l, layer] of g.entries()) {
    if (!Array.isArray(layer) || layer.length !== heads) {
      throw new RangeError(
        `${name}: ${what}[${l}] has ${
          describe(layer)
        } heads, layer 0 has ${heads}; give every layer the same number`,
      );
    }
    for (const [h, matrix] of layer.entries()) {
      if (
        !Array.isArray(matrix) || matrix.length !== T ||
        matrix.some((row) => !Array.isArray(row) || row.length !== width)
      ) {
        throw new RangeError(
          `${name}: ${what}[${l}][${h}] is not ${T} × ${width}; give one row per token${
            isWeights ? " and one column per token" : ", each as long"
          }`,
        );
      }
      for (const row of matrix as unknown[][]) {
        for (const v of row) {
          if (typeof v !== "number" || !Number.isFinite(v)) {
            throw new TypeError(
              `${name}: ${what}[${l}][${h}] holds ${
                describe(v)
              }; give finite numbers`,
            );
          }
          if (isWeights && (v < 0 || v > 1 + 1e-6)) {
            throw new RangeError(
              `${name}: ${what}[${l}][${h}] holds ${v}; attention weights lie in [0, 1]`,
            );
          }
        }
      }
    }
  }
  return g as number[][][][];
}

function viewState(
  name: string,
  data: ViewData,
  options: QueryKeyViewOptions,
  single: boolean,
): ViewState {
  const layers = data.weights.length, heads = data.weights[0].length;
  const T = data.tokens.length;
  const index = (what: string, v: unknown, n: number, fallback: number) => {
    if (v === undefined) return fallback;
    if (!Number.isInteger(v) || (v as number) < 0 || (v as number) >= n) {
      throw new RangeError(
        `${name}: ${what} is ${describe(v)}; give an integer from 0 to ${
          n - 1
        }`,
      );
    }
    return v as number;
  };
  const head = index("head", options.head, heads, 0);
  const shown = options.heads ??
    (single ? [head] : Array.from({ length: heads }, (_, h) => h));
  if (!Array.isArray(shown) || shown.length === 0) {
    throw new RangeError(
      `${name}: heads is ${describe(shown)}; give a non-empty list of heads`,
    );
  }
  for (const h of shown) index("a head in heads", h, heads, 0);
  return {
    layer: index("layer", options.layer, layers, 0),
    head: shown.includes(head) ? head : shown[0],
    heads: [...new Set(shown)].sort((a, b) => a - b),
    query: index("query", options.query, T, T - 1),
    key: index("key", options.key, T, 0),
  };
}

function shapeOf(grid: number[][][][]): number[] {
  return [grid.length, grid[0].length, grid[0][0].length, grid[0][0][0].length];
}

/** softmax over each row of `scale` · q · kᵀ, in float64: `[T, dK]`, `[T, dK]` → `[T, T]`. */
function softmaxRows(q: number[][], k: number[][], scale: number): number[][] {
  return q.map((qi) => {
    const scores = k.map((kj) =>
      scale * qi.reduce((s, v, d) => s + v * kj[d], 0)
    );
    const top = Math.max(...scores);
    const e = scores.map((s) => Math.exp(s - top));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

// --- the output ---------------------------------------------------------

/** FNV-1a, 32 bits, as 8 hex digits: ids from content, never from a clock. */
function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * An SVG as a data URI, percent-encoding only what a URL or the attribute
 * cannot hold (`%`, `#`, `<`, `>`, `"`); other characters, "▁" too, stay as
 * they are, which keeps the output small. `decodeURIComponent` reverses it.
 */
function dataUri(svg: string): string {
  return "data:image/svg+xml," +
    svg.replace(/[%#<>"\n]/g, (c) => encodeURIComponent(c));
}

const HELP: Record<string, string> = {
  head:
    "Hover or click a query (left) to see its weights; click a head to make it current, again to hide it (double click: only it); arrow keys move the query and the head.",
  model:
    "Click a matrix to open it in the head view below; hover a query there to see its weights.",
  qk:
    "Hover a query or a key to see how its score and weight are made; arrow keys move the query (up, down) and the key (left, right).",
};

function assemble(
  kind: "head" | "model" | "qk",
  data: ViewData,
  state: ViewState,
  title: string | undefined,
  pictures: [string, Picture][],
): AttentionView {
  // `<` escaped so that no token can close the script element
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const id = `attention-view-${
    hash(kind + JSON.stringify(state) + (title ?? "") + json)
  }`;
  const figures = pictures.map(([name, p]) => {
    const map = `${id}-${name}`;
    const areas = p.areas.map(({ coords, title }) =>
      `<area shape="rect" coords="${coords.join(",")}" title="${
        escapeXml(title)
      }">`
    ).join("");
    // in a double-quoted attribute only & needs escaping (dataUri encodes ")
    return `<div data-fallback=""><img data-picture="${name}" src="${
      dataUri(p.svg).replace(/&/g, "&amp;")
    }" width="${p.width}" height="${p.height}" usemap="#${map}" alt="${
      escapeXml(`attention ${name} view`)
    }"><map name="${map}" id="${map}">${areas}</map></div>`;
  }).join("");
  const html =
    `<div id="${id}" data-attention-view="${kind}" data-layer="${state.layer}" data-head="${state.head}" data-heads="${
      JSON.stringify(state.heads)
    }" data-selected-query="${state.query}" data-selected-key="${state.key}" tabindex="0">` +
    `<style>${VIEW_STYLE}</style>` +
    (title
      ? `<div class="attention-view-title">${escapeXml(title)}</div>`
      : "") +
    `<div class="attention-view-help" data-help="" hidden>${HELP[kind]}</div>` +
    `<div data-fallback-note="">A static picture (scripts do not run here): hover a key for its weights, or open the notebook trusted, or the book, to explore.</div>` +
    figures +
    `<script type="application/json" data-weights="">${json}</script>` +
    `<script>${VIEW_SCRIPT}</script></div>`;
  const [layers, heads] = [data.weights.length, data.weights[0].length];
  const plain =
    `attention ${kind} view: ${layers} layer(s) × ${heads} head(s) × ${data.tokens.length} tokens (interactive HTML)`;
  return {
    html,
    [Symbol.for("Jupyter.display")]: () => ({
      "text/plain": plain,
      "text/html": html,
    }),
  };
}
