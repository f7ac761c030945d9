/// <reference lib="dom" />
/**
 * The reader's experience in a real browser: a classic Jupyter Notebook server
 * and headless Chromium (driven by Playwright) run every tutorial notebook the
 * way a reader does, with Restart & Run All. Checked per notebook: every code
 * cell ran, no cell failed, every chart is drawn at a visible size; Run All
 * again and Restart & Run All again print the same numbers and draw the same
 * charts; re-running any single cell leaves `tf.memory().numTensors`
 * unchanged. Every output must land in its own cell, as in the committed
 * notebook, in every Run All, and none may sit in a scroll box. A full-page
 * screenshot per notebook goes to
 * `screenshots/`, and one window-sized view at its first chart
 * (`screenshots/NN_…-chart.png`; README's docs/run-all.png is one of them).
 *
 * The notebooks run from a temporary copy of `notebooks/`, `lib/` and
 * `deno.json`, so Jupyter's autosave never touches the committed files
 * (tests/integration/_browser.ts holds the server and page helpers).
 * Needs the Debian packages `chromium` and `jupyter-notebook`; a missing one
 * fails the test. It registers the tutorial's kernel (tools/kernel.ts) for
 * its own server only. Playwright
 * needs `--allow-sys` (it reads the home directory and OS release).
 * @module
 */

import { assert, assertEquals } from "@std/assert";
// playwright-core 1.62+ probes /proc/sys/fs/binfmt_misc/WSLInterop when it
// loads, which Deno allows only with --allow-all: tools/deno.json pins 1.61.
import { type Browser, chromium, type Page } from "playwright-core";
import {
  chartOutputs,
  comparableOutput,
  describeCell,
  isMeasured,
  listNotebooks,
  maskMeasurements,
  MIN_CHARTS,
  type Notebook,
  type Output,
  readNotebook,
  SLOW_NOTEBOOKS,
} from "../../tools/jupyter.ts";
import {
  checkTools,
  CHROMIUM,
  CHROMIUM_FLAGS,
  copyTutorial,
  killProcessesMentioning,
  openNotebook,
  type PageWindow,
  type Server,
  shutDownKernel,
  snapshot,
  startServer,
  stopServer,
  waitUntilIdle,
} from "./_browser.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const SCREENSHOTS = `${ROOT}screenshots/`;

Deno.test({
  name: "tutorial notebooks run, draw their charts and rerun alike in Chromium",
  async fn(t) {
    await checkTools();
    // ATTENTION_NOTEBOOK=02 runs only the notebooks whose names start so
    const only = Deno.env.get("ATTENTION_NOTEBOOK") ?? "";
    const notebooks = (await listNotebooks()).map((path) =>
      path.slice(path.lastIndexOf("/") + 1)
    ).filter((name) => name.startsWith(only));
    assert(notebooks.length > 0, "no notebooks/NN_*.ipynb to test");
    const work = await Deno.makeTempDir({ prefix: "attention-browser-" });
    let server: Server | undefined;
    let browser: Browser | undefined;
    try {
      await copyTutorial(`${work}/repo/`, notebooks);
      await Deno.mkdir(SCREENSHOTS, { recursive: true });
      server = await startServer(`${work}/repo/`, `${work}/runtime/`);
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: CHROMIUM_FLAGS,
        headless: true,
      });
      for (const name of notebooks) {
        await t.step(name, async (t) => {
          const page = await browser!.newPage({
            viewport: { width: 1280, height: 900 },
          });
          try {
            await openNotebook(page, server!, name);
            await checkNotebook(t, page, name, `${work}/numTensors.txt`);
          } finally {
            await shutDownKernel(page).catch(() => {});
            await page.close();
          }
        });
      }
    } finally {
      // each step runs even when an earlier one fails
      await browser?.close().catch(console.error);
      if (server !== undefined) await stopServer(server).catch(console.error);
      await killProcessesMentioning(work).catch(console.error);
      await Deno.remove(work, { recursive: true }).catch(console.error);
    }
  },
});

/**
 * Runs every cell through the UI (Restart & Run All, or Run All in the live
 * kernel), waits for the kernel to go idle and checks every cell ran cleanly.
 */
async function runAll(
  page: Page,
  name: string,
  options: { restart: boolean },
): Promise<Notebook> {
  // the highest execution count before: a Run All without restart has
  // begun once a cell is queued ("*") or every cell counts above it
  const before = await page.evaluate((restart) => {
    const notebook = (globalThis as PageWindow).Jupyter!.notebook!;
    const counts = notebook.get_cells().map((cell) =>
      typeof cell.input_prompt_number === "number"
        ? cell.input_prompt_number
        : 0
    );
    if (restart) notebook.restart_run_all({ confirm: false });
    else notebook.execute_all_cells();
    return restart ? Infinity : Math.max(0, ...counts);
  }, options.restart);
  await page.waitForFunction(
    (before) => {
      const cells = (globalThis as PageWindow).Jupyter!.notebook!.get_cells()
        .filter((cell) => cell.cell_type === "code");
      return cells.some((cell) => cell.input_prompt_number === "*") ||
        cells.every((cell) =>
          typeof cell.input_prompt_number === "number" &&
          cell.input_prompt_number > before
        );
    },
    before,
    { timeout: 120_000, polling: 10 },
  );
  await waitUntilIdle(page, name);
  const notebook = await snapshot(page);
  assertRanCleanly(notebook, name);
  await assertNoScrollBoxes(page, notebook, name);
  assertOutputsInTheirCells(
    notebook,
    await readNotebook(`${ROOT}notebooks/${name}`),
    options.restart ? "Restart & Run All" : "Run All",
    name,
  );
  return notebook;
}

async function checkNotebook(
  t: Deno.TestContext,
  page: Page,
  name: string,
  counter: string,
): Promise<void> {
  const first = await t.step(
    "Restart & Run All: every cell runs, every output in its cell, charts show",
    async () => {
      const notebook = await runAll(page, name, { restart: true });
      await assertChartsVisible(page, notebook, name);
      await screenshot(page, name);
    },
  );
  if (!first) return;
  const reference = runOutputs(await snapshot(page));

  if (
    SLOW_NOTEBOOKS.has(name.slice(0, 2)) &&
    Deno.env.get("ATTENTION_FULL_RERUN") === undefined
  ) {
    // A minute or more per run: one more Run All, checked for the same
    // outputs and the same tensor count, stands in for the re-runs below.
    await t.step(
      "Run All again without restart: same outputs and numTensors",
      async () => {
        const before = await numTensors(page, counter);
        const notebook = await runAll(page, name, { restart: false });
        assertSameOutputs(notebook, reference, "Run All twice", name);
        assertEquals(
          await numTensors(page, counter),
          before,
          `${name}: a second Run All changed tf.memory().numTensors`,
        );
      },
    );
    return;
  }

  await t.step("Run All again without restart: same outputs", async () => {
    const notebook = await runAll(page, name, { restart: false });
    assertSameOutputs(notebook, reference, "Run All twice", name);
  });

  await t.step("Restart & Run All again: same outputs", async () => {
    const notebook = await runAll(page, name, { restart: true });
    assertSameOutputs(notebook, reference, "Restart & Run All twice", name);
  });

  await t.step("re-running any one cell keeps numTensors", async () => {
    const notebook = await snapshot(page);
    const grown: string[] = [];
    for (const [index, cell] of notebook.cells.entries()) {
      if (cell.cell_type !== "code" || text(cell.source).trim() === "") {
        continue;
      }
      const before = await numTensors(page, counter);
      await page.evaluate(
        (i) =>
          (globalThis as PageWindow).Jupyter!.notebook!.get_cells()[i]
            .execute(),
        index,
      );
      await waitUntilIdle(page, name, 100);
      const after = await snapshot(page);
      const failed = (after.cells[index].outputs ?? []).find((o) =>
        o.output_type === "error"
      );
      if (failed !== undefined) {
        throw new Error(
          `${name}: re-running ${
            describeCell(after, index)
          } fails: ${failed.ename}: ${failed.evalue}`,
        );
      }
      const now = await numTensors(page, counter);
      if (now !== before) {
        grown.push(
          `${describeCell(after, index)}: ${before} → ${now} tensors`,
        );
      }
    }
    assertEquals(
      grown,
      [],
      `${name}: re-running these cells changes tf.memory().numTensors (wrap the tensors in keep(name, …) or tf.tidy):\n${
        grown.join("\n")
      }`,
    );
  });
}

// --- the page ---------------------------------------------------------------

function assertRanCleanly(notebook: Notebook, name: string): void {
  const problems: string[] = [];
  for (const [index, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== "code" || text(cell.source).trim() === "") continue;
    if (typeof cell.execution_count !== "number") {
      problems.push(`${describeCell(notebook, index)} did not run`);
    }
    for (const output of cell.outputs ?? []) {
      if (output.output_type === "error") {
        problems.push(
          `${
            describeCell(notebook, index)
          } failed: ${output.ename}: ${output.evalue}`,
        );
      }
    }
  }
  assertEquals(problems, [], `${name}:\n${problems.join("\n")}`);
}

/**
 * No output sits in a scroll box. Classic Notebook adds the class
 * `output_scroll` to a cell's output area (`div.output`) once it is taller
 * than 100 lines of its font (outputarea.js, `auto_scroll_threshold`), and
 * then shows only its top part: the reader would see one chart of several.
 */
async function assertNoScrollBoxes(
  page: Page,
  notebook: Notebook,
  name: string,
): Promise<void> {
  const scrolled = await page.evaluate(() =>
    (globalThis as PageWindow).Jupyter!.notebook!.get_cells().flatMap((
      cell,
      index,
    ) => {
      const area = cell.element[0].querySelector(".output_scroll");
      return area === null
        ? []
        : [{ index, height: Math.round(area.scrollHeight) }];
    })
  );
  assertEquals(
    scrolled.map(({ index }) => index),
    [],
    `${name}: these outputs are in a scroll box (split the cell, or make its output smaller):\n${
      scrolled.map(({ index, height }) =>
        `${describeCell(notebook, index)}: ${height} px of output`
      ).join("\n")
    }`,
  );
}

/**
 * Every chart output (an output holding an SVG) is drawn: its cell shows as
 * many output areas with a visible SVG (width and height above 0) as it has
 * chart outputs, and the notebook draws at least its minimum.
 */
async function assertChartsVisible(
  page: Page,
  notebook: Notebook,
  name: string,
): Promise<void> {
  const visible = await page.evaluate(() =>
    (globalThis as PageWindow).Jupyter!.notebook!.get_cells().map((cell) =>
      [...cell.element[0].querySelectorAll(".output_subarea")].filter((area) =>
        [...area.querySelectorAll("svg")].some((svg) => {
          const box = svg.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        })
      ).length
    )
  );
  const expected = new Map<number, number>();
  for (const { cellIndex } of chartOutputs(notebook)) {
    expected.set(cellIndex, (expected.get(cellIndex) ?? 0) + 1);
  }
  const problems: string[] = [];
  for (const [index, count] of expected) {
    if (visible[index] < count) {
      problems.push(
        `${describeCell(notebook, index)}: ${count} chart(s) in the outputs, ${
          visible[index]
        } visible`,
      );
    }
  }
  assertEquals(problems, [], `${name}:\n${problems.join("\n")}`);
  const drawn = visible.reduce((sum, count) => sum + count, 0);
  const minimum = MIN_CHARTS[name.slice(0, 2)];
  assert(
    minimum !== undefined,
    `${name}: add its fewest charts to MIN_CHARTS in tools/jupyter.ts`,
  );
  assert(
    drawn >= minimum,
    `${name}: ${drawn} visible charts, expected at least ${minimum}`,
  );
}

/**
 * A full-page PNG (the notebook scrolls inside #site, so that is unrolled),
 * and a window-sized PNG with the cell before the first chart at the top:
 * what a reader sees after Run All.
 */
async function screenshot(page: Page, name: string): Promise<void> {
  const base = `${SCREENSHOTS}${name.replace(/\.ipynb$/, "")}`;
  const scrolled = await page.evaluate(() => {
    const charts = [...document.querySelectorAll(".cell")].filter((cell) =>
      cell.querySelector(".output_subarea svg") !== null
    );
    const cell = charts[0]?.previousElementSibling ?? charts[0];
    if (cell === undefined) return false;
    cell.scrollIntoView({ block: "start" });
    return true;
  });
  if (scrolled) await page.screenshot({ path: `${base}-chart.png` });
  await page.addStyleTag({
    content:
      "html, body, #site { height: auto !important; overflow: visible !important; }",
  });
  await page.screenshot({ path: `${base}.png`, fullPage: true });
}

/**
 * The kernel's `tf.memory().numTensors`, asked outside the notebook's cells
 * through the kernel API, so the notebook does not change. The kernel writes
 * the number to `file`: its printed output could be attributed to another
 * request (see {@linkcode assertSameOutputs}), its shell reply cannot.
 */
async function numTensors(page: Page, file: string): Promise<number> {
  const code = `Deno.writeTextFileSync(${
    JSON.stringify(file)
  }, String((await import("@tensorflow/tfjs")).memory().numTensors));`;
  const reply = await page.evaluate(
    (code) =>
      new Promise<string>((resolve) => {
        const kernel = (globalThis as PageWindow).Jupyter!.notebook!.kernel!;
        kernel.execute(code, {
          shell: { reply: (msg) => resolve(JSON.stringify(msg.content)) },
          iopub: { output: () => {} },
        }, { silent: false, store_history: false });
      }),
    code,
  );
  assert(
    JSON.parse(reply).status === "ok",
    `counting tensors failed: ${reply}`,
  );
  const count = Number(await Deno.readTextFile(file));
  await Deno.remove(file);
  return count;
}

// --- comparing runs -------------------------------------------------------

/**
 * What a run printed and drew, as comparable text. Deno's own kernel (2.9)
 * forwards console.log output and displays asynchronously and tags them with
 * the request it is running when they leave, so without the relay
 * (tools/deno_kernel_shim.py) an output can land in the next cell. Drift is
 * judged on each channel in notebook order: all stdout, all stderr, and the
 * sequence of rich outputs (text/plain, text/html, image/svg+xml); where each
 * output landed is compared separately.
 */
interface RunOutputs {
  /** Per channel ("stdout", "stderr", "rich"): the pieces with their cells. */
  channels: Map<string, { cell: number; text: string }[]>;
  /** Per code cell: its outputs, in order. */
  cells: Map<number, string[]>;
}

function runOutputs(notebook: Notebook): RunOutputs {
  const channels = new Map<string, { cell: number; text: string }[]>(
    ["stdout", "stderr", "rich"].map((channel) => [channel, []]),
  );
  const cells = new Map<number, string[]>();
  for (const [index, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const texts: string[] = [];
    for (const output of cell.outputs ?? []) {
      // a measured cell's numbers change from run to run (tools/jupyter.ts)
      const [channel, body] = isMeasured(cell)
        ? [outputText(output)[0], comparableOutput(output, true) + "\n"]
        : outputText(output);
      channels.get(channel)!.push({ cell: index, text: body });
      texts.push(`${channel}: ${body}`);
    }
    cells.set(index, texts);
  }
  return { channels, cells };
}

/** An output's channel and comparable text; errors count as rich outputs. */
function outputText(output: Output): [string, string] {
  if (output.output_type === "stream") {
    return [output.name ?? "stdout", text(output.text)];
  }
  if (output.output_type === "error") {
    return ["rich", `error: ${output.ename}: ${output.evalue}\n`];
  }
  const parts = ["text/plain", "text/html", "image/svg+xml"]
    .filter((type) => output.data?.[type] !== undefined)
    .map((type) => `${type}: ${text(output.data![type])}`);
  return ["rich", `${renumberPlotIds(parts.join("\n"))}\n`];
}

/**
 * Plot numbers clip paths, patterns and markers with a counter that lives as
 * long as the kernel (`plot-clip-7`); renumbered from 1 within each output.
 */
function renumberPlotIds(markup: string): string {
  const ids = new Map<string, string>();
  return markup.replace(
    /plot-(clip|pattern|marker)-\d+/g,
    (id, kind) => {
      if (!ids.has(id)) ids.set(id, `plot-${kind}-#${ids.size + 1}`);
      return ids.get(id)!;
    },
  );
}

/**
 * Fails when a run printed or drew something else than the reference run,
 * or put an output in another cell.
 */
function assertSameOutputs(
  notebook: Notebook,
  reference: RunOutputs,
  what: string,
  name: string,
): void {
  const run = runOutputs(notebook);
  const drifts: string[] = [];
  for (const [channel, pieces] of run.channels) {
    const before = reference.channels.get(channel)!;
    const a = before.map((p) => p.text).join("");
    const b = pieces.map((p) => p.text).join("");
    if (a === b) continue;
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i]) i++;
    const cell = cellAt(pieces, i) ?? cellAt(before, i);
    const start = Math.max(0, a.lastIndexOf("\n", i - 1) + 1, i - 80);
    drifts.push(
      `${channel} ${
        cell === undefined ? "" : `from ${describeCell(notebook, cell)} `
      }on: ${JSON.stringify(a.slice(start, i + 80))} became ${
        JSON.stringify(b.slice(start, i + 80))
      }`,
    );
  }
  assertEquals(drifts, [], `${name}: ${what} drifts:\n${drifts.join("\n")}`);
  const moved = [...run.cells].filter(([index, outputs]) =>
    outputs.join("\u0000") !== reference.cells.get(index)?.join("\u0000")
  ).map(([index]) => describeCell(notebook, index));
  assertEquals(
    moved,
    [],
    `${name}, ${what}: same outputs, but some landed in other cells than in the first run (the kernel race tools/deno_kernel_shim.py closes):\n  ${
      moved.join("\n  ")
    }`,
  );
}

/**
 * Fails when a cell's printed text (stdout and stderr, the setup line's Deno
 * version aside) or its number of rich outputs differs from the committed
 * notebook's: an output lost, or filed under another cell.
 */
function assertOutputsInTheirCells(
  notebook: Notebook,
  committed: Notebook,
  what: string,
  name: string,
): void {
  const summary = (cell: Notebook["cells"][number]) => {
    const outputs = cell.outputs ?? [];
    const joinedText = outputs.filter((o) => o.output_type === "stream")
      .map((o) => text(o.text)).join("")
      .replace(/Deno \d+\.\d+\.\d+\S* ·/, "Deno · ");
    // a measured cell's numbers change from run to run (tools/jupyter.ts)
    const printed = isMeasured(cell)
      ? maskMeasurements(joinedText)
      : joinedText;
    const rich = outputs.filter((o) => o.output_type !== "stream").length;
    return { printed, rich };
  };
  const problems: string[] = [];
  for (const [index, cell] of notebook.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const [got, want] = [cell, committed.cells[index]].map(summary);
    if (got.printed !== want.printed) {
      problems.push(
        `${describeCell(notebook, index)} printed ${
          JSON.stringify(got.printed.slice(0, 120))
        }, committed ${JSON.stringify(want.printed.slice(0, 120))}`,
      );
    }
    if (got.rich !== want.rich) {
      problems.push(
        `${
          describeCell(notebook, index)
        } shows ${got.rich} rich output(s), committed ${want.rich}`,
      );
    }
  }
  assertEquals(
    problems,
    [],
    `${name}, ${what}: outputs lost or in another cell:\n${
      problems.join("\n")
    }`,
  );
}

/** The cell whose piece holds character `position` of the joined text. */
function cellAt(
  pieces: { cell: number; text: string }[],
  position: number,
): number | undefined {
  let end = 0;
  for (const piece of pieces) {
    end += piece.text.length;
    if (position < end) return piece.cell;
  }
  return pieces.at(-1)?.cell;
}

function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.join("");
  return "";
}
