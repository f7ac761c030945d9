// lib/mod.ts: the public API's import graph stays light. The pretrained model
// (lib/chapters/09_a_pretrained_transformer/pretrained.ts, a 26 MB package) is reached only by importing it.

import { assert, assertEquals } from "@std/assert";
import * as api from "../lib/mod.ts";

/** Every lib file reached from `start` through relative static imports/exports. */
async function localGraph(start: URL): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [start];
  while (queue.length > 0) {
    const url = queue.pop()!;
    if (seen.has(url.href)) continue;
    seen.add(url.href);
    const source = await Deno.readTextFile(url);
    for (
      const [, specifier] of source.matchAll(
        /^\s*(?:import|export)\b[^"';]*?from\s+"(\.{1,2}\/[^"]+)"/gm,
      )
    ) {
      queue.push(new URL(specifier, url));
    }
    for (
      const [, specifier] of source.matchAll(/^import\s+"(\.{1,2}\/[^"]+)"/gm)
    ) {
      queue.push(new URL(specifier, url));
    }
  }
  return seen;
}

Deno.test("mod.ts exports the head charts without importing pretrained.ts", async () => {
  const graph = await localGraph(new URL("../lib/mod.ts", import.meta.url));
  const files = [...graph].map((href) => href.replace(/^.*\/lib\//, "lib/"));
  assert(files.includes("lib/charts/heads.ts"), files.join(", "));
  assert(files.includes("lib/charts/heatmap.ts"), files.join(", "));
  assert(
    !files.includes("lib/chapters/09_a_pretrained_transformer/pretrained.ts"),
    files.join(", "),
  );
  for (const name of ["headView", "headRowBars", "heatmap"]) {
    assertEquals(typeof (api as Record<string, unknown>)[name], "function");
  }
});
