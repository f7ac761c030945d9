// Tests for lib/charts/interactive.ts: the head, model and query/key views'
// structure and contract (root attributes, embedded JSON equal to the input,
// query and key elements, weights on the keys), the static fallback (an image
// of the same SVG with a <title> and an image-map tooltip per weight),
// deterministic ids, escaping, bad input and tensor ownership. The views'
// script is driven in Chromium by tests/integration/views_browser_test.ts.

import * as tf from "@tensorflow/tfjs";
import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import { DOMParser } from "linkedom";

tf.enableProdMode(); // no "running TensorFlow.js in Node.js" banner
import {
  attentionHeadView,
  attentionModelView,
  queryKeyView,
} from "../../lib/charts/interactive.ts";

// deno-lint-ignore no-explicit-any
type El = any;

/** A [T, T] matrix whose rows sum to 1. */
function softmaxRows(T: number, seed: number): number[][] {
  return Array.from({ length: T }, (_, i) => {
    const row = Array.from(
      { length: T },
      (_, j) => Math.exp(Math.sin(seed + 3 * i + j)),
    );
    const sum = row.reduce((a, b) => a + b, 0);
    return row.map((v) => v / sum);
  });
}

const TOKENS = ["▁the", "▁car", "▁it", "▁was"];
const T = TOKENS.length;
// [layers = 2][heads = 3][T][T]
const WEIGHTS = [0, 1].map((l) =>
  [0, 1, 2].map((h) => softmaxRows(T, 10 * l + h))
);
// [layers][heads][T][dK = 2]
const Q = [0, 1].map((l) =>
  [0, 1, 2].map((h) =>
    TOKENS.map((_, i) => [Math.sin(l + h + i), Math.cos(h - i)])
  )
);
const K = [0, 1].map((l) =>
  [0, 1, 2].map((h) =>
    TOKENS.map((_, i) => [Math.cos(l * h + i), Math.sin(2 * i - h)])
  )
);

function parse(html: string): El {
  const doc = new DOMParser().parseFromString(
    `<!DOCTYPE html><html><body>${html}</body></html>`,
    "text/html",
  );
  const roots = doc.querySelectorAll("[data-attention-view]");
  assertEquals(roots.length, 1, "one root element per output");
  return roots[0];
}

function embedded(root: El): Record<string, unknown> {
  const scripts = root.querySelectorAll(
    'script[type="application/json"][data-weights]',
  );
  assertEquals(scripts.length, 1, "the data is embedded once");
  return JSON.parse(scripts[0].textContent);
}

/** The SVG markup of the fallback image `name`, decoded from its data URI. */
function pictureSvg(root: El, name: string): El {
  const img = root.querySelector(`img[data-picture="${name}"]`);
  assert(img !== null, `no fallback picture ${name}`);
  const src: string = img.getAttribute("src");
  assert(src.startsWith("data:image/svg+xml,"), src.slice(0, 40));
  const svg = decodeURIComponent(src.slice(src.indexOf(",") + 1));
  assert(
    svg.startsWith("<svg xmlns='http://www.w3.org/2000/svg'"),
    svg.slice(0, 60),
  );
  return new DOMParser().parseFromString(svg, "image/svg+xml").querySelector(
    "svg",
  );
}

/** The image map of picture `name`: its areas' titles. */
function areaTitles(root: El, name: string): string[] {
  const img = root.querySelector(`img[data-picture="${name}"]`);
  const map = root.querySelector(
    `map[name="${img.getAttribute("usemap").slice(1)}"]`,
  );
  assert(map !== null, "usemap names the map");
  return [...map.querySelectorAll("area")].map((a: El) =>
    a.getAttribute("title")
  );
}

Deno.test("attentionHeadView", async (t) => {
  await t.step(
    "keeps the contract: root attributes, embedded JSON equal to the input, queries and keys",
    () => {
      const view = attentionHeadView(WEIGHTS, {
        tokens: TOKENS,
        layer: 1,
        head: 2,
        query: 1,
      });
      const root = parse(view.html);
      assertEquals(root.getAttribute("data-attention-view"), "head");
      assertEquals(root.getAttribute("data-layer"), "1");
      assertEquals(root.getAttribute("data-head"), "2");
      assertEquals(embedded(root), { tokens: TOKENS, weights: WEIGHTS });
      const svg = pictureSvg(root, "head");
      assertEquals(svg.querySelectorAll("[data-query]").length, T);
      const keys = [...svg.querySelectorAll("[data-key]")];
      assertEquals(keys.map((k: El) => Number(k.getAttribute("data-key"))), [
        0,
        1,
        2,
        3,
      ]);
      // the initial query's weights in the current head, exactly
      assertEquals(
        keys.map((k: El) => Number(k.getAttribute("data-weight"))),
        WEIGHTS[1][2][1],
      );
      assertEquals(
        view[Symbol.for("Jupyter.display")]()["text/html"],
        view.html,
      );
    },
  );

  await t.step(
    "draws one line per head and key, each with its weight as a <title>, opacity = weight",
    () => {
      const root = parse(
        attentionHeadView(WEIGHTS, { tokens: TOKENS, query: 3 }).html,
      );
      const svg = pictureSvg(root, "head");
      for (let h = 0; h < 3; h++) {
        const lines = [...svg.querySelectorAll(`[data-line-head="${h}"] line`)];
        assertEquals(lines.length, T);
        for (const [j, line] of lines.entries()) {
          assertAlmostEquals(
            Number(line.getAttribute("stroke-opacity")),
            WEIGHTS[0][h][3][j],
            5e-4,
          );
          assert(
            line.querySelector("title").textContent.endsWith(
              WEIGHTS[0][h][3][j].toFixed(3),
            ),
          );
        }
      }
    },
  );

  await t.step(
    "has a fallback: the same SVG as an image, a tooltip per key with every drawn head's weight",
    () => {
      const root = parse(
        attentionHeadView(WEIGHTS, { tokens: TOKENS, heads: [0, 2] }).html,
      );
      const titles = areaTitles(root, "head");
      assertEquals(titles.length, T);
      for (const [j, title] of titles.entries()) {
        assertEquals(
          title,
          `▁was → ${TOKENS[j]}: head 0 ${
            WEIGHTS[0][0][3][j].toFixed(3)
          }, head 2 ${WEIGHTS[0][2][3][j].toFixed(3)}`,
        );
      }
      assert(root.querySelector("[data-fallback-note]") !== null);
      assert(
        root.querySelector("[data-help]").hasAttribute("hidden"),
        "help shows only when the script runs",
      );
    },
  );

  await t.step(
    "takes [heads, T, T] as one layer, and a tensor without disposing it or leaking",
    () => {
      const one = parse(attentionHeadView(WEIGHTS[0], { tokens: TOKENS }).html);
      assertEquals(embedded(one).weights, [WEIGHTS[0]]);
      const tensor = tf.tensor4d(WEIGHTS);
      const before = tf.memory().numTensors;
      const root = parse(attentionHeadView(tensor, { tokens: TOKENS }).html);
      assertEquals(tf.memory().numTensors, before);
      const got = embedded(root).weights as number[][][][];
      const f32 = tensor.arraySync();
      assertEquals(got, f32);
      tensor.dispose();
    },
  );

  await t.step(
    "derives ids from the content: the same input gives the same output, another input another id",
    () => {
      const a = attentionHeadView(WEIGHTS, { tokens: TOKENS }).html;
      assertEquals(attentionHeadView(WEIGHTS, { tokens: TOKENS }).html, a);
      const b = attentionHeadView(WEIGHTS, { tokens: TOKENS, query: 0 }).html;
      const id = (html: string) => parse(html).getAttribute("id");
      assert(/^attention-view-[0-9a-f]{8}$/.test(id(a)), id(a));
      assert(id(a) !== id(b));
      const img = parse(a).querySelector("img");
      assertEquals(img.getAttribute("usemap"), `#${id(a)}-head`);
    },
  );

  await t.step(
    "escapes tokens: none can close the script or inject markup",
    () => {
      const tokens = ["</script><b>x", "a&b", "'\"", "it"];
      const html = attentionHeadView(WEIGHTS, { tokens }).html;
      assertEquals(
        html.match(/<\/script>/g)?.length,
        2,
        "only the two script elements close",
      );
      assert(!html.includes("<b>x"));
      const root = parse(html);
      assertEquals(embedded(root).tokens as string[], tokens);
      const src = root.querySelector("img").getAttribute("src");
      const svg = decodeURIComponent(src.slice(src.indexOf(",") + 1));
      assert(
        svg.includes(">&lt;/script&gt;&lt;b&gt;x<title>"),
        "the token is escaped in the SVG",
      );
    },
  );

  await t.step(
    "loads nothing from the network: no src or href but the data URI",
    () => {
      const html = attentionModelView(WEIGHTS, { tokens: TOKENS }).html;
      assert(
        !/https?:\/\//.test(html.replaceAll("http://www.w3.org/2000/svg", "")),
        "a URL in the output",
      );
      assert(!/@import|url\(/.test(html));
    },
  );

  await t.step(
    "rejects bad input with one short TypeError or RangeError",
    () => {
      const cases: [() => unknown, ErrorConstructor, string][] = [
        [() => attentionHeadView(WEIGHTS, { tokens: [] }), TypeError, "tokens"],
        [
          () => attentionHeadView(WEIGHTS, { tokens: TOKENS.slice(1) }),
          RangeError,
          "is not 3 × 3",
        ],
        [
          () => attentionHeadView("weights" as never, { tokens: TOKENS }),
          TypeError,
          "nested arrays",
        ],
        [
          () => attentionHeadView([[[[0.5, NaN]]]], { tokens: ["a", "b"] }),
          RangeError,
          "is not 2 × 2",
        ],
        [
          () =>
            attentionHeadView([[[0.5, NaN], [0.5, 0.5]]], {
              tokens: ["a", "b"],
            }),
          TypeError,
          "NaN",
        ],
        [
          () =>
            attentionHeadView([[[0.5, 1.5], [0.5, 0.5]]], {
              tokens: ["a", "b"],
            }),
          RangeError,
          "[0, 1]",
        ],
        [
          () => attentionHeadView(WEIGHTS, { tokens: TOKENS, layer: 2 }),
          RangeError,
          "layer is 2",
        ],
        [
          () => attentionHeadView(WEIGHTS, { tokens: TOKENS, head: -1 }),
          RangeError,
          "head is -1",
        ],
        [
          () => attentionHeadView(WEIGHTS, { tokens: TOKENS, query: 1.5 }),
          RangeError,
          "query is 1.5",
        ],
        [
          () => attentionModelView(WEIGHTS, { tokens: TOKENS, heads: [] }),
          RangeError,
          "heads",
        ],
        [
          () =>
            attentionModelView([WEIGHTS[0], WEIGHTS[1].slice(1)], {
              tokens: TOKENS,
            }),
          RangeError,
          "weights[1]",
        ],
      ];
      for (const [call, type, words] of cases) {
        const error = assertThrows(call, type) as Error;
        assert(error.message.includes(words), error.message);
        assert(
          error.message.length < 160 && !error.message.includes("\n"),
          error.message,
        );
      }
    },
  );
});

Deno.test("attentionModelView", async (t) => {
  await t.step(
    "draws every layer × head as a matrix, a <title> and a tooltip per query row holding its weights",
    () => {
      const weights = structuredClone(WEIGHTS);
      weights[0][1][2] = [0.004, 0.996, 0, 0]; // cells that round to opacity 0
      const root = parse(
        attentionModelView(weights, { tokens: TOKENS, layer: 1, head: 1 }).html,
      );
      assertEquals(root.getAttribute("data-attention-view"), "model");
      assertEquals([
        root.getAttribute("data-layer"),
        root.getAttribute("data-head"),
      ], ["1", "1"]);
      assertEquals(embedded(root), { tokens: TOKENS, weights });
      const grid = pictureSvg(root, "grid");
      const titles = areaTitles(root, "grid");
      assertEquals(titles.length, 2 * 3 * T);
      let cells = 0;
      for (let l = 0; l < 2; l++) {
        for (let h = 0; h < 3; h++) {
          const matrix = grid.querySelector(
            `[data-matrix-layer="${l}"][data-matrix-head="${h}"]`,
          );
          const rows = [...matrix.querySelectorAll("rect[data-row]")];
          assertEquals(rows.length, T);
          for (const [i, row] of rows.entries()) {
            const text = `layer ${l} head ${h}, ${TOKENS[i]} → ${
              TOKENS.map((t, j) => `${t} ${weights[l][h][i][j].toFixed(3)}`)
                .join(", ")
            }`;
            assertEquals(row.querySelector("title").textContent, text);
            assertEquals(titles[(l * 3 + h) * T + i], text);
          }
          // the cells: squares "Mx yh…z" in one path per opacity
          const frame = matrix.querySelector("[data-matrix-frame]");
          const [x0, y0] = ["x", "y"].map((a) =>
            Number(frame.getAttribute(a)) + 2
          );
          for (const path of matrix.querySelectorAll("path")) {
            const opacity = Number(path.getAttribute("fill-opacity"));
            const squares = path.getAttribute("d").matchAll(
              /M(\d+) (\d+)h(\d+)/g,
            );
            for (const [, x, y, size] of squares) {
              const i = (Number(y) - y0) / Number(size);
              const j = (Number(x) - x0) / Number(size);
              assertAlmostEquals(opacity, weights[l][h][i][j], 5e-3 + 1e-9);
              cells++;
            }
          }
        }
      }
      assertEquals(
        cells,
        2 * 3 * T * T - 3,
        "the cells of opacity 0 are left out",
      );
    },
  );

  await t.step(
    "opens the chosen matrix in a head view below, drawing only its head",
    () => {
      const root = parse(
        attentionModelView(WEIGHTS, { tokens: TOKENS, layer: 1, head: 2 }).html,
      );
      assertEquals(root.getAttribute("data-heads"), "[2]");
      const head = pictureSvg(root, "head");
      assertEquals(
        head.querySelectorAll("[data-line-head]:not([display])").length,
        1,
      );
      const keys = [...head.querySelectorAll("[data-key]")];
      assertEquals(
        keys.map((k: El) => Number(k.getAttribute("data-weight"))),
        WEIGHTS[1][2][T - 1],
      );
    },
  );
});

Deno.test("queryKeyView", async (t) => {
  /** The reference: softmax over keys of q · k / √dK, a float64 loop. */
  const reference = (q: number[][], k: number[][]) =>
    q.map((qi) => {
      const e = k.map((kj) =>
        Math.exp((qi[0] * kj[0] + qi[1] * kj[1]) / Math.SQRT2)
      );
      const sum = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / sum);
    });

  await t.step(
    "embeds tokens, weights (softmax of the scaled scores by default), q, k and the scale",
    () => {
      const root = parse(
        queryKeyView({ q: Q, k: K }, {
          tokens: TOKENS,
          layer: 1,
          head: 2,
          query: 2,
          key: 1,
        }).html,
      );
      assertEquals(root.getAttribute("data-attention-view"), "qk");
      assertEquals([
        root.getAttribute("data-layer"),
        root.getAttribute("data-head"),
      ], ["1", "2"]);
      const data = embedded(root) as {
        tokens: string[];
        weights: number[][][][];
        q: unknown;
        k: unknown;
        scale: number;
      };
      assertEquals([data.tokens, data.q, data.k], [TOKENS, Q, K]);
      assertAlmostEquals(data.scale, 1 / Math.SQRT2, 1e-15);
      for (let l = 0; l < 2; l++) {
        for (let h = 0; h < 3; h++) {
          const want = reference(Q[l][h], K[l][h]);
          data.weights[l][h].forEach((row, i) =>
            row.forEach((v, j) => assertAlmostEquals(v, want[i][j], 1e-12))
          );
        }
      }
      const svg = pictureSvg(root, "qk");
      const keys = [...svg.querySelectorAll("[data-key]")];
      assertEquals(
        keys.map((k: El) => Number(k.getAttribute("data-weight"))),
        data.weights[1][2][2],
      );
      const dot = Q[1][2][2][0] * K[1][2][1][0] + Q[1][2][2][1] * K[1][2][1][1];
      assertEquals(
        svg.querySelector("[data-dot]").textContent,
        `q · k = ${dot.toFixed(3).replace("-", "−")}`,
      );
      assertEquals(svg.querySelectorAll("[data-q]").length, 2);
    },
  );

  await t.step(
    "shows given weights, takes [T, dK] as one head, and checks shapes",
    () => {
      const w = [[softmaxRows(T, 3)]];
      const root = parse(
        queryKeyView({ q: Q[0][0], k: K[0][0] }, { tokens: TOKENS, weights: w })
          .html,
      );
      assertEquals(embedded(root).weights, w);
      const error = assertThrows(
        () => queryKeyView({ q: Q, k: K[0] }, { tokens: TOKENS }),
        RangeError,
      ) as Error;
      assert(error.message.includes("give both the same shape"), error.message);
      assertThrows(
        () => queryKeyView({ q: Q, k: K }, { tokens: TOKENS, scale: 0 }),
        RangeError,
        "scale is 0",
      );
      assertThrows(
        () => queryKeyView({ q: Q, k: K }, { tokens: TOKENS, weights: w }),
        RangeError,
        "one matrix per head",
      );
      assertThrows(
        () => queryKeyView({ q: Q, k: K }, { tokens: TOKENS, key: 4 }),
        RangeError,
        "key is 4",
      );
    },
  );
});
