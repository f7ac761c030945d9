/**
 * `deno task bench`: time per training epoch of our two engines ("handwritten" and
 * "tfjs") against the PyTorch twin of the original demo (bench/torch_twin.py)
 * over a grid of sentence lengths × model widths; chapter 7's training epoch
 * (bench/task_bench.ts) and two GPT-shaped trainings (bench/gpt_bench.ts),
 * each against its PyTorch twin from the same weights; whole-process CLI
 * time, memory and every notebook's headless Run All against its budget.
 * Writes bench/results/latest.md and bench/results/scaling.svg. Timings and
 * targets are reported, never asserted.
 *
 * Run `deno task bench --help` for the flags.
 * @module
 */

import * as tf from "@tensorflow/tfjs";
import { parseArgs } from "@std/cli/parse-args";
import {
  type EngineName,
  initParameters,
  lineChart,
  type LinePoint,
  prepareExperiment,
  toSvgString,
  trainExperiment,
} from "../lib/mod.ts";
import {
  median,
  NANOGPT_BATCH,
  NANOGPT_CPU,
  SMALL_BATCH,
  SMALL_GPT,
} from "./_gpt.ts";
import type { GptConfig } from "../lib/core/gpt.ts";
import { benchTask, type TaskBenchResult } from "./task_bench.ts";
import { PYTHON, torchAvailable } from "./_torch.ts";
import {
  describeCell,
  ensureKernel,
  errorOutputs,
  executeNotebook,
  listNotebooks,
} from "../tools/jupyter.ts";

const USAGE = `Usage: deno task bench [options]

Times one training epoch of the hand-written and tfjs engines and of the PyTorch twin
for seqLen ∈ {13, 64, 128, 512, 1024} × dModel ∈ {4, 16, 64}, chapter 7's
training epoch and GPT-shaped training steps (the small config and nanoGPT's
CPU config) against their PyTorch twins, compares the whole CLI processes,
reports memory and every notebook's Run All time against its budget, and
writes bench/results/latest.md and bench/results/scaling.svg.

Options:
  --smoke           tiny configuration for CI (under a minute): a tiny GPT of
                    a few steps, no notebooks; writes to bench/results/smoke.tmp/
  --no-torch        skip everything PyTorch
  --require-torch   fail if PyTorch cannot be imported by ${"/usr/bin/python3"}
  --no-task         skip chapter 7's training epoch
  --no-gpt          skip the GPT-shaped training steps
  --no-notebooks    skip executing the notebooks
  --no-cold         skip the cold-cache first runs (they download from npm)
  --help            show this help`;

/** Where the repository is, whatever the working directory. */
const ROOT = decodeURIComponent(new URL("../", import.meta.url).pathname);
/** GNU time, for the peak memory of a child process (Debian package `time`). */
const GNU_TIME = "/usr/bin/time";
/** The demo's 13 words; longer sentences append the fillers w0013, w0014, … */
const DEMO_WORDS = "the pink elephant tried to get into the car but it was too"
  .split(" ");
/** trainExperiment() accepts at most this many epochs per call (see resolveConfig). */
const MAX_EPOCHS_PER_CALL = 100_000;
/** Cap on numbers kept in a call's weight history (`[epochs, seqLen]`), ~32 MB. */
const MAX_HISTORY_NUMBERS = 4_000_000;

/** How much to measure. */
interface Plan {
  /** Sentence lengths, in tokens. */
  seqLens: number[];
  /** Model widths. */
  dModels: number[];
  /** Timed repeats per grid cell; the median is reported. */
  repeats: number;
  /** Aim for one repeat to take about this long. */
  targetMs: number;
  /** Never fewer epochs per repeat than this (unless one epoch is slow). */
  minEpochs: number;
  /** Warm up each cell for at least this long … */
  warmupMs: number;
  /** … and at least this many epochs (unless one epoch is slow). */
  warmupEpochs: number;
  /** An epoch slower than this is timed one at a time, at most 3 repeats. */
  slowEpochMs: number;
  /** Timed runs of each whole CLI process; the median is reported. */
  cliRuns: number;
  /** Epochs of the tfjs run that watches `tf.memory().numTensors`. */
  memoryEpochs: number;
  /** Timed epochs of chapter 7's training (after one warm-up epoch, the one compared). */
  taskRepeats: number;
  /** GPT-shaped configurations, each run by bench/gpt_bench.ts in its own process. */
  gpt: GptPlan[];
  /** Folder for latest.md and scaling.svg, relative to the repository. */
  outDir: string;
}

/** One GPT-shaped configuration to time (bench/gpt_bench.ts's flags). */
interface GptPlan {
  label: string;
  config: GptConfig;
  batch: number;
  /** Steps in all, warm-up included; the median is over the rest. */
  steps: number;
  warmup: number;
  /** The issue's target for tfjs / PyTorch per step, if any. */
  target?: number;
}

const FULL_PLAN: Plan = {
  seqLens: [13, 64, 128, 512, 1024],
  dModels: [4, 16, 64],
  repeats: 5,
  targetMs: 100,
  minEpochs: 3,
  warmupMs: 200,
  warmupEpochs: 3,
  slowEpochMs: 1000,
  cliRuns: 5,
  memoryEpochs: 200, // the CLI's default run
  taskRepeats: 5,
  gpt: [
    // issue 19: median over 30 steps after 5 warm-up, targets per step
    {
      label: "small",
      config: SMALL_GPT,
      batch: SMALL_BATCH,
      steps: 35,
      warmup: 5,
      target: 5,
    },
    {
      label: "nanoGPT's CPU config",
      config: NANOGPT_CPU,
      batch: NANOGPT_BATCH,
      steps: 35,
      warmup: 5,
      target: 4,
    },
  ],
  outDir: "bench/results",
};

const SMOKE_PLAN: Plan = {
  seqLens: [13, 64],
  dModels: [4],
  repeats: 2,
  targetMs: 5,
  minEpochs: 3,
  warmupMs: 10,
  warmupEpochs: 3,
  slowEpochMs: 1000,
  cliRuns: 1,
  memoryEpochs: 20,
  taskRepeats: 1,
  gpt: [{
    label: "tiny (smoke)",
    config: {
      vocabSize: 10,
      blockSize: 8,
      numLayers: 1,
      numHeads: 1,
      dModel: 8,
    },
    batch: 2,
    steps: 4,
    warmup: 1,
  }],
  outDir: "bench/results/smoke.tmp", // never overwrites the committed results
};

/** The three implementations, in table and chart order. */
const IMPLEMENTATIONS = ["handwritten", "tfjs", "pytorch"] as const;
type Implementation = typeof IMPLEMENTATIONS[number];

/** The issues' targets at some grid cells: handwritten/pytorch and tfjs/pytorch. */
const TARGETS: {
  seqLen: number;
  dModel: number;
  handwritten: number;
  tfjs: number;
}[] = [
  { seqLen: 13, dModel: 4, handwritten: 0.5, tfjs: 2 }, // the demo's size
  { seqLen: 128, dModel: 16, handwritten: 1.0, tfjs: 2 },
  { seqLen: 512, dModel: 64, handwritten: 1.0, tfjs: 5 },
];
/** Target for the whole default CLI process against the whole twin process. */
const CLI_TARGET = 0.5;
/** Target for chapter 7's training epoch, tfjs / PyTorch (issue 19). */
const TASK_TARGET = 3;
/** Seconds a notebook's Run All may take (issue 19; chapters 10–12: their own issues). */
const NOTEBOOK_BUDGET_SECONDS = 60;
const NOTEBOOK_BUDGETS: Record<string, number> = {
  "10": 90,
  "11": 120,
  "12": 120,
};

/**
 * The budget of a notebook's headless Run All, in seconds.
 *
 * @param name The file name, such as `"11_a_small_gpt.ipynb"`.
 * @returns 90 for chapter 10, 120 for chapters 11 and 12, else 60.
 *
 * @example
 * ```ts
 * import { notebookBudget } from "./bench.ts";
 * if (notebookBudget("11_a_small_gpt.ipynb") !== 120) throw new Error();
 * if (notebookBudget("A1_engineering_notes.ipynb") !== 60) throw new Error();
 * ```
 */
export function notebookBudget(name: string): number {
  return NOTEBOOK_BUDGETS[name.slice(0, 2)] ?? NOTEBOOK_BUDGET_SECONDS;
}

/**
 * Ratios against PyTorch are published only when the machine was quiet: the
 * 1-minute load average below this per core, at every sample. Under load the
 * twin slows far more than tfjs (10–15× at load 15), so a loaded ratio says
 * nothing about the code.
 */
export const QUIET_LOAD_PER_CORE = 0.5;

/** The 1-minute load averages sampled before and after one part of the run. */
interface LoadSection {
  name: string;
  samples: number[];
}

/** Every part's samples, in order. */
const loadSections: LoadSection[] = [];

/**
 * Starts a part: samples the load average now (call {@linkcode endSection}
 * after). With `coolDown`, first waits (up to 3 minutes) until the 1-minute
 * load average is below half the quiet limit: the benchmark's own busy core
 * drives the average towards 1 on its own, and a part that starts at 0.9
 * would end above the limit although nothing else ran.
 */
async function startSection(
  name: string,
  coolDown = false,
): Promise<LoadSection> {
  const calm = QUIET_LOAD_PER_CORE * navigator.hardwareConcurrency / 2;
  const until = Date.now() + 180_000;
  while (coolDown && Deno.loadavg()[0] >= calm && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  const section = { name, samples: [Deno.loadavg()[0]] };
  loadSections.push(section);
  return section;
}

/** Ends a part: samples the load average again. */
function endSection(section: LoadSection): void {
  section.samples.push(Deno.loadavg()[0]);
}

/**
 * Whether every sample of a part was below {@linkcode QUIET_LOAD_PER_CORE}
 * per core: only then are its ratios published.
 */
function machineWasQuiet(section: LoadSection | undefined): boolean {
  return section !== undefined && section.samples.length > 0 &&
    Math.max(...section.samples) <
      QUIET_LOAD_PER_CORE * navigator.hardwareConcurrency;
}

/** The line under a section's heading: its load samples and what they allow. */
function loadLine(section: LoadSection | undefined): string {
  if (section === undefined) return "Load average: not sampled (not run).";
  return `1-minute load average before → after: ${
    section.samples.map((l) => l.toFixed(2)).join(" → ")
  } on ${navigator.hardwareConcurrency} cores: ${
    machineWasQuiet(section)
      ? "quiet, ratios published"
      : `loaded (≥ ${QUIET_LOAD_PER_CORE} per core), so no ratio is published: the times say how this run went, not how the implementations compare`
  }.`;
}

/** One grid cell's timing for one implementation. */
interface Timing {
  seqLen: number;
  dModel: number;
  /** Median of the repeats. */
  msPerEpoch: number;
  /** Milliseconds per epoch of every repeat. */
  repeats: number[];
  epochsPerRepeat: number;
  warmupEpochs: number;
}

/**
 * The benchmark sentence of `seqLen` tokens: the demo's 13 words, then the
 * distinct fillers `w0013`, `w0014`, … exactly as `bench_sentence` in
 * bench/torch_twin.py, so both sides train the same problem (focus word "it",
 * size words elephant, car, too; vocabSize = seqLen − 1 as "the" repeats).
 *
 * @param seqLen Number of tokens, at least 13.
 * @returns The sentence.
 * @throws {RangeError} When `seqLen` is below 13.
 *
 * @example
 * ```ts
 * import { benchSentence } from "./bench.ts";
 * if (!benchSentence(15).endsWith("too w0013 w0014")) throw new Error();
 * ```
 */
export function benchSentence(seqLen: number): string {
  if (!Number.isInteger(seqLen) || seqLen < DEMO_WORDS.length) {
    throw new RangeError(
      `seqLen must be a whole number ≥ ${DEMO_WORDS.length}, got ${seqLen}`,
    );
  }
  const fillers = Array.from(
    { length: seqLen - DEMO_WORDS.length },
    (_, i) => `w${String(DEMO_WORDS.length + i).padStart(4, "0")}`,
  );
  return [...DEMO_WORDS, ...fillers].join(" ");
}

// --------------------------------------------------------------------------
// Our engines

/**
 * The tfjs backends the tfjs engine trained on, read during its epochs (the
 * trainer picks the fastest unless told otherwise), not at the end of the run.
 */
const tfjsEngineBackends = new Set<string>();

/**
 * Times one engine on one grid cell.
 *
 * What is timed: within one `trainExperiment()` call, the time from the `onEpoch`
 * callback of epoch 0 to that of epoch `k` covers exactly `k` whole epochs of
 * the trainer as the CLI runs them — the step (forward, gradients, Adam), the
 * loss read back, the weights copied into the history, the callback (one
 * `performance.now()`). Nothing is subtracted. Left out, like the PyTorch
 * twin leaves out building its trainer: the one-off setup of a call
 * (copying the parameters, building the kernel or the tfjs variables) and its
 * epoch 0, in which tfjs creates the Adam optimizer's slots.
 *
 * Before that, warm-up `trainExperiment()` calls of growing length run until
 * `plan.warmupMs` has passed (V8 compiles the hot loops, tfjs its kernels);
 * the last one's per-epoch time sizes the repeats to about `plan.targetMs`.
 * Repeats are consecutive stretches of one call (capped so the weight
 * history stays small), and the median repeat is reported.
 */
async function timeEngine(
  engine: EngineName,
  seqLen: number,
  dModel: number,
  plan: Plan,
): Promise<Timing> {
  const sentence = benchSentence(seqLen);
  const probe = prepareExperiment({ sentence, dModel, epochs: 1 });
  if (probe.tokens.length !== seqLen) {
    throw new Error(`benchmark sentence has ${probe.tokens.length} tokens`);
  }
  const initialParameters = initParameters(
    probe.vocabulary.words.length,
    dModel,
    { seed: probe.config.seed },
  );
  const maxEpochs = Math.min(
    MAX_EPOCHS_PER_CALL,
    Math.floor(MAX_HISTORY_NUMBERS / seqLen),
  );
  const run = async (epochs: number): Promise<number[]> => {
    const stamps: number[] = [];
    await trainExperiment(prepareExperiment({ sentence, dModel, epochs }), {
      engine,
      initialParameters,
      onEpoch: () => {
        // once per call, before the first timestamp: outside every timed stretch
        if (engine === "tfjs" && stamps.length === 0) {
          tfjsEngineBackends.add(tf.getBackend());
        }
        stamps.push(performance.now());
        // after the last timestamp, so outside every timed stretch
        if (stamps.length === epochs) sampleMemory();
      },
    });
    return stamps;
  };

  let warmupEpochs = 0;
  let spent = 0;
  let estimate = Infinity; // ms per epoch
  let epochs = engine === "handwritten" ? 16 : 1;
  while (true) {
    const start = performance.now();
    const stamps = await run(epochs);
    const elapsed = performance.now() - start;
    spent += elapsed;
    warmupEpochs += epochs;
    estimate = epochs > 1
      ? (stamps[epochs - 1] - stamps[0]) / (epochs - 1)
      : elapsed; // one epoch: the whole call, setup included (an overestimate)
    const slow = estimate >= plan.slowEpochMs;
    if (spent >= plan.warmupMs && (warmupEpochs >= plan.warmupEpochs || slow)) {
      break;
    }
    epochs = Math.min(epochs * 2, maxEpochs);
  }

  const slow = estimate >= plan.slowEpochMs;
  const repeats = slow ? Math.min(plan.repeats, 3) : plan.repeats;
  const epochsPerRepeat = slow ? 1 : Math.max(
    plan.minEpochs,
    Math.min(
      Math.round(plan.targetMs / estimate),
      Math.floor((maxEpochs - 1) / repeats),
    ),
  );
  const stamps = await run(1 + repeats * epochsPerRepeat);
  const perEpoch = Array.from(
    { length: repeats },
    (_, r) =>
      (stamps[(r + 1) * epochsPerRepeat] - stamps[r * epochsPerRepeat]) /
      epochsPerRepeat,
  );
  return {
    seqLen,
    dModel,
    msPerEpoch: median(perEpoch),
    repeats: perEpoch,
    epochsPerRepeat,
    warmupEpochs,
  };
}

// --------------------------------------------------------------------------
// PyTorch

interface TorchGrid {
  torch: string;
  /** The CPU's model name, as the twin reads it from /proc/cpuinfo. */
  cpu: string;
  threads: number;
  results: Timing[];
  maxRssKiB: number;
}

export { torchAvailable };

/** Runs the twin's `--bench-grid` with the same plan; one torch thread. */
async function torchGrid(plan: Plan): Promise<TorchGrid> {
  const out = await new Deno.Command(PYTHON, {
    args: [
      "bench/torch_twin.py",
      "--bench-grid",
      plan.seqLens.join(","),
      plan.dModels.join(","),
      "--seed",
      "0",
      "--repeats",
      String(plan.repeats),
      "--warmup",
      String(plan.warmupEpochs),
      "--warmup-ms",
      String(plan.warmupMs),
      "--target-ms",
      String(plan.targetMs),
      "--min-epochs",
      String(plan.minEpochs),
    ],
    cwd: ROOT,
    // the twin calls torch.set_num_threads(1); these keep OpenMP/MKL at one too
    env: { OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return lastJsonLine(out, "torch_twin.py --bench-grid") as TorchGrid;
}

/**
 * The last line of a child's output that starts with `{`, parsed: what the
 * twins and bench:gpt print their results as.
 * @throws {Error} When the child failed or printed none, with its stderr's last lines.
 */
function lastJsonLine(out: Deno.CommandOutput, what: string): unknown {
  const line = decode(out.stdout).split("\n").findLast((l) =>
    l.startsWith("{")
  );
  if (out.code !== 0 || line === undefined) {
    throw new Error(
      `${what} exited with ${out.code}: ${
        decode(out.stderr).trim().split("\n").slice(-3).join(" | ")
      }`,
    );
  }
  return JSON.parse(line);
}

// --------------------------------------------------------------------------
// GPT-shaped training

/** What bench/gpt_bench.ts --json reports (the fields used here). */
interface GptReport {
  msPerStep: number;
  backend: string;
  peakRssMiB: number;
  numTensorsPerStep: number[];
  torch?: { msPerStep: number; version: string; maxLossGap: number };
}

/** One GPT configuration's row: the report, or why there is none. */
interface GptRow {
  plan: GptPlan;
  report?: GptReport;
  error?: string;
}

/**
 * Runs `deno task bench:gpt` for one configuration in its own process (so
 * its peak RSS is its own, not this bench's), with `--torch`: the PyTorch
 * twin (bench/torch_gpt.py, one thread) from the same weights on the same
 * batches, right after, in the same process tree. The ratio is computed
 * here, under this bench's load rule.
 */
async function runGpt(plan: GptPlan, torch: boolean): Promise<GptReport> {
  const c = plan.config;
  const out = await new Deno.Command("deno", {
    args: [
      "run",
      "--allow-read",
      "--allow-sys=loadavg",
      "--allow-run=/usr/bin/python3",
      "bench/gpt_bench.ts",
      "--json",
      ...(torch ? ["--torch"] : []),
      ...Object.entries({
        layers: c.numLayers,
        heads: c.numHeads,
        "d-model": c.dModel,
        block: c.blockSize,
        vocab: c.vocabSize,
        batch: plan.batch,
        steps: plan.steps,
        warmup: plan.warmup,
      }).flatMap(([flag, value]) => [`--${flag}`, String(value)]),
    ],
    cwd: ROOT,
    env: { NO_COLOR: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return lastJsonLine(out, `bench/gpt_bench.ts (${plan.label})`) as GptReport;
}

/** The header of the GPT table (the smoke test looks for it). */
const GPT_HEADER = [
  "configuration",
  "backend",
  "tfjs ms/step",
  "pytorch ms/step",
  "largest loss difference",
  "tfjs/pytorch",
  "target",
  "vs target",
  "peak RSS, MiB",
  "tensors per step constant",
];

function describeGpt(plan: GptPlan): string {
  const c = plan.config;
  return `${plan.label}: ${c.numLayers} layers, ${c.numHeads} heads, dModel ${c.dModel}, block ${c.blockSize}, batch ${plan.batch}, vocab ${c.vocabSize}`;
}

function gptTable(rows: GptRow[], load: LoadSection | undefined): string {
  const quiet = machineWasQuiet(load);
  return markdownTable(
    GPT_HEADER,
    rows.map(({ plan, report: r, error }) => {
      if (r === undefined) {
        return [
          describeGpt(plan),
          "—",
          `FAILED: ${error}`,
          ...GPT_HEADER.slice(3).map(() => "—"),
        ];
      }
      const ratio = r.torch ? r.msPerStep / r.torch.msPerStep : undefined;
      const tensors = r.numTensorsPerStep;
      return [
        describeGpt(plan),
        r.backend,
        fmt(r.msPerStep),
        r.torch ? fmt(r.torch.msPerStep) : "—",
        r.torch ? r.torch.maxLossGap.toExponential(1) : "—",
        ratio === undefined ? "—" : quiet ? fmt(ratio) : "loaded",
        plan.target === undefined ? "—" : `≤ ${plan.target}`,
        verdict(ratio, plan.target, quiet),
        r.peakRssMiB.toFixed(0),
        tensors.length === 1
          ? `yes (${tensors[0]})`
          : `no (${tensors.join(", ")})`,
      ];
    }),
    ["l", "l", "r", "r", "r", "r", "l", "l", "r", "l"],
  );
}

/** PASS or FAIL against a target, only for a ratio taken on a quiet machine. */
function verdict(
  ratio: number | undefined,
  target: number | undefined,
  quiet: boolean,
): string {
  return target === undefined
    ? "—"
    : ratio === undefined
    ? "n/a"
    : !quiet
    ? "not judged (loaded)"
    : ratio <= target
    ? "PASS"
    : "FAIL";
}

// --------------------------------------------------------------------------
// Chapter 7's training epoch

/** The header of chapter 7's table (the smoke test looks for it). */
const TASK_HEADER = [
  "steps per epoch",
  "backend",
  "tfjs ms/epoch",
  "pytorch ms/epoch",
  "largest loss difference",
  "tfjs/pytorch",
  "target",
  "vs target",
];

function taskTable(r: TaskBenchResult, load: LoadSection | undefined): string {
  const quiet = machineWasQuiet(load);
  const ratio = r.torchMs === undefined ? undefined : r.tfjsMs / r.torchMs;
  return markdownTable(TASK_HEADER, [[
    String(r.steps),
    r.backend,
    fmt(r.tfjsMs),
    r.torchMs === undefined ? "—" : fmt(r.torchMs),
    r.lossDiff === undefined ? "—" : r.lossDiff.toExponential(1),
    ratio === undefined ? "—" : quiet ? fmt(ratio) : "loaded",
    `≤ ${TASK_TARGET}`,
    verdict(ratio, TASK_TARGET, quiet),
  ]], ["r", "l", "r", "r", "r", "r", "l", "l"]);
}

// --------------------------------------------------------------------------
// Whole processes

interface ProcessTiming {
  /** From spawning to the last chunk of output on stdout. */
  lastLineMs: number;
  /** From spawning to the exit status. */
  exitMs: number;
}

interface CliRow {
  label: string;
  command: string[];
  runs: ProcessTiming[];
  /** Peak resident memory in KiB under GNU time, if measured. */
  maxRssKiB?: number;
}

/** Runs a command once, timing its last output line and its exit. */
async function timeProcess(command: string[]): Promise<ProcessTiming> {
  const start = performance.now();
  const child = new Deno.Command(command[0], {
    args: command.slice(1),
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let last = start;
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    last = performance.now();
    text += decoder.decode(chunk, { stream: true });
  }
  const status = await child.status;
  const end = performance.now();
  if (!status.success || !text.includes("Combined weight")) {
    throw new Error(
      `${command.join(" ")} exited with ${status.code}: ${
        (await stderr).trim().split("\n").slice(-3).join(" | ")
      }`,
    );
  }
  return { lastLineMs: last - start, exitMs: end - start };
}

/** Peak resident memory of one run under GNU time, in KiB; undefined if GNU time is missing. */
async function peakRssKiB(command: string[]): Promise<number | undefined> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(GNU_TIME, {
      args: ["-f", "%M", ...command],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "null",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const lastLine = decode(out.stderr).trim().split("\n").at(-1) ?? "";
  const kib = Number(lastLine);
  if (out.code !== 0 || !Number.isFinite(kib)) {
    throw new Error(`${GNU_TIME} ${command.join(" ")}: ${lastLine}`);
  }
  return kib;
}

/**
 * The whole default CLI (`deno run lib/cli.ts`, and `deno task attention`)
 * against the whole twin process, each started `plan.cliRuns` times after
 * one untimed start; runs are interleaved so drift hits all alike.
 */
async function compareClis(plan: Plan, torch: boolean): Promise<CliRow[]> {
  const rows: CliRow[] = [
    {
      label: "deno run lib/cli.ts",
      command: ["deno", "run", "lib/cli.ts"],
      runs: [],
    },
    {
      label: "deno task attention",
      command: ["deno", "task", "attention"],
      runs: [],
    },
  ];
  if (torch) {
    rows.push({
      label: "python3 bench/torch_twin.py",
      command: [PYTHON, "bench/torch_twin.py"],
      runs: [],
    });
  }
  for (const row of rows) await timeProcess(row.command); // warm the file cache
  for (let i = 0; i < plan.cliRuns; i++) {
    for (const row of rows) row.runs.push(await timeProcess(row.command));
  }
  for (const row of rows) {
    if (row.label !== "deno task attention") {
      row.maxRssKiB = await peakRssKiB(row.command);
    }
  }
  return rows;
}

// --------------------------------------------------------------------------
// First run on an empty cache

/** One command run once with an empty Deno cache. */
interface ColdRun {
  label: string;
  /** Seconds from start to exit, downloads included. */
  seconds: number;
  /** npm packages (name@version) in the cache afterwards. */
  packages: number;
}

/** The same measurements before these layouts (this machine, loaded). */
const COLD_BEFORE =
  "before the workspace split and lazy loading (commit ea3789a): " +
  "`deno run lib/cli.ts` took 29.0 s and downloaded 132 npm packages " +
  "(the issue measured 26 s and 135 for `deno task attention`); " +
  "with tools/ and tests/integration/ workspace members (commit 2fd051f), " +
  "every `deno task` downloaded 134, the workshop's packages included";

/**
 * Runs commands the way a reader's first run does: each with its own empty
 * `DENO_DIR` (inside the results folder, deleted afterwards), counting the
 * npm packages Deno downloaded.
 */
async function coldRuns(outDir: string): Promise<ColdRun[]> {
  const cli = ["deno", "run", "--allow-read=lib", "lib/cli.ts"];
  const commands: [string, string[]][] = [
    ["deno run --allow-read=lib lib/cli.ts", cli],
    ["deno run --allow-read=lib lib/cli.ts --engine tfjs", [
      ...cli,
      "--engine",
      "tfjs",
    ]],
    ["deno cache lib/mod.ts (what a notebook imports)", [
      "deno",
      "cache",
      "lib/mod.ts",
    ]],
    // deno task installs every npm package of deno.lock before any task
    ["deno task attention", ["deno", "task", "attention"]],
    // registers the kernel in a temporary Jupyter data folder (below)
    ["deno task setup", ["deno", "task", "setup"]],
  ];
  const runs: ColdRun[] = [];
  for (const [label, command] of commands) {
    const cache = `${outDir}/cold-cache.tmp`;
    const jupyter = `${outDir}/cold-jupyter.tmp`;
    for (const dir of [cache, jupyter]) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      await Deno.mkdir(dir, { recursive: true });
    }
    try {
      const start = performance.now();
      const out = await new Deno.Command(command[0], {
        args: command.slice(1),
        cwd: ROOT,
        env: { NO_COLOR: "1", DENO_DIR: cache, JUPYTER_DATA_DIR: jupyter },
        stdout: "null",
        stderr: "piped",
      }).output();
      const seconds = (performance.now() - start) / 1000;
      if (!out.success) {
        throw new Error(
          `${label} failed on an empty cache: ${
            decode(out.stderr).trim().split("\n").at(-1)
          }`,
        );
      }
      runs.push({ label, seconds, packages: await countPackages(cache) });
    } finally {
      for (const dir of [cache, jupyter]) {
        await Deno.remove(dir, { recursive: true }).catch(() => {});
      }
    }
  }
  return runs;
}

// name@version folders under the cache's npm registry folder (scoped too).
async function countPackages(cache: string): Promise<number> {
  const registry = `${cache}/npm/registry.npmjs.org`;
  const folders = async (path: string) => {
    const names: string[] = [];
    try {
      for await (const e of Deno.readDir(path)) {
        if (e.isDirectory) names.push(e.name);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return names;
  };
  let count = 0;
  for (const name of await folders(registry)) {
    const packages = name.startsWith("@")
      ? (await folders(`${registry}/${name}`)).map((n) => `${name}/${n}`)
      : [name];
    for (const p of packages) {
      count += (await folders(`${registry}/${p}`)).length;
    }
  }
  return count;
}

// --------------------------------------------------------------------------
// Memory

let sampledRss = 0;

/**
 * Keeps the largest resident set size seen so far. Sampled in the last epoch
 * of every `trainExperiment()` call, when its history is longest (Deno grants reading
 * /proc/self/status, the kernel's exact peak, only with --allow-all).
 */
function sampleMemory(): void {
  sampledRss = Math.max(sampledRss, Deno.memoryUsage().rss);
}

/** The largest resident set size of this process sampled so far, in KiB. */
function processPeakKiB(): number {
  sampleMemory();
  return Math.round(sampledRss / 1024);
}

interface TensorWatch {
  before: number;
  counts: number[];
  after: number;
}

/** `tf.memory().numTensors` before, at every epoch of, and after a tfjs-engine run. */
async function watchTensors(plan: Plan): Promise<TensorWatch> {
  const before = tf.memory().numTensors;
  const counts: number[] = [];
  await trainExperiment(prepareExperiment({ epochs: plan.memoryEpochs }), {
    engine: "tfjs",
    onEpoch: () => {
      counts.push(tf.memory().numTensors);
    },
  });
  return { before, counts, after: tf.memory().numTensors };
}

// --------------------------------------------------------------------------
// Notebooks

/**
 * Whether `jupyter nbconvert` and nbclient run, with the tutorial's kernel
 * registered (in a private Jupyter data folder, as the notebook tests do:
 * executeNotebook runs with it).
 */
async function jupyterReady(): Promise<string | undefined> {
  try {
    await ensureKernel();
    return undefined;
  } catch (error) {
    return errorMessage(error).split("\n")[0];
  }
}

interface NotebookRun {
  name: string;
  ms: number;
  ok: boolean;
  error?: string;
}

/**
 * Executes every notebook headless, one after the other, with the runner the
 * notebook tests and `deno task notebooks` use (tools/jupyter.ts): the
 * committed files are read, never written.
 */
async function runNotebooks(paths: string[]): Promise<NotebookRun[]> {
  const runs: NotebookRun[] = [];
  for (const path of paths) {
    const name = path.slice(path.lastIndexOf("/") + 1);
    const start = performance.now();
    let error: string | undefined;
    try {
      const executed = await executeNotebook(path);
      error = errorOutputs(executed).map(({ cellIndex, output }) =>
        `${
          describeCell(executed, cellIndex)
        }: ${output.ename}: ${output.evalue}`
      )[0];
    } catch (e) {
      error = errorMessage(e).split("\n").slice(0, 2).join(" | ");
    }
    const ms = performance.now() - start;
    runs.push({ name, ms, ok: error === undefined, error });
    console.log(
      `  ${name}: ${error === undefined ? fmt(ms / 1000) + " s" : "FAILED"}`,
    );
  }
  return runs;
}

// --------------------------------------------------------------------------
// Formatting

/** A number with about 3 significant digits, never in exponent notation. */
function fmt(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1000) return value.toFixed(0);
  if (abs >= 100) return value.toFixed(1);
  if (abs >= 10) return value.toFixed(2);
  if (abs >= 1) return value.toFixed(3);
  return value.toPrecision(3);
}

function mib(kib: number | undefined): string {
  return kib === undefined ? "n/a" : (kib / 1024).toFixed(0);
}

/** A markdown table whose columns are padded to their headers (a fixed layout). */
function markdownTable(
  header: string[],
  rows: string[][],
  align: ("l" | "r")[],
): string {
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((r) => r[i].length))
  );
  const line = (cells: string[]) =>
    "| " +
    cells.map((c, i) =>
      align[i] === "r" ? c.padStart(widths[i]) : c.padEnd(widths[i])
    ).join(" | ") + " |";
  const rule = "|" +
    widths.map((w, i) =>
      align[i] === "r" ? "-".repeat(w + 1) + ":" : ":" + "-".repeat(w + 1)
    ).join("|") + "|";
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The header of the main table (the smoke test looks for it). */
const EPOCH_HEADER = [
  "seqLen",
  "dModel",
  "handwritten ms/epoch",
  "tfjs ms/epoch",
  "pytorch ms/epoch",
  "handwritten/pytorch",
  "tfjs/pytorch",
  "targets (hw, tfjs)",
  "handwritten vs target",
  "tfjs vs target",
];

type Grid = Map<Implementation, Map<string, Timing>>;
const key = (seqLen: number, dModel: number) => `${seqLen}×${dModel}`;

function epochTable(
  plan: Plan,
  grid: Grid,
  load: LoadSection | undefined,
): string {
  const rows: string[][] = [];
  for (const seqLen of plan.seqLens) {
    for (const dModel of plan.dModels) {
      const at = (impl: Implementation) =>
        grid.get(impl)?.get(key(seqLen, dModel))?.msPerEpoch;
      const [handwritten, tfjs, torch] = IMPLEMENTATIONS.map(at);
      const cell = (v: number | undefined) => v === undefined ? "—" : fmt(v);
      const quiet = machineWasQuiet(load);
      const ratio = (v: number | undefined) =>
        v === undefined || torch === undefined
          ? "—"
          : quiet
          ? fmt(v / torch)
          : "loaded";
      const target = TARGETS.find((t) =>
        t.seqLen === seqLen && t.dModel === dModel
      );
      const status = (v: number | undefined, max: number | undefined) =>
        verdict(
          v === undefined || torch === undefined ? undefined : v / torch,
          max,
          quiet,
        );
      rows.push([
        String(seqLen),
        String(dModel),
        cell(handwritten),
        cell(tfjs),
        cell(torch),
        ratio(handwritten),
        ratio(tfjs),
        target ? `≤ ${target.handwritten}, ≤ ${target.tfjs}` : "",
        status(handwritten, target?.handwritten),
        status(tfjs, target?.tfjs),
      ]);
    }
  }
  return markdownTable(EPOCH_HEADER, rows, [
    "r",
    "r",
    "r",
    "r",
    "r",
    "r",
    "r",
    "l",
    "l",
    "l",
  ]);
}

function detailTable(plan: Plan, grid: Grid): string {
  const rows: string[][] = [];
  for (const seqLen of plan.seqLens) {
    for (const dModel of plan.dModels) {
      rows.push([
        String(seqLen),
        String(dModel),
        ...IMPLEMENTATIONS.map((impl) => {
          const t = grid.get(impl)?.get(key(seqLen, dModel));
          return t === undefined
            ? "—"
            : `${t.warmupEpochs} + ${t.repeats.length} × ${t.epochsPerRepeat}`;
        }),
      ]);
    }
  }
  return markdownTable(
    [
      "seqLen",
      "dModel",
      ...IMPLEMENTATIONS.map((impl) => `${impl}: warm-up + repeats × epochs`),
    ],
    rows,
    ["r", "r", "r", "r", "r"],
  );
}

function cliTable(rows: CliRow[]): string {
  return markdownTable(
    [
      "process",
      "runs",
      "start → last line, ms (median)",
      "start → exit, ms (median)",
      "peak RSS, MiB",
    ],
    rows.map((row) => [
      row.label,
      String(row.runs.length),
      fmt(median(row.runs.map((r) => r.lastLineMs))),
      fmt(median(row.runs.map((r) => r.exitMs))),
      row.label === "deno task attention" ? "—" : mib(row.maxRssKiB),
    ]),
    ["l", "r", "r", "r", "r"],
  );
}

function cliVerdicts(rows: CliRow[], load: LoadSection | undefined): string[] {
  const python = rows.find((r) => r.command[0] === PYTHON);
  if (python === undefined) return ["No PyTorch twin: no CLI ratio."];
  if (!machineWasQuiet(load)) {
    return [
      "No CLI ratio: the machine was loaded (see the load average above).",
    ];
  }
  const base = median(python.runs.map((r) => r.lastLineMs));
  return rows.filter((r) => r !== python).map((row) => {
    const ratio = median(row.runs.map((r) => r.lastLineMs)) / base;
    return `${row.label} / python twin = ${fmt(ratio)} (target ≤ ${
      CLI_TARGET.toFixed(1)
    }: ${ratio <= CLI_TARGET ? "PASS" : "FAIL"})`;
  });
}

function scalingChart(plan: Plan, grid: Grid): string {
  const points: LinePoint[] = [];
  for (const impl of IMPLEMENTATIONS) {
    for (const dModel of plan.dModels) {
      for (const seqLen of plan.seqLens) {
        const t = grid.get(impl)?.get(key(seqLen, dModel));
        if (t !== undefined) {
          points.push({
            x: seqLen,
            y: t.msPerEpoch,
            series: `${impl} d=${dModel}`,
          });
        }
      }
    }
  }
  return toSvgString(
    lineChart(points, {
      title: "Time per training epoch against sentence length",
      subtitle: "one CPU thread; median of repeats; both axes logarithmic",
      xType: "log",
      yType: "log",
      xTicks: [...new Set(points.map((p) => p.x))],
      xLabel: "seqLen (tokens) →",
      yLabel: "↑ ms per epoch",
      width: 720,
    }),
  );
}

function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// --------------------------------------------------------------------------
// Main

interface Flags {
  smoke: boolean;
  torch: boolean;
  requireTorch: boolean;
  task: boolean;
  gpt: boolean;
  notebooks: boolean;
  cold: boolean;
}

function parseFlags(args: string[]): Flags | "help" {
  const negatable = ["torch", "task", "gpt", "notebooks", "cold"];
  const flags = parseArgs(args, {
    boolean: ["smoke", "require-torch", "help", ...negatable],
    negatable,
    default: Object.fromEntries(negatable.map((n) => [n, true])),
    alias: { h: "help" },
    unknown: (arg: string) => {
      throw new RangeError(
        `unknown option ${
          JSON.stringify(arg)
        }; run with --help for the options`,
      );
    },
  });
  if (flags.help) return "help";
  return {
    smoke: flags.smoke,
    torch: flags.torch,
    requireTorch: flags["require-torch"],
    task: flags.task,
    gpt: flags.gpt,
    notebooks: flags.notebooks,
    cold: flags.cold,
  };
}

async function main(args: string[]): Promise<number> {
  let parsed: Flags | "help";
  try {
    parsed = parseFlags(args);
  } catch (error) {
    console.error(`error: ${errorMessage(error)}`);
    return 2;
  }
  if (parsed === "help") {
    console.log(USAGE);
    return 0;
  }
  const flags = parsed;
  const plan = flags.smoke ? SMOKE_PLAN : FULL_PLAN;
  const started = performance.now();
  const notes: string[] = [];
  const failures: string[] = [];

  // Is PyTorch there?
  let useTorch = flags.torch;
  if (!flags.torch) {
    notes.push("PyTorch skipped (--no-torch): no PyTorch columns.");
  } else {
    const check = await torchAvailable();
    if (!check.ok) {
      const note =
        `PyTorch is not importable by ${PYTHON} (${check.reason}). Install it with \`deno task bench-setup\` (runs \`apt-get install python3-torch\`, Debian/Ubuntu) to get the PyTorch columns; continuing without them.`;
      if (flags.requireTorch) {
        console.error(
          `error: ${note.replace("; continuing without them", "")}`,
        );
        return 1;
      }
      notes.push(note);
      useTorch = false;
    }
  }
  for (const note of notes) console.log(`note: ${note}`);

  // Per-epoch grid. All hand-written cells first, then all tfjs cells, so the
  // tfjs heap never sits under the hand-written engine's timings; PyTorch
  // runs last, alone.
  const gridLoad = await startSection("demo grid", !flags.smoke);
  const grid: Grid = new Map();
  for (const engine of ["handwritten", "tfjs"] as const) {
    console.log(`\n${engine} engine (ms per epoch):`);
    const cells = new Map<string, Timing>();
    for (const seqLen of plan.seqLens) {
      for (const dModel of plan.dModels) {
        const t = await timeEngine(engine, seqLen, dModel, plan);
        cells.set(key(seqLen, dModel), t);
        console.log(
          `  ${key(seqLen, dModel)}: ${
            fmt(t.msPerEpoch)
          } (${t.repeats.length} × ${t.epochsPerRepeat} epochs)`,
        );
      }
    }
    grid.set(engine, cells);
  }
  const peakAfterHandwritten = processPeakKiB();
  let torchInfo: TorchGrid | undefined;
  if (useTorch) {
    console.log("\npytorch twin (ms per epoch):");
    try {
      torchInfo = await torchGrid(plan);
      grid.set(
        "pytorch",
        new Map(torchInfo.results.map((t) => [key(t.seqLen, t.dModel), t])),
      );
      for (const t of torchInfo.results) {
        console.log(
          `  ${key(t.seqLen, t.dModel)}: ${
            fmt(t.msPerEpoch)
          } (${t.repeats.length} × ${t.epochsPerRepeat} epochs)`,
        );
      }
    } catch (error) {
      failures.push(errorMessage(error));
      console.log(`  FAILED: ${errorMessage(error)}`);
    }
  }
  endSection(gridLoad);

  // Chapter 7's training epoch, through the one trainer.
  let task: TaskBenchResult | undefined;
  let taskLoad: LoadSection | undefined;
  let taskNote: string | undefined;
  if (!flags.task) {
    taskNote = "Not measured (--no-task).";
  } else {
    console.log("\nchapter 7's training epoch…");
    taskLoad = await startSection("chapter 7", !flags.smoke);
    try {
      task = await benchTask(plan.taskRepeats, { torch: useTorch });
      console.log(
        `  tfjs (${task.backend}) ${fmt(task.tfjsMs)} ms${
          task.torchMs === undefined ? "" : `, pytorch ${fmt(task.torchMs)} ms`
        }`,
      );
    } catch (error) {
      failures.push(errorMessage(error));
      taskNote = `FAILED: ${errorMessage(error)}`;
      console.log(`  ${taskNote}`);
    }
    endSection(taskLoad);
  }

  // GPT-shaped training, each configuration in its own process.
  const gptRows: GptRow[] = [];
  let gptLoad: LoadSection | undefined;
  if (flags.gpt) {
    console.log("\nGPT-shaped training (ms per step)…");
    gptLoad = await startSection("GPT", !flags.smoke);
    for (const gptPlan of plan.gpt) {
      try {
        const report = await runGpt(gptPlan, useTorch);
        gptRows.push({ plan: gptPlan, report });
        console.log(
          `  ${gptPlan.label}: tfjs (${report.backend}) ${
            fmt(report.msPerStep)
          }${report.torch ? `, pytorch ${fmt(report.torch.msPerStep)}` : ""}`,
        );
      } catch (error) {
        failures.push(errorMessage(error));
        gptRows.push({ plan: gptPlan, error: errorMessage(error) });
        console.log(`  FAILED: ${errorMessage(error)}`);
      }
    }
    endSection(gptLoad);
  }

  // Whole processes.
  console.log("\nwhole CLI processes…");
  const cliLoad = await startSection("whole CLI", !flags.smoke);
  let cliRows: CliRow[] = [];
  try {
    cliRows = await compareClis(plan, useTorch);
  } catch (error) {
    failures.push(errorMessage(error));
    console.log(`  FAILED: ${errorMessage(error)}`);
  }
  endSection(cliLoad);
  const gnuTime = cliRows.some((r) => r.maxRssKiB !== undefined);
  if (cliRows.length > 0 && !gnuTime) {
    notes.push(
      `${GNU_TIME} not found: no peak memory of the CLI processes (install the Debian package \`time\`).`,
    );
  }

  // First runs on an empty cache.
  let cold: ColdRun[] = [];
  let coldNote: string | undefined;
  if (flags.smoke || !flags.cold) {
    coldNote = `not measured (${flags.smoke ? "--smoke" : "--no-cold"}).`;
  } else {
    console.log("\ncold-cache first runs…");
    const coldLoad = await startSection("cold cache");
    try {
      cold = await coldRuns(`${ROOT}${plan.outDir}`);
    } catch (error) {
      failures.push(errorMessage(error));
      console.log(`  FAILED: ${errorMessage(error)}`);
    }
    endSection(coldLoad);
  }

  // Tensors.
  const tensors = await watchTensors(plan);

  // Notebooks, last: they need minutes and no ratio depends on them.
  let notebookRuns: NotebookRun[] = [];
  let notebookNote: string | undefined;
  let notReady: string | undefined;
  let notebookLoad: LoadSection | undefined;
  if (flags.smoke || !flags.notebooks) {
    notebookNote = `notebooks skipped (${
      flags.smoke ? "--smoke" : "--no-notebooks"
    }).`;
  } else if ((notReady = await jupyterReady()) !== undefined) {
    notebookNote =
      `notebooks skipped: Jupyter or the Deno kernel is not available (${notReady}; Debian: \`sudo apt-get install jupyter-nbconvert python3-nbclient\`, then \`deno task setup\`).`;
  } else {
    const names = await listNotebooks();
    if (names.length === 0) {
      notebookNote =
        "notebooks skipped: there are no notebooks/NN_*.ipynb yet.";
    } else {
      console.log(`\nexecuting ${names.length} notebooks headless…`);
      notebookLoad = await startSection("notebooks");
      notebookRuns = await runNotebooks(names);
      endSection(notebookLoad);
      for (const run of notebookRuns.filter((r) => !r.ok)) {
        failures.push(`notebook ${run.name} failed: ${run.error}`);
      }
    }
  }

  // Report.
  const peakEnd = processPeakKiB();
  const wallSeconds = (performance.now() - started) / 1000;
  const allQuiet = loadSections.every(machineWasQuiet);
  const tfjsBackends = tfjsEngineBackends.size > 0
    ? [...tfjsEngineBackends].join(" and ")
    : "none";
  const gptBackends = [
    ...new Set(gptRows.flatMap((r) => r.report ? [r.report.backend] : [])),
  ];
  const report: string[] = [
    "# Benchmark: time per training epoch",
    "",
    `${
      torchInfo?.cpu ?? `${Deno.build.arch} CPU`
    } (${navigator.hardwareConcurrency} cores), one thread used. Deno ${Deno.version.deno} (V8 ${Deno.version.v8}), TensorFlow.js ${tf.version.tfjs}${
      torchInfo
        ? `, PyTorch ${torchInfo.torch} (${torchInfo.threads} thread)`
        : ""
    }. ${new Date().toISOString().slice(0, 10)}${
      flags.smoke ? ", smoke configuration" : ""
    }.`,
    "",
    `Backends, as each ran: the hand-written engine uses no tfjs (float64 loops); the tfjs engine ran on ${tfjsBackends}${
      task ? `; chapter 7 on ${task.backend}` : ""
    }${
      gptBackends.length > 0 ? `; the GPTs on ${gptBackends.join(" and ")}` : ""
    }.`,
    "",
    `1-minute load average during the run: ${
      loadSections.map((s) =>
        `${s.name} ${s.samples.map((l) => l.toFixed(2)).join(" → ")}`
      ).join("; ")
    } on ${navigator.hardwareConcurrency} cores: ${
      allQuiet
        ? "quiet throughout, every ratio published"
        : `loaded (≥ ${QUIET_LOAD_PER_CORE} per core) in at least one part; a part's ratios are published only when its own samples stayed below that`
    }.`,
    "",
    "## Demo grid",
    "",
    "Milliseconds per training epoch (forward, gradients, one Adam step), median",
    "of repeats after warm-up; the same sentence on every side (the demo's 13",
    "words, then the fillers w0013, w0014, …). Targets (engine/pytorch) are",
    "reported, not asserted.",
    "",
    loadLine(gridLoad),
    "",
    epochTable(plan, grid, gridLoad),
    "",
    "![time per epoch against seqLen](scaling.svg)",
    "",
    "## Chapter 7's training epoch",
    "",
    "One epoch of chapter 7's model through the one trainer (`train()` with",
    "cross-entropy, batches in corpus order; bench/task_bench.ts) against its",
    "PyTorch twin (bench/torch_task.py, one thread) from the same initial",
    `parameters; the median of ${plan.taskRepeats} timed epoch${
      plan.taskRepeats === 1 ? "" : "s"
    } after the first, whose losses are compared.`,
    "",
    ...(task === undefined ? [taskNote ?? "Not measured."] : [
      loadLine(taskLoad),
      "",
      taskTable(task, taskLoad),
    ]),
    "",
    "## GPT-shaped training",
    "",
    ...(flags.gpt
      ? [
        "`deno task bench:gpt … --json --torch` per configuration, each in its own",
        "process: milliseconds per training step (forward, backward, AdamW),",
        `median of the steps after the warm-up (${
          plan.gpt.map((g) => `${g.steps - g.warmup} after ${g.warmup}`).join(
            "; ",
          )
        }), the PyTorch twin (bench/torch_gpt.py, one thread) from the same`,
        "weights on the same batches right after; the largest loss difference",
        "over all steps; peak RSS of the tfjs process; whether",
        "tf.memory().numTensors stayed the same after every step.",
        "",
        loadLine(gptLoad),
        "",
        gptTable(gptRows, gptLoad),
      ]
      : ["Not measured (--no-gpt)."]),
    "",
    "## Whole CLI process",
    "",
    loadLine(cliLoad),
    "",
    cliRows.length > 0 ? cliTable(cliRows) : "Not measured.",
    "",
    ...cliVerdicts(cliRows, cliLoad).map((v) => `- ${v}`),
    "",
    "## First run on an empty cache",
    "",
    ...(coldNote !== undefined ? [coldNote] : [
      markdownTable(
        ["command", "seconds", "npm packages downloaded"],
        cold.map((r) => [r.label, fmt(r.seconds), String(r.packages)]),
        ["l", "r", "r"],
      ),
      "",
      `Each with an empty DENO_DIR, downloads included; ${COLD_BEFORE}.`,
    ]),
    "",
    "## Memory",
    "",
    `- tfjs engine, demo size, ${plan.memoryEpochs} epochs: tf.memory().numTensors ${tensors.before} before, ${
      tensors.counts[0]
    } at epoch 0, ${tensors.counts.at(-1)} at epoch ${
      tensors.counts.length - 1
    } (max ${Math.max(...tensors.counts)}), ${tensors.after} after: ${
      tensors.counts.at(-1) === tensors.counts[0] &&
        tensors.after === tensors.before
        ? "no growth"
        : "GROWS"
    }.`,
    `- Peak RSS of this bench process: ${
      mib(peakAfterHandwritten)
    } MiB after the demo grid's engines, ${
      mib(peakEnd)
    } MiB at the end (chapter 7 included); sampled at the end of every trainExperiment() call. The GPTs' peak RSS is in their table.`,
    torchInfo
      ? `- Peak RSS of the PyTorch twin's grid process: ${
        mib(torchInfo.maxRssKiB)
      } MiB.`
      : "- PyTorch twin not run.",
    "",
    "## Notebooks",
    "",
    ...(notebookNote !== undefined ? [notebookNote] : [
      loadLine(notebookLoad),
      "",
      notebookTable(notebookRuns, machineWasQuiet(notebookLoad)),
      "",
      `Total: ${
        fmt(notebookRuns.reduce((s, r) => s + r.ms, 0) / 1000)
      } s for ${notebookRuns.length} notebooks (jupyter nbconvert --execute, Deno kernel, one at a time). Budgets: ${NOTEBOOK_BUDGET_SECONDS} s each, chapters 10 (90 s), 11 and 12 (120 s) as their issues set.`,
    ]),
    "",
    "## Details",
    "",
    detailTable(plan, grid),
    "",
    ...notes.map((n) => `Note: ${n}`),
    ...(notes.length > 0 ? [""] : []),
    `Full run: ${fmt(wallSeconds)} s.`,
    "",
  ];
  const markdown = report.join("\n");
  console.log("\n" + markdown);

  const outDir = `${ROOT}${plan.outDir}`;
  await Deno.mkdir(outDir, { recursive: true });
  await Deno.writeTextFile(`${outDir}/latest.md`, markdown);
  await Deno.writeTextFile(`${outDir}/scaling.svg`, scalingChart(plan, grid));
  console.log(`Wrote ${plan.outDir}/latest.md and ${plan.outDir}/scaling.svg`);

  if (failures.length > 0) {
    console.error(`\n${failures.length} step(s) failed:`);
    for (const f of failures) console.error(`  ${f}`);
    return 1;
  }
  return 0;
}

/** Each notebook's seconds against its budget; FAILED when a cell errored. */
function notebookTable(runs: NotebookRun[], quiet: boolean): string {
  return markdownTable(
    ["notebook", "seconds", "budget, s", "status"],
    runs.map((r) => {
      const seconds = r.ms / 1000;
      const budget = notebookBudget(r.name);
      const within = seconds <= budget ? "PASS" : "FAIL";
      return [
        r.name,
        fmt(seconds),
        String(budget),
        !r.ok
          ? `FAILED: ${r.error}`
          : quiet || within === "PASS"
          ? within
          : "FAIL (loaded)",
      ];
    }),
    ["l", "r", "r", "l"],
  );
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
