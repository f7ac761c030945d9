// Tests for lib/charts/common.ts: token labels, extents and thinning that
// hold for hundreds of thousands of values.

import { assert, assertEquals } from "@std/assert";
import {
  extent,
  longestLength,
  thinSeries,
  tokenLabels,
} from "../../lib/charts/common.ts";

Deno.test("tokenLabels makes repeated tokens unique by prefixing positions", () => {
  const labels = tokenLabels(["the", "car", "was", "the"]);
  assertEquals(labels, ["0 the", "1 car", "2 was", "3 the"]);
  assertEquals(new Set(labels).size, 4);
});

Deno.test("extent handles 200,000 numbers, where Math.max(...xs) overflows the stack", () => {
  const values = Array.from({ length: 200_000 }, (_, i) => Math.sin(i) * i);
  const sorted = [...values].sort((a, b) => a - b);
  assertEquals(extent(values), [sorted[0], sorted.at(-1)]);
  assertEquals(extent([]), [Infinity, -Infinity]);
});

Deno.test("longestLength measures the longest of 200,000 strings", () => {
  const strings = Array.from({ length: 200_000 }, (_, i) => `w${i}`);
  assertEquals(longestLength(strings), "w199999".length);
  assertEquals(longestLength([]), 0);
});

Deno.test("thinSeries", async (t) => {
  const n = 150_000;
  const series = Array.from({ length: n }, (_, i) => ({
    x: i,
    y: i === 77_777 ? 5 : i === 3_333 ? -5 : Math.sin(i / 1000),
  }));
  const thin = thinSeries(series, (p) => p.y, 2000);

  await t.step("keeps at most maxPoints points, in order", () => {
    assert(thin.length <= 2000, `${thin.length} points`);
    assert(thin.length >= 1000, `only ${thin.length} points`);
    for (let i = 1; i < thin.length; i++) assert(thin[i].x > thin[i - 1].x);
  });

  await t.step("keeps the first and last points and every extreme", () => {
    assertEquals(thin[0], series[0]);
    assertEquals(thin.at(-1), series.at(-1));
    assert(thin.includes(series[77_777]), "the spike was dropped");
    assert(thin.includes(series[3_333]), "the dip was dropped");
  });

  await t.step("returns short series unchanged", () => {
    const short = series.slice(0, 100);
    assertEquals(thinSeries(short, (p) => p.y, 2000), short);
  });
});
