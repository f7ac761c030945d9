/**
 * Runs the tutorial's notebooks top to bottom with the real Deno kernel
 * through Jupyter's own client (`jupyter nbconvert --execute`), for the
 * notebook tests and for regenerating the committed outputs
 * (`deno task notebooks`, which runs this file).
 * @module
 */

import { pooledMap } from "@std/async/pool";
import { DENO_VERSION, installKernel, type Kernel } from "./kernel.ts";
import type { Cell, Notebook, Output } from "./nbformat.ts";

export type { Cell, Notebook, Output } from "./nbformat.ts";

/** The folder holding the tutorial's notebooks. */
export const NOTEBOOKS_DIR: string = new URL("../notebooks/", import.meta.url)
  .pathname;

/** What to tell a reader whose machine lacks Jupyter (README's set-up). */
export const INSTALL_HINT: string =
  "Jupyter with nbconvert, nbclient and `jupyter kernelspec` is needed to run the notebooks. Install it with " +
  "`apt-get update && apt-get install -y jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-nbformat python3-zmq` " +
  "(Debian/Ubuntu; with sudo unless root; README's set-up) " +
  "or `pip install notebook nbconvert nbclient jupyter_client pyzmq`, then run `deno task setup`.";

/** Fewest charts (outputs holding an SVG) each notebook must show, by number. */
export const MIN_CHARTS: Readonly<Record<string, number>> = {
  "01": 2,
  "02": 4,
  "03": 4,
  "04": 2,
  "05": 6,
  "06": 10,
  "07": 6,
  "08": 6,
  "09": 5,
  "10": 3,
  "11": 4,
  "12": 6,
  A1: 0,
};

/**
 * The chapters that take a minute or more each: 07 (its controls train 18
 * small models: 56 s of CPU, 146 s wall at load 6.7) and the GPT chapters
 * 10–12 (60–120 s each here, at load 4–7). The notebook
 * test runs them once instead of `ATTENTION_PASSES` times, and the browser
 * test does one Restart & Run All plus one Run All without restart (same
 * outputs, same tensor count) instead of three runs and a re-run of every
 * cell, which keeps CI well inside its time. `ATTENTION_PASSES` set
 * explicitly applies to them too.
 */
export const SLOW_NOTEBOOKS: ReadonlySet<string> = new Set([
  "07",
  "10",
  "11",
  "12",
]);

/**
 * Checks that `jupyter nbconvert` and nbclient can be run.
 *
 * @throws {Error} With {@linkcode INSTALL_HINT} when either is missing.
 */
export async function ensureJupyter(): Promise<void> {
  for (const tool of ["nbconvert", "execute"]) {
    let result: Deno.CommandOutput;
    try {
      result = await new Deno.Command("jupyter", {
        args: [tool, "--version"],
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`\`jupyter\` is not on PATH. ${INSTALL_HINT}`);
      }
      throw error;
    }
    if (!result.success) {
      throw new Error(
        `\`jupyter ${tool} --version\` failed (${
          new TextDecoder().decode(result.stderr).trim().split("\n").at(-1)
        }). ${INSTALL_HINT}`,
      );
    }
  }
}

/**
 * A Jupyter data folder private to this process, into which
 * {@linkcode ensureKernel} registered the kernelspec `deno`;
 * {@linkcode executeNotebook} (and the browser test's server) give it to
 * Jupyter as `JUPYTER_DATA_DIR`, so Jupyter sees this kernel and none of the
 * user's: another checkout or another Deno registering its own `deno` kernel
 * on this machine never changes what is tested. Undefined until ensureKernel
 * runs.
 */
export let jupyterDataDir: string | undefined;

/**
 * Registers the tutorial's kernel (tools/kernel.ts: Deno's kernel behind the
 * relay that files every output under its own cell; plain with
 * `ATTENTION_PLAIN_KERNEL=1`) in {@linkcode jupyterDataDir}, a new temporary
 * folder, the way `deno task setup` registers it for a reader (through
 * `jupyter kernelspec install`, so a missing Jupyter package fails here too),
 * so the notebooks run with the Deno running this code and no other.
 *
 * @returns What was registered.
 * @throws {Error} When Jupyter is missing, the kernel cannot be registered,
 *   or its Deno is not the version of deno-version.json.
 */
export async function ensureKernel(): Promise<Kernel> {
  await ensureJupyter();
  if (jupyterDataDir === undefined) {
    const dir = await Deno.makeTempDir({ prefix: "attention-jupyter-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(dir, { recursive: true });
      } catch { /* already gone */ }
    });
    jupyterDataDir = dir;
  }
  const kernel = await installKernel({ dataDir: jupyterDataDir });
  if (kernel.deno !== DENO_VERSION) {
    throw new Error(
      `the Deno kernel runs Deno ${kernel.deno}, but the tutorial is tested with ${DENO_VERSION} (deno-version.json): install it with \`npm install -g deno@${DENO_VERSION}\`, or change deno-version.json to test another version`,
    );
  }
  return kernel;
}

/**
 * The tutorial's notebooks: the chapters `NN_*.ipynb` and the appendices
 * `AN_*.ipynb` in {@linkcode NOTEBOOKS_DIR}, in order (chapters first).
 *
 * @returns Absolute paths.
 */
export async function listNotebooks(): Promise<string[]> {
  const paths: string[] = [];
  for await (const entry of Deno.readDir(NOTEBOOKS_DIR)) {
    if (entry.isFile && /^(\d\d|A\d)_.*\.ipynb$/.test(entry.name)) {
      paths.push(NOTEBOOKS_DIR + entry.name);
    }
  }
  return paths.sort();
}

/**
 * Reads and parses a notebook file.
 *
 * @param path The `.ipynb` file.
 * @returns The notebook.
 */
export async function readNotebook(path: string): Promise<Notebook> {
  return JSON.parse(await Deno.readTextFile(path));
}

/** Options for {@linkcode executeNotebook}. */
export interface ExecuteOptions {
  /** Run this notebook instead of the file's content (e.g. with injected parameters); the file still sets the working directory. */
  notebook?: Notebook;
  /** Keep running after a failing cell, leaving the error in its outputs. Default true. */
  allowErrors?: boolean;
  /** Seconds each cell may take. Default 600. */
  timeoutSeconds?: number;
}

/**
 * Executes a notebook top to bottom with the Deno kernel through Jupyter's
 * own client, stock (`jupyter nbconvert --execute`: nbclient, no extra
 * listening time), and returns the executed copy; the file is never written. The copy
 * goes to nbconvert through stdin and comes back through stdout, and
 * nbconvert runs in the file's folder, so the kernel starts there exactly as when the reader opens
 * the file (`"../lib/mod.ts"` resolves). `NO_COLOR=1` keeps ANSI codes out.
 *
 * @param path The notebook file.
 * @param options Another notebook to run in its place, error handling, timeout.
 * @returns The executed notebook, with nbclient's timing metadata.
 * @throws {Error} When nbconvert fails (with `allowErrors: false`, also on a failing cell).
 */
export async function executeNotebook(
  path: string,
  options: ExecuteOptions = {},
): Promise<Notebook> {
  const input = options.notebook === undefined
    ? await Deno.readFile(path)
    : new TextEncoder().encode(JSON.stringify(options.notebook));
  const child = new Deno.Command("jupyter", {
    args: [
      "nbconvert",
      "--to",
      "notebook",
      "--execute",
      "--ExecutePreprocessor.kernel_name=deno",
      `--ExecutePreprocessor.timeout=${options.timeoutSeconds ?? 600}`,
      `--ExecutePreprocessor.allow_errors=${
        options.allowErrors ?? true ? "True" : "False"
      }`,
      "--stdin",
      "--stdout",
    ],
    cwd: path.slice(0, path.lastIndexOf("/") + 1) || ".",
    env: {
      NO_COLOR: "1",
      ...(jupyterDataDir === undefined
        ? {}
        : { JUPYTER_DATA_DIR: jupyterDataDir }),
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(input);
  await writer.close();
  const result = await child.output();
  const stdout = new TextDecoder().decode(result.stdout);
  if (!result.success || stdout.trim() === "") {
    const stderr = new TextDecoder().decode(result.stderr).trim();
    // A failing cell: nbclient's message names the cell and the error.
    const cellError = stderr.indexOf("CellExecutionError: ");
    throw new Error(
      `executing ${path} failed (exit code ${result.code}):\n${
        cellError >= 0
          ? stderr.slice(cellError)
          : stderr.split("\n").slice(-40).join("\n")
      }`,
    );
  }
  return JSON.parse(stdout);
}

/**
 * A copy of the notebook with a new code cell right after the cell tagged
 * `parameters` (papermill's convention), tagged `injected-parameters`.
 * Re-declaring a `const` is allowed in the Deno kernel, so the new cell
 * overrides the defaults.
 *
 * @param notebook The notebook.
 * @param source The new cell's code, e.g. `const sentence = "…";`.
 * @returns The new notebook; `notebook` is unchanged.
 * @throws {RangeError} When no cell is tagged `parameters`.
 */
export function injectParameters(notebook: Notebook, source: string): Notebook {
  const index = notebook.cells.findIndex((cell) =>
    cell.metadata.tags?.includes("parameters")
  );
  if (index < 0) {
    throw new RangeError(
      "no cell is tagged `parameters`: tag the cell that declares the notebook's parameters",
    );
  }
  const injected: Cell = {
    cell_type: "code",
    execution_count: null,
    id: "injected-parameters",
    metadata: { tags: ["injected-parameters"] },
    outputs: [],
    source,
  };
  const copy: Notebook = structuredClone(notebook);
  copy.cells.splice(index + 1, 0, injected);
  return copy;
}

/** An output and where it is. */
export interface LocatedOutput {
  /** The cell's index in the notebook, from 0. */
  cellIndex: number;
  /** The cell, e.g. to name it in a message. */
  cell: Cell;
  /** The output. */
  output: Output;
}

/**
 * Every output of every code cell, in order.
 *
 * @param notebook The notebook.
 * @returns The outputs with their cells.
 */
export function outputsOf(notebook: Notebook): LocatedOutput[] {
  return notebook.cells.flatMap((cell, cellIndex) =>
    (cell.outputs ?? []).map((output) => ({ cellIndex, cell, output }))
  );
}

/**
 * The error outputs (a cell that threw).
 *
 * @param notebook The notebook.
 * @returns Outputs with `output_type` "error".
 */
export function errorOutputs(notebook: Notebook): LocatedOutput[] {
  return outputsOf(notebook).filter((o) => o.output.output_type === "error");
}

/**
 * The stderr stream outputs (console.error, warnings, tfjs's banner).
 *
 * @param notebook The notebook.
 * @returns Stream outputs named "stderr".
 */
export function stderrOutputs(notebook: Notebook): LocatedOutput[] {
  return outputsOf(notebook).filter((o) =>
    o.output.output_type === "stream" && o.output.name === "stderr"
  );
}

/**
 * The outputs holding ANSI escape codes ("\u001b[", terminal colours), which
 * show as garbage in Jupyter; the kernel adds them unless NO_COLOR=1.
 *
 * @param notebook The notebook.
 * @returns Outputs with an escape code in any of their strings.
 */
export function ansiOutputs(notebook: Notebook): LocatedOutput[] {
  return outputsOf(notebook).filter(({ output }) => hasAnsi(output));
}

function hasAnsi(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u001b[");
  if (value !== null && typeof value === "object") {
    return Object.values(value).some(hasAnsi);
  }
  return false;
}

/**
 * The charts: rich outputs with `image/svg+xml`, or `text/html` holding an
 * `<svg`.
 *
 * @param notebook The notebook.
 * @returns One entry per chart output (a frame of several SVGs counts once).
 */
export function chartOutputs(notebook: Notebook): LocatedOutput[] {
  return outputsOf(notebook).filter(({ output }) =>
    output.data !== undefined &&
    ("image/svg+xml" in output.data ||
      joined(output.data["text/html"]).includes("<svg"))
  );
}

/**
 * An output's readable text: a stream's text, or a rich output's text/plain,
 * text/markdown and text/html; for errors, name, message and traceback.
 *
 * @param output The output.
 * @returns The text, joined.
 */
export function textOf(output: Output): string {
  if (output.output_type === "stream") return joined(output.text);
  if (output.output_type === "error") {
    return [output.ename, output.evalue, ...(output.traceback ?? [])].join(
      "\n",
    );
  }
  return ["text/plain", "text/markdown", "text/html"]
    .map((type) => joined(output.data?.[type]))
    .join("\n");
}

/**
 * Names a cell for a message: its number, execution count and first line.
 *
 * @param notebook The notebook.
 * @param cellIndex The cell's index, from 0.
 * @returns For example `cell 7 [5] "const model = …"`.
 */
export function describeCell(notebook: Notebook, cellIndex: number): string {
  const cell = notebook.cells[cellIndex];
  const firstLine =
    joined(cell.source).split("\n").find((l) => l.trim() !== "") ?? "";
  return `cell ${cellIndex + 1} [${cell.execution_count ?? " "}] ${
    JSON.stringify(firstLine.slice(0, 70))
  }`;
}

function joined(text: unknown): string {
  if (typeof text === "string") return text;
  if (Array.isArray(text)) return text.join("");
  return "";
}

/**
 * Removes what changes from one run to the next: nbclient's per-cell timing
 * metadata (`metadata.execution`), and the split of a cell's console output
 * into stream messages (which depends on timing): consecutive stream outputs
 * of the same name become one, as Jupyter's front end shows and saves them.
 *
 * @param notebook The executed notebook.
 * @returns The same notebook, changed in place.
 */
export function normalizeNotebook(notebook: Notebook): Notebook {
  for (const cell of notebook.cells) {
    delete cell.metadata.execution;
    if (cell.outputs === undefined) continue;
    const merged: Output[] = [];
    for (const output of cell.outputs) {
      const previous = merged.at(-1);
      if (
        output.output_type === "stream" &&
        previous?.output_type === "stream" && previous.name === output.name
      ) {
        previous.text = joined(previous.text) + joined(output.text);
      } else {
        merged.push({ ...output });
      }
    }
    for (const output of merged) {
      if (output.output_type === "stream") {
        output.text = joined(output.text).split(/(?<=\n)/);
      }
    }
    cell.outputs = merged;
  }
  return notebook;
}

/**
 * The tag of a code cell whose outputs are measurements (wall-clock times,
 * tokens per second, the load average beside them): they change from run to
 * run, so {@linkcode differingCells} and the browser test compare such a
 * cell's outputs by kind and shape, not digit for digit
 * ({@linkcode comparableOutput}). Every other cell is compared exactly. A
 * notebook tags only the cells that print a measurement, and prints the
 * deterministic results (equalities, counts) in untagged cells.
 */
export const MEASURED_TAG = "measured";

/**
 * Whether a cell carries the {@linkcode MEASURED_TAG}.
 *
 * @param cell A cell.
 * @returns True for a measured cell.
 */
export function isMeasured(cell: Cell): boolean {
  return cell.metadata?.tags?.includes(MEASURED_TAG) ?? false;
}

/**
 * A measurement's text with its digits hidden: every number becomes `#`,
 * and runs of spaces or of table rules (`─`, whose widths follow the numbers')
 * shrink to one, so `"12.5 ms (load 3.1)"` and `"9.0 ms (load 10.4)"` read
 * the same while `"12.5 ms"` and `"12.5 s"` do not.
 *
 * @param text Printed text.
 * @returns The text's shape.
 *
 * @example
 * ```ts
 * import { maskMeasurements } from "./jupyter.ts";
 * if (maskMeasurements("T 256: 1.25e-3 s") !== "T #: # s") throw new Error();
 * ```
 */
export function maskMeasurements(text: string): string {
  return text
    .replace(/[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/gi, "#")
    .replace(/ {2,}/g, " ")
    .replace(/─+/g, "─");
}

/**
 * One output as the comparison sees it: the whole output (as JSON) in a
 * normal cell; in a {@linkcode isMeasured} cell, its kind (stream name, or
 * output type and MIME types) and its printed text through
 * {@linkcode maskMeasurements} (a chart of timings counts by its MIME type:
 * its ticks move with the numbers).
 *
 * @param output The output.
 * @param measured Whether its cell is measured.
 * @returns A string; two outputs match when their strings are equal.
 */
export function comparableOutput(output: Output, measured: boolean): string {
  const exact = JSON.stringify(output).replace(
    /Deno \d+\.\d+\.\d+\S* ·/,
    "Deno · ",
  );
  if (!measured) return exact;
  if (output.output_type === "stream") {
    return `stream ${output.name}: ${maskMeasurements(joined(output.text))}`;
  }
  const types = Object.keys(output.data ?? {}).sort();
  const plain = types.includes("image/svg+xml") ||
      joined(output.data?.["text/html"]).includes("<svg")
    ? ""
    : maskMeasurements(joined(output.data?.["text/plain"]));
  return `${output.output_type} [${types.join(", ")}]: ${plain}`;
}

/**
 * The code cells whose outputs differ between two runs of one notebook, after
 * {@linkcode normalizeNotebook}, each named with how it differs. The setup
 * line's Deno version is left out of the comparison (it is checked apart).
 * Cells tagged {@linkcode MEASURED_TAG} are compared by
 * {@linkcode comparableOutput}: same outputs, same kinds, same text but for
 * the numbers. An output lost, or filed under another cell, shows as a
 * difference in both cells.
 *
 * @param run The executed notebook.
 * @param reference The notebook to compare with, e.g. the committed file.
 * @returns One line per differing cell; empty when every cell matches.
 */
export function differingCells(run: Notebook, reference: Notebook): string[] {
  const [a, b] = [run, reference].map((notebook) =>
    normalizeNotebook(structuredClone(notebook))
  );
  if (a.cells.length !== b.cells.length) {
    return [`${a.cells.length} cells, expected ${b.cells.length}`];
  }
  const differences: string[] = [];
  for (const [index, cell] of a.cells.entries()) {
    if (cell.cell_type !== "code") continue;
    const measured = isMeasured(cell) || isMeasured(b.cells[index]);
    const [got, want] = [cell, b.cells[index]].map((c) =>
      (c.outputs ?? []).map((output) => comparableOutput(output, measured))
    );
    const [x, y] = [got.join("\n"), want.join("\n")];
    if (x === y) continue;
    let at = 0;
    while (at < x.length && at < y.length && x[at] === y[at]) at++;
    const around = (text: string) =>
      JSON.stringify(text.slice(Math.max(0, at - 30), at + 50));
    differences.push(
      `${
        describeCell(a, index)
      }: ${got.length} output(s), expected ${want.length}; from character ${at}: ${
        around(x)
      } instead of ${around(y)}`,
    );
  }
  return differences;
}

/**
 * Serializes a notebook the way Jupyter saves it (nbformat: keys sorted,
 * one-space indent, a final newline), so regenerated files diff cleanly
 * against files saved from Jupyter.
 *
 * @param notebook The notebook.
 * @returns The file's text.
 */
export function serializeNotebook(notebook: Notebook): string {
  return JSON.stringify(sortKeys(notebook), null, 1) + "\n";
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((key) => [
        key,
        sortKeys((value as Record<string, unknown>)[key]),
      ]),
    );
  }
  return value;
}

/**
 * `deno task notebooks [file.ipynb…]`: executes the given notebooks (default:
 * every `NN_*.ipynb`) in place, two at a time, stops at the first failing
 * cell, and writes each file only when it ran cleanly (no error, no stderr,
 * no ANSI codes).
 */
async function regenerate(files: string[]): Promise<void> {
  await ensureKernel();
  const paths = files.length > 0
    ? await Promise.all(files.map((file) => Deno.realPath(file)))
    : await listNotebooks();
  if (paths.length === 0) throw new Error(`no NN_*.ipynb in ${NOTEBOOKS_DIR}`);
  const failures: string[] = [];
  // Two at a time; each run catches its own failure, so none rejects.
  const runs = pooledMap(2, paths, async (path: string) => {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const started = performance.now();
    try {
      const notebook = normalizeNotebook(
        await executeNotebook(path, { allowErrors: false }),
      );
      const problems = [...errorOutputs(notebook), ...stderrOutputs(notebook)]
        .map(({ cellIndex, output }) =>
          `${describeCell(notebook, cellIndex)}: ${textOf(output).trim()}`
        );
      problems.push(
        ...ansiOutputs(notebook).map(({ cellIndex }) =>
          `${describeCell(notebook, cellIndex)}: ANSI codes in the output`
        ),
      );
      if (problems.length > 0) throw new Error(problems.join("\n"));
      const text = serializeNotebook(notebook);
      const changed = text !== await Deno.readTextFile(path);
      if (changed) await Deno.writeTextFile(path, text);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `${name}: ${changed ? "updated" : "unchanged"} (${seconds} s)`,
      );
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
      console.error(`${name}: FAILED, left unchanged`);
    }
  });
  await Array.fromAsync(runs);
  if (failures.length > 0) {
    console.error(`\n${failures.join("\n\n")}`);
    Deno.exit(1);
  }
}

if (import.meta.main) {
  try {
    await regenerate(Deno.args);
  } catch (error) {
    console.error((error as Error).message);
    Deno.exit(1);
  }
}
