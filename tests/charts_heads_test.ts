import {
  assert,
  assertEquals,
  assertStringIncludes,
  assertThrows,
} from "@std/assert";
import { headGrid, maskedHeatmap } from "../lib/charts_heads.ts";

const labels = ["0 the", "1 pink", "2 elephant"];
const head0 = [[1, 0, 0], [0.5, 0.5, 0], [0.2, 0.3, 0.5]];
const head1 = [[0, 0, 1], [0.25, 0.25, 0.5], [0.6, 0.3, 0.1]];

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

Deno.test("headGrid draws one panel per head, one cell per weight, each weight printed", () => {
  const html = headGrid([head0, head1], {
    labels,
    headNames: ["first", "second"],
    title: "two heads",
  }).outerHTML;
  assertStringIncludes(html, "two heads");
  assertStringIncludes(html, "first");
  assertStringIncludes(html, "second");
  assertEquals(count(html, /<rect/g), 2 * 9);
  for (const text of [".50", ".25", ".60", "1.00"]) {
    assertStringIncludes(html, `>${text}<`);
  }
  const bare = headGrid([head0], { labels, decimals: false }).outerHTML;
  assert(!bare.includes(">.50<"), "decimals: false prints no values");
  assertStringIncludes(bare, "head 0");
});

Deno.test("headGrid rejects matrices that do not fit the labels or are not finite", () => {
  assertThrows(() => headGrid([], { labels }), RangeError, "got 0 matrices");
  assertThrows(
    () => headGrid([head0], { labels, headNames: ["a", "b"] }),
    RangeError,
    "1 matrices and 2 names",
  );
  assertThrows(
    () => headGrid([[[1, 0], [0, 1]]], { labels }),
    RangeError,
    "head 0 must be a [3, 3] matrix",
  );
  assertThrows(
    () => headGrid([[[1, 0, NaN], ...head0.slice(1)]], { labels }),
    RangeError,
    "head 0 [0][2] is NaN",
  );
});

Deno.test("maskedHeatmap greys out and prints −∞ for each masked entry, prints the others", () => {
  const matrix = [[0.5, -Infinity, -Infinity], [-1.25, 2, -Infinity], [
    0,
    0,
    0,
  ]];
  const html =
    maskedHeatmap(matrix, { rows: labels, columns: labels }).outerHTML;
  assertEquals(count(html, />−∞</g), 3);
  assertEquals(count(html, /<rect/g), 9);
  for (const text of ["0.50", "−1.25", "2.00"]) {
    assertStringIncludes(html, `>${text}<`);
  }
  assertThrows(
    () => maskedHeatmap([[Infinity]], { rows: ["a"], columns: ["b"] }),
    RangeError,
    "[0][0] is Infinity; values must be finite or -Infinity",
  );
  assertThrows(
    () => maskedHeatmap([[1, 2]], { rows: ["a"], columns: ["b"] }),
    RangeError,
    "the matrix must be [1, 1]",
  );
});
