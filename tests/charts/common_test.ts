// Tests for lib/charts/common.ts: token labels shared by every chart.

import { assertEquals } from "@std/assert";
import { tokenLabels } from "../../lib/charts/common.ts";

Deno.test("tokenLabels makes repeated tokens unique by prefixing positions", () => {
  const labels = tokenLabels(["the", "car", "was", "the"]);
  assertEquals(labels, ["0 the", "1 car", "2 was", "3 the"]);
  assertEquals(new Set(labels).size, 4);
});
