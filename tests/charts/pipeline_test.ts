// Tests for lib/charts/pipeline.ts: one box per step in order, shapes with
// or without sizes, the current steps highlighted.

import { assert, assertEquals, assertThrows } from "@std/assert";
import { PIPELINE_STEPS, pipelineMap } from "../../lib/charts/pipeline.ts";
import { chartSvg, markRects, texts } from "./_svg.ts";

Deno.test("pipelineMap", async (t) => {
  await t.step(
    "draws one box per step with its name and shape, in order",
    () => {
      const svg = chartSvg(pipelineMap());
      assertEquals(markRects(svg, "rect").length, PIPELINE_STEPS.length);
      const printed = texts(svg);
      const positions = PIPELINE_STEPS.map((s) => printed.indexOf(s.name));
      assert(positions.every((p) => p >= 0), printed.join("|"));
      assertEquals(positions, [...positions].sort((a, b) => a - b));
      assert(printed.includes("[seqLen, dModel]"));
    },
  );

  await t.step("fills in the sizes when given", () => {
    const printed = texts(chartSvg(pipelineMap({ seqLen: 13, dModel: 4 })));
    assert(printed.includes("[13, 4]") && printed.includes("[4]"));
    assert(!printed.some((p) => p.includes("seqLen")));
  });

  await t.step("highlights exactly the current steps", () => {
    const boxes = markRects(
      chartSvg(pipelineMap({ current: ["scores", "weights"] })),
      "rect",
    );
    const highlighted = boxes.map((b) => b.getAttribute("fill") !== "white");
    assertEquals(
      highlighted,
      PIPELINE_STEPS.map((s) => s.id === "scores" || s.id === "weights"),
    );
  });

  await t.step("rejects unknown steps and bad sizes", () => {
    assertThrows(
      // @ts-expect-error: "softmax" is not a step id
      () => pipelineMap({ current: ["softmax"] }),
      RangeError,
      '"softmax" is not a pipeline step',
    );
    assertThrows(() => pipelineMap({ seqLen: 0 }), RangeError, "seqLen is 0");
  });
});
