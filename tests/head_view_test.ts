// lib/head_view.ts: the records of every head's weights, the head view grid
// and the bars of one query's row, on tiny literal weights.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { headCells, headRowBars, headView } from "../lib/head_view.ts";

// 2 layers × 2 heads × 2 tokens
const WEIGHTS = [
  [[[1, 0], [0.25, 0.75]], [[0.5, 0.5], [0.9, 0.1]]],
  [[[0.3, 0.7], [0.6, 0.4]], [[0.15, 0.85], [0.05, 0.95]]],
];
const TOKENS = ["▁it", "▁car"];

Deno.test("headCells", async (t) => {
  await t.step(
    "gives one record per layer, head, query and key, in order",
    () => {
      const cells = headCells(WEIGHTS, TOKENS);
      assertEquals(cells.length, 2 * 2 * 2 * 2);
      assertEquals(cells[7], {
        layer: "layer 0",
        head: "head 1",
        query: "1 ▁car",
        key: "1 ▁car",
        weight: 0.1,
      });
      assertEquals(cells[8].layer, "layer 1");
    },
  );

  await t.step(
    "rejects a matrix that does not match the tokens, or a NaN",
    () => {
      assertThrows(
        () => headCells(WEIGHTS, ["▁it"]),
        RangeError,
        "layer 0 head 0 is not 1 × 1",
      );
      assertThrows(
        () => headCells([[[[1, NaN], [0.5, 0.5]]]], TOKENS),
        RangeError,
        "weight NaN at (0, 1)",
      );
    },
  );
});

Deno.test("headView draws one cell per weight and prints the large ones", () => {
  const chart = headView(headCells(WEIGHTS, TOKENS), { printAbove: 0.5 });
  const svg = chart.outerHTML;
  const cells = svg.match(/<rect /g)?.length ?? 0;
  assert(cells >= 16, `${cells} rects for 16 weights`);
  // ≥ 0.5 printed in percent, smaller ones not
  for (const shown of ["100", "75", "90", "70", "85", "95", "60", "50"]) {
    assert(svg.includes(`>${shown}<`), `${shown} not printed`);
  }
  for (const hidden of ["25", "30", "40", "15"]) {
    assert(!svg.includes(`>${hidden}<`), `${hidden} printed`);
  }
  for (const label of ["layer 0", "layer 1", "head 0", "head 1", "1 ▁car"]) {
    assert(svg.includes(label), `label ${label} missing`);
  }
  assertThrows(() => headView([]), RangeError, "cells is empty");
});

Deno.test("headRowBars draws one query's row in every head", () => {
  const chart = headRowBars(headCells(WEIGHTS, TOKENS), "1 ▁car", {
    highlight: ["0 ▁it"],
  });
  const svg = chart.outerHTML;
  // the row of "1 ▁car": 0.25 0.75 | 0.90 0.10 | 0.60 0.40 | 0.05 0.95 (0.05 not printed)
  for (
    const shown of ["0.25", "0.75", "0.90", "0.10", "0.60", "0.40", "0.95"]
  ) {
    assert(svg.includes(`>${shown}<`), `${shown} not printed`);
  }
  assert(!svg.includes(">0.05<"), "a weight below 0.1 was printed");
  assert(!svg.includes(">0.85<"), "a weight of another query was printed");
  assert(svg.includes("#f28e2b"), "highlighted bars are orange");
  assertThrows(
    () => headRowBars(headCells(WEIGHTS, TOKENS), "2 ▁too"),
    RangeError,
    'no query "2 ▁too"',
  );
});
