/**
 * The pictures of the interactive attention views (lib/charts/interactive.ts)
 * as SVG markup: the head view's two token columns and lines, the model view's
 * grid of matrices, the query/key view's rows and vectors. The same markup is
 * the static fallback (an image with a `<title>` on every weight) and, once
 * the view's script runs, the live view whose attributes the script updates.
 * @module
 */

import { SIZE_COLORS } from "./common.ts";

/** The weights and vectors a view embeds; see `interactive.ts` for the contract. */
export interface ViewData {
  /** The token of each position, `[T]`. */
  tokens: string[];
  /** `[layers][heads][T][T]`: query rows, key columns. */
  weights: number[][][][];
  /** Query/key view only: queries `[layers][heads][T][dK]`. */
  q?: number[][][][];
  /** Query/key view only: keys `[layers][heads][T][dK]`. */
  k?: number[][][][];
  /** Query/key view only: the factor of the dot product, e.g. 1/√dK. */
  scale?: number;
}

/** What a view shows: the layer, the current head, the heads drawn, the query and key. */
export interface ViewState {
  layer: number;
  head: number;
  heads: number[];
  query: number;
  key: number;
}

/** One tooltip of the fallback image: a rectangle `[x0, y0, x1, y1]` and its text. */
export interface Area {
  coords: [number, number, number, number];
  title: string;
}

/** A picture: its SVG markup, size and the tooltips of its fallback image map. */
export interface Picture {
  svg: string;
  width: number;
  height: number;
  areas: Area[];
}

/** The query/key view prints at most this many dimensions of q and k: those with the largest |q_d · k_d|. */
export const MAX_DIMENSIONS = 12;

/** The dimensions the query/key view prints: all, or the largest |q_d · k_d| in decreasing order. */
export function pairDimensions(q: number[], k: number[]): number[] {
  const all = q.map((_, d) => d);
  if (q.length <= MAX_DIMENSIONS) return all;
  return all.sort((a, b) =>
    Math.abs(q[b] * k[b]) - Math.abs(q[a] * k[a]) || a - b
  )
    .slice(0, MAX_DIMENSIONS);
}

/** The colour of head `h`: the Okabe–Ito palette, cycled. */
export function headColor(h: number): string {
  return SIZE_COLORS[h % SIZE_COLORS.length];
}

/** Positive vector entries (Okabe–Ito blue) and negative ones (vermillion). */
export const POSITIVE = "#0072b2";
export const NEGATIVE = "#d55e00";

const ROW = 18; // height of one token row, px
const CHAR = 7; // width of a character at 12 px, px (an upper bound)
const FONT = "font-family='sans-serif' font-size='12'";

/** Escapes text for SVG (XML) and HTML alike. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(
    />/g,
    "&gt;",
  ).replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** A weight or score as printed: 3 decimals, typographic minus. */
export function fmt(value: number): string {
  const text = value.toFixed(3);
  return Number(text) === 0 ? "0.000" : text.replace("-", "−");
}

/** An opacity attribute value: 3 decimals. */
function op(value: number): string {
  return String(Math.round(Math.min(1, Math.max(0, value)) * 1000) / 1000);
}

function svgOpen(width: number, height: number, label: string): string {
  return `<svg xmlns='http://www.w3.org/2000/svg' width='${width}' height='${height}' viewBox='0 0 ${width} ${height}' ${FONT} role='img' aria-label='${
    escapeXml(label)
  }'>`;
}

function tokenWidth(tokens: string[]): number {
  return Math.max(30, CHAR * Math.max(...tokens.map((t) => t.length)));
}

/** The row of head buttons (and layer buttons above it when there are several layers). */
function buttons(
  data: ViewData,
  state: ViewState,
  top: number,
): { svg: string; height: number } {
  const layers = data.weights.length, heads = data.weights[0].length;
  let svg = "";
  let y = top;
  if (layers > 1) {
    for (let l = 0; l < layers; l++) {
      const on = l === state.layer;
      svg += `<g data-layer-button='${l}' tabindex='0' role='button'>` +
        `<rect x='${8 + l * 64}' y='${y}' width='58' height='18' rx='3' fill='${
          on ? "#333" : "#fff"
        }' stroke='#333'/>` +
        `<text x='${37 + l * 64}' y='${y + 13}' text-anchor='middle' fill='${
          on ? "#fff" : "#333"
        }'>layer ${l}</text></g>`;
    }
    y += 24;
  }
  for (let h = 0; h < heads; h++) {
    const on = state.heads.includes(h);
    svg += `<g data-head-button='${h}' tabindex='0' role='button'>` +
      `<rect x='${8 + h * 64}' y='${y}' width='58' height='18' rx='3' fill='${
        headColor(h)
      }' fill-opacity='${on ? 1 : 0.15}' stroke='${headColor(h)}' ${
        h === state.head ? "stroke-width='2.5'" : ""
      }/>` +
      `<text x='${37 + h * 64}' y='${y + 13}' text-anchor='middle' fill='${
        on ? "#000" : "#777"
      }'>head ${h}</text></g>`;
  }
  return { svg, height: y + 24 - top };
}

/**
 * The head view's picture: buttons, queries (left), keys (right) and one line
 * per drawn head from the query to every key, its opacity the weight.
 */
export function headPicture(data: ViewData, state: ViewState): Picture {
  const { tokens } = data;
  const T = tokens.length;
  const tw = tokenWidth(tokens);
  const left = 8 + tw, right = left + 170;
  const header = buttons(data, state, 4);
  const top = 4 + header.height + 26;
  const y = (i: number) => top + i * ROW; // text baseline of row i
  const width = Math.max(right + tw + 70, 8 + 64 * data.weights[0].length);
  const height = top + T * ROW + 8;
  const w = data.weights[state.layer];
  const q = state.query;
  const areas: Area[] = [];
  let svg = svgOpen(width, height, "attention head view") + header.svg;
  svg += `<text x='${left}' y='${
    top - 20
  }' text-anchor='end' fill='#555'>query</text><text x='${right}' y='${
    top - 20
  }' fill='#555'>key: weight</text>`;
  svg += `<rect data-query-mark='' x='2' y='${y(q) - 13}' width='${
    left + 2
  }' height='${ROW}' fill='#eee'/>`;
  for (const h of data.weights[0].keys()) {
    svg += `<g data-line-head='${h}' stroke='${headColor(h)}' stroke-width='2'${
      state.heads.includes(h) ? "" : " display='none'"
    }>`;
    for (let j = 0; j < T; j++) {
      svg += `<line data-line-key='${j}' x1='${left + 6}' y1='${
        y(q) - 4
      }' x2='${right - 6}' y2='${y(j) - 4}' stroke-opacity='${
        op(w[h][q][j])
      }'><title>head ${h}: ${escapeXml(tokens[q])} → ${escapeXml(tokens[j])} ${
        fmt(w[h][q][j])
      }</title></line>`;
    }
    svg += "</g>";
  }
  for (let i = 0; i < T; i++) {
    svg += `<text data-query='${i}' x='${left}' y='${y(i)}' text-anchor='end'${
      i === q ? " font-weight='bold'" : ""
    }>${escapeXml(tokens[i])}</text>`;
  }
  for (let j = 0; j < T; j++) {
    const shown = state.heads.map((h) => `head ${h} ${fmt(w[h][q][j])}`).join(
      ", ",
    );
    svg += `<text data-key='${j}' data-weight='${
      w[state.head][q][j]
    }' x='${right}' y='${y(j)}'>${escapeXml(tokens[j])}<title>${
      escapeXml(tokens[q])
    } → ${escapeXml(tokens[j])}: ${shown}</title></text>`;
    svg += `<text data-key-value='${j}' x='${right + tw + 8}' y='${
      y(j)
    }' fill='${headColor(state.head)}'>${fmt(w[state.head][q][j])}</text>`;
    areas.push({
      coords: [right, y(j) - 13, right + tw + 60, y(j) + 5],
      title: `${tokens[q]} → ${tokens[j]}: ${shown}`,
    });
  }
  return { svg: svg + "</svg>", width, height, areas };
}

/** The model view's grid: one small matrix per layer (row) and head (column). */
export function gridPicture(data: ViewData, state: ViewState): Picture {
  const { tokens, weights } = data;
  const T = tokens.length;
  const layers = weights.length, heads = weights[0].length;
  const c = Math.max(3, Math.min(12, Math.floor(132 / T))); // cell size, px
  const panel = c * T, gap = 18, left = 60, top = 22;
  const width = left + heads * (panel + gap);
  const height = top + layers * (panel + gap);
  const areas: Area[] = [];
  let svg = svgOpen(width, height, "attention model view");
  for (let h = 0; h < heads; h++) {
    svg += `<text x='${
      left + h * (panel + gap) + panel / 2
    }' y='14' text-anchor='middle'>head ${h}</text>`;
  }
  for (let l = 0; l < layers; l++) {
    const y0 = top + l * (panel + gap);
    svg += `<text x='${left - 8}' y='${
      y0 + panel / 2 + 4
    }' text-anchor='end'>layer ${l}</text>`;
    for (let h = 0; h < heads; h++) {
      const x0 = left + h * (panel + gap);
      const open = l === state.layer && h === state.head;
      svg +=
        `<g data-matrix-layer='${l}' data-matrix-head='${h}' tabindex='0' role='button' aria-label='open layer ${l} head ${h}' fill='${
          headColor(h)
        }'><rect x='${x0 - 2}' y='${y0 - 2}' width='${panel + 4}' height='${
          panel + 4
        }' fill='#fff' stroke='${open ? "#000" : "#ccc"}' stroke-width='${
          open ? 2 : 1
        }' data-matrix-frame=''/>`;
      // the cells as one path per opacity (two decimals are enough for an
      // opacity; cells of 0 are left out), then one transparent rectangle
      // per query row holding the row's weights as its tooltip
      const paths = new Map<string, string>();
      for (let i = 0; i < T; i++) {
        for (let j = 0; j < T; j++) {
          const v = String(Math.round(100 * weights[l][h][i][j]) / 100);
          if (v === "0") continue;
          paths.set(
            v,
            (paths.get(v) ?? "") +
              `M${x0 + j * c} ${y0 + i * c}h${c}v${c}h-${c}z`,
          );
        }
      }
      for (const [v, d] of paths) {
        svg += `<path fill-opacity='${v.replace(/^0\./, ".")}' d='${d}'/>`;
      }
      for (let i = 0; i < T; i++) {
        const title = `layer ${l} head ${h}, ${tokens[i]} → ${
          tokens.map((t, j) => `${t} ${fmt(weights[l][h][i][j])}`).join(", ")
        }`;
        const coords: Area["coords"] = [
          x0,
          y0 + i * c,
          x0 + panel,
          y0 + (i + 1) * c,
        ];
        svg += `<rect data-row='${i}' x='${x0}' y='${
          y0 + i * c
        }' width='${panel}' height='${c}' fill-opacity='0'><title>${
          escapeXml(title)
        }</title></rect>`;
        areas.push({ coords, title });
      }
      svg += "</g>";
    }
  }
  return { svg: svg + "</svg>", width, height, areas };
}

/**
 * The query/key view's picture: buttons; queries; keys with their scaled
 * score and weight (a bar); the vectors of the selected pair, their products,
 * the dot product, the scaled score and the weight.
 */
export function queryKeyPicture(data: ViewData, state: ViewState): Picture {
  const { tokens } = data;
  const q = data.q![state.layer][state.head],
    k = data.k![state.layer][state.head];
  const w = data.weights[state.layer][state.head];
  const scale = data.scale!;
  const T = tokens.length, dK = q[0].length;
  const tw = tokenWidth(tokens);
  const header = buttons(data, state, 4);
  const top = 4 + header.height + 26;
  const y = (i: number) => top + i * ROW;
  const left = 8 + tw, keyX = left + 24, scoreX = keyX + tw + 56;
  const barX = scoreX + 8, barW = 100;
  const vecX = barX + barW + 60; // the vector table's first column
  const width = vecX + 4 * 64 + 8;
  const height = top + Math.max(T, Math.min(dK, MAX_DIMENSIONS) + 6) * ROW + 8;
  const i = state.query, jSel = state.key;
  const score = (j: number) =>
    scale * q[i].reduce((s, v, d) => s + v * k[j][d], 0);
  const areas: Area[] = [];
  let svg = svgOpen(width, height, "attention query/key view") + header.svg;
  const head = (x: number, text: string, anchor = "start") =>
    `<text x='${x}' y='${
      top - 20
    }' fill='#555' text-anchor='${anchor}'>${text}</text>`;
  svg += head(left, "query", "end") + head(keyX, "key") +
    head(scoreX, "score", "end") + head(barX, "weight");
  svg += `<rect data-query-mark='' x='2' y='${y(i) - 13}' width='${
    left + 2
  }' height='${ROW}' fill='#eee'/>`;
  svg += `<rect data-key-mark='' x='${keyX - 4}' y='${y(jSel) - 13}' width='${
    barX + barW - keyX + 50
  }' height='${ROW}' fill='#eee'/>`;
  for (let r = 0; r < T; r++) {
    svg += `<text data-query='${r}' x='${left}' y='${y(r)}' text-anchor='end'${
      r === i ? " font-weight='bold'" : ""
    }>${escapeXml(tokens[r])}</text>`;
  }
  for (let j = 0; j < T; j++) {
    const title = `${tokens[i]} → ${tokens[j]}: score ${
      fmt(score(j))
    }, weight ${fmt(w[i][j])}`;
    svg += `<text data-key='${j}' data-weight='${w[i][j]}' x='${keyX}' y='${
      y(j)
    }'${j === jSel ? " font-weight='bold'" : ""}>${
      escapeXml(tokens[j])
    }<title>${escapeXml(title)}</title></text>`;
    svg += `<text data-key-score='${j}' x='${scoreX}' y='${
      y(j)
    }' text-anchor='end'>${fmt(score(j))}</text>`;
    svg += `<rect data-key-bar='${j}' x='${barX}' y='${
      y(j) - 10
    }' height='12' width='${Math.round(barW * w[i][j] * 10) / 10}' fill='${
      headColor(state.head)
    }'/>`;
    svg += `<text data-key-value='${j}' x='${barX + barW + 6}' y='${y(j)}'>${
      fmt(w[i][j])
    }</text>`;
    areas.push({
      coords: [keyX, y(j) - 13, barX + barW + 50, y(j) + 5],
      title,
    });
  }
  const col = (n: number) => vecX + n * 64;
  svg += `<text data-pair='' x='${vecX}' y='${top - 20}' font-weight='bold'>${
    escapeXml(`${tokens[i]} · ${tokens[jSel]}`)
  }</text>`;
  svg += ["d", "q", "k", "q×k"].map((t, n) =>
    `<text x='${
      col(n) + 40
    }' y='${top}' text-anchor='end' fill='#555'>${t}</text>`
  ).join("");
  const rows = pairDimensions(q[i], k[jSel]);
  for (const [r, d] of rows.entries()) {
    const a = q[i][d], b = k[jSel][d], yd = y(r + 1);
    svg += `<text data-dim='${r}' x='${
      col(0) + 40
    }' y='${yd}' text-anchor='end' fill='#555'>${d}</text>`;
    for (
      const [n, name, v] of [[1, "q", a], [2, "k", b], [
        3,
        "prod",
        a * b,
      ]] as const
    ) {
      svg += `<text data-${name}='${r}' x='${
        col(n) + 40
      }' y='${yd}' text-anchor='end' fill='${v < 0 ? NEGATIVE : POSITIVE}'>${
        fmt(v)
      }</text>`;
    }
    areas.push({
      coords: [col(1), yd - 13, col(4), yd + 5],
      title: `d ${d}: q ${fmt(a)} × k ${fmt(b)} = ${fmt(a * b)}`,
    });
  }
  if (rows.length < dK) {
    const rest = q[i].reduce(
      (sum, v, d) => rows.includes(d) ? sum : sum + v * k[jSel][d],
      0,
    );
    svg += `<text data-rest='' x='${col(4)}' y='${
      y(rows.length + 1)
    }' fill='#555' text-anchor='end'>other ${dK - rows.length} dimensions: ${
      fmt(rest)
    }</text>`;
  }
  const dot = score(jSel) / scale;
  const lines = [
    ["dot", `q · k = ${fmt(dot)}`],
    ["score", `× ${fmt(scale)} = score ${fmt(score(jSel))}`],
    ["pair-weight", `softmax over keys → weight ${fmt(w[i][jSel])}`],
  ];
  for (const [n, [name, text]] of lines.entries()) {
    svg += `<text data-${name}='' x='${col(0)}' y='${y(rows.length + 3 + n)}'>${
      escapeXml(text)
    }</text>`;
  }
  return { svg: svg + "</svg>", width, height, areas };
}
