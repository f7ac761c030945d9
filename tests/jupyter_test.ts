// tools/jupyter.ts's comparison of a run with the committed notebook: normal
// cells exactly, cells tagged `measured` by kind and shape with the digits
// hidden, never more leniently than that.

import { assertEquals } from "@std/assert";
import {
  differingCells,
  maskMeasurements,
  MEASURED_TAG,
  type Notebook,
  type Output,
} from "../tools/jupyter.ts";

function notebook(outputs: Output[], tags: string[] = []): Notebook {
  return {
    cells: [{
      cell_type: "code",
      execution_count: 1,
      metadata: { tags },
      outputs,
      source: "timeIt()",
    }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  };
}
const printed = (text: string): Output => ({
  output_type: "stream",
  name: "stdout",
  text,
});
const svg = (markup: string): Output => ({
  output_type: "display_data",
  data: { "image/svg+xml": markup },
  metadata: {},
});

Deno.test("a normal cell is still compared digit for digit", () => {
  const a = notebook([printed("T 256: 1.5 ms (load 3.10)\n")]);
  const b = notebook([printed("T 256: 1.6 ms (load 3.10)\n")]);
  assertEquals(differingCells(a, structuredClone(a)), []);
  assertEquals(differingCells(a, b).length, 1);
  const chartA = notebook([svg("<svg><path d='M1,2'/></svg>")]);
  const chartB = notebook([svg("<svg><path d='M1,3'/></svg>")]);
  assertEquals(differingCells(chartA, chartB).length, 1);
});

Deno.test("a measured cell matches when only its numbers changed", () => {
  const tags = [MEASURED_TAG];
  const a = notebook([
    printed("T 256: 1.5 ms (load 3.10)\n"),
    svg("<svg><text>1 ms</text></svg>"),
  ], tags);
  const b = notebook([
    printed("T 256: 12.25 ms (load 10.04)\n"),
    svg("<svg><text>10 ms</text><text>100 ms</text></svg>"),
  ], tags);
  assertEquals(differingCells(a, b), []);
});

Deno.test("a measured cell still differs in words, units, kinds and counts", () => {
  const tags = [MEASURED_TAG];
  const base = notebook([printed("T 256: 1.5 ms\n"), svg("<svg/>")], tags);
  for (
    const other of [
      notebook([printed("T 256: 1.5 s\n"), svg("<svg/>")], tags), // a unit
      notebook([printed("T 256: NaN ms\n"), svg("<svg/>")], tags), // not a number
      notebook([printed("T 256: 1.5 ms\n")], tags), // a lost chart
      notebook([
        { ...printed("T 256: 1.5 ms\n"), name: "stderr" },
        svg("<svg/>"),
      ], tags), // another stream
      notebook([printed("T 256: 1.5 ms\n"), {
        output_type: "display_data",
        data: { "text/plain": "x" },
        metadata: {},
      }], tags), // another kind
    ]
  ) {
    assertEquals(
      differingCells(other, base).length,
      1,
      JSON.stringify(other.cells[0].outputs),
    );
  }
});

Deno.test("maskMeasurements hides numbers and the widths they set", () => {
  assertEquals(maskMeasurements("1.5e-3 s, 12 ms, -0.25"), "# s, # ms, #");
  assertEquals(
    maskMeasurements("│ 256  │ 1.5   │\n├──────┼───┤"),
    maskMeasurements("│ 4096 │ 120.25 │\n├───┼──────┤"),
  );
});
