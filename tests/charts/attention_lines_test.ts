// Tests for lib/charts/attention_lines.ts: one line per token from the focus
// word, thickness and opacity proportional to the weight on a fixed scale.

import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertThrows,
} from "@std/assert";
import { attentionLines } from "../../lib/charts/attention_lines.ts";
import { chartSvg, select, texts } from "./_svg.ts";

const records = [
  { label: "0 the", value: 0.1 },
  { label: "1 car", value: 0.6, highlight: true },
  { label: "2 it", value: 0.3 },
];

/** The stroke width and opacity of each drawn link, in record order. */
function links(svg: string): { width: number; opacity: number }[] {
  return select(svg, 'g[aria-label="link"] path').map((p) => ({
    width: Number(p.getAttribute("stroke-width")),
    opacity: Number(p.getAttribute("stroke-opacity")),
  }));
}

Deno.test("attentionLines", async (t) => {
  await t.step(
    "draws one line per token, thicker and darker for larger weights",
    () => {
      const drawn = links(chartSvg(attentionLines(records, { focus: "2 it" })));
      assertEquals(drawn.length, 3);
      // width 0.5 + 7·w and opacity 0.1 + 0.9·w on the default [0, 1] scale
      records.forEach((r, i) => {
        assertAlmostEquals(drawn[i].width, 0.5 + 7 * r.value, 1e-9);
        assertAlmostEquals(drawn[i].opacity, 0.1 + 0.9 * r.value, 1e-9);
      });
    },
  );

  await t.step("near-uniform weights look near-uniform", () => {
    const uniform = Array.from({ length: 13 }, (_, i) => ({
      label: `${i} w`,
      value: 1 / 13,
    }));
    const drawn = links(chartSvg(attentionLines(uniform, { focus: "3 w" })));
    assertEquals(new Set(drawn.map((d) => d.width)).size, 1);
    assert(drawn[0].opacity < 0.2, `opacity ${drawn[0].opacity}`);
  });

  await t.step(
    "prints every weight after its word and names both columns",
    () => {
      const printed = texts(
        chartSvg(attentionLines(records, { focus: "2 it" })),
      );
      for (const text of ["0 the  0.100", "1 car  0.600", "2 it  0.300"]) {
        assert(printed.includes(text), `${text} not in ${printed}`);
      }
      assert(printed.includes("query (attending)"));
      assert(printed.includes("key (attended to): weight"));
    },
  );

  await t.step(
    "rejects an unknown focus, negative weights and a bad scale",
    () => {
      assertThrows(
        () => attentionLines(records, { focus: "it" }),
        RangeError,
        'focus "it" is not one of the labels',
      );
      assertThrows(
        () => attentionLines([{ label: "a", value: -0.1 }], { focus: "a" }),
        RangeError,
        "≥ 0",
      );
      assertThrows(
        () => attentionLines(records, { focus: "2 it", maxWeight: 0 }),
        RangeError,
        "maxWeight",
      );
    },
  );
});
