// One GPT-shaped configuration, trained with the library's train() for a few
// steps: the median time per step after warm-up, the backend, the load
// average, peak memory and (on request) kernels per step and the PyTorch
// twin side by side.
//
//   deno task bench:gpt --layers 4 --heads 4 --d-model 128 --block 64 \
//     --batch 12 --vocab 90 --steps 30 --json [--backend cpu|wasm|auto]
//     [--ops fast|plain] [--warmup 5] [--kernels] [--torch]
//
// A ratio to PyTorch is given only when the machine was quiet (1-minute load
// average below QUIET_LOAD per core before and after, bench.ts's rule);
// otherwise it is null and
// "loaded" is true.

import { parseArgs } from "@std/cli/parse-args";
import { kernelsPerStep, median, torchGpt, trainGpt } from "./_gpt.ts";
import { BACKEND_NAMES, type BackendChoice } from "../lib/core/backend.ts";
import { gpt, type GptOps, resolveGptConfig } from "../lib/core/gpt.ts";
import { initValues } from "../lib/core/model.ts";

/** Below this 1-minute load average per core a timing counts as quiet (bench.ts's QUIET_LOAD_PER_CORE). */
export const QUIET_LOAD = 0.5 * navigator.hardwareConcurrency;

const NUMBER_FLAGS = {
  layers: 4,
  heads: 4,
  "d-model": 128,
  block: 64,
  batch: 12,
  vocab: 90,
  steps: 30,
  warmup: 5,
} as const;

function loadavg(): number[] {
  return Deno.loadavg().map((l) => Math.round(l * 100) / 100);
}

function fail(message: string): never {
  throw new RangeError(message);
}

export const USAGE =
  "deno task bench:gpt [--layers 4] [--heads 4] [--d-model 128] [--block 64] [--batch 12] [--vocab 90] [--steps 30] [--warmup 5] [--backend auto|cpu|wasm] [--ops fast|plain] [--kernels] [--torch] [--json]";

/**
 * Runs the benchmark for command-line arguments.
 *
 * @returns The report and its one-line text, or undefined for --help.
 * @throws {RangeError} For a bad flag, in one sentence.
 */
export async function benchGpt(
  argv: string[],
): Promise<
  { report: Record<string, unknown>; text: string; json: boolean } | undefined
> {
  const args = parseArgs(argv, {
    string: ["backend", "ops", ...Object.keys(NUMBER_FLAGS)],
    boolean: ["json", "kernels", "torch", "help"],
    unknown: (flag: string) => {
      if (flag.startsWith("-")) {
        fail(`unknown flag ${flag}; known: --${
          [
            ...Object.keys(NUMBER_FLAGS),
            "backend",
            "ops",
            "json",
            "kernels",
            "torch",
          ].join(", --")
        }`);
      }
      fail(`unexpected argument ${JSON.stringify(flag)}`);
    },
  });
  if (args.help) return undefined;
  const n: Record<string, number> = {};
  for (const [flag, fallback] of Object.entries(NUMBER_FLAGS)) {
    const raw = args[flag as keyof typeof args];
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < (flag === "warmup" ? 0 : 1)) {
      fail(
        `--${flag} must be a whole number ≥ ${flag === "warmup" ? 0 : 1}, got ${
          JSON.stringify(raw)
        }`,
      );
    }
    n[flag] = value;
  }
  if (n.warmup >= n.steps) {
    fail(`--steps (${n.steps}) must be more than --warmup (${n.warmup})`);
  }
  const backend = (args.backend ?? "auto") as BackendChoice;
  if (backend !== "auto" && !BACKEND_NAMES.includes(backend)) {
    fail(`--backend must be auto, cpu or wasm, got ${JSON.stringify(backend)}`);
  }
  const ops = (args.ops ?? "fast") as GptOps;
  if (ops !== "fast" && ops !== "plain") {
    fail(`--ops must be fast or plain, got ${JSON.stringify(ops)}`);
  }
  let config;
  try {
    config = resolveGptConfig({
      numLayers: n.layers,
      numHeads: n.heads,
      dModel: n["d-model"],
      blockSize: n.block,
      vocabSize: n.vocab,
    });
  } catch (error) {
    fail((error as Error).message);
  }

  const loadBefore = loadavg();
  const values = initValues(gpt(config).schema, 1);
  const run = await trainGpt({
    config,
    batch: n.batch,
    steps: n.steps,
    backend,
    ops,
    values,
  });
  const msPerStep = median(run.msPerStep.slice(n.warmup));
  const kernels = args.kernels
    ? await kernelsPerStep({
      config,
      batch: n.batch,
      backend: run.backend,
      ops,
    })
    : undefined;
  const torch = args.torch
    ? await torchGpt({ config, batch: n.batch, steps: n.steps, values })
    : undefined;
  const loadAfter = loadavg();
  const loaded = Math.max(loadBefore[0], loadAfter[0]) >= QUIET_LOAD;
  const torchMs = torch ? median(torch.msPerStep.slice(n.warmup)) : undefined;
  const report = {
    msPerStep: Math.round(msPerStep * 100) / 100,
    backend: run.backend,
    ops,
    config: { ...config, batch: n.batch, steps: n.steps, warmup: n.warmup },
    loadavg: { before: loadBefore, after: loadAfter },
    loaded,
    peakRssMiB: Math.round(Math.max(...run.rss) / 2 ** 20 * 10) / 10,
    numTensorsPerStep: [...new Set(run.numTensors)],
    firstLoss: run.losses[0],
    lastLoss: run.losses.at(-1),
    ...(kernels
      ? { kernelsPerStep: kernels.total, kernels: kernels.byName }
      : {}),
    ...(torch
      ? {
        torch: {
          msPerStep: Math.round(torchMs! * 100) / 100,
          version: torch.torchVersion,
          maxLossGap: Math.max(
            ...torch.losses.map((l, i) => Math.abs(l - run.losses[i])),
          ),
          ratio: loaded ? null : Math.round((msPerStep / torchMs!) * 100) / 100,
        },
      }
      : {}),
  };
  return {
    report,
    json: args.json,
    text:
      `${config.numLayers} layers, ${config.numHeads} heads, dModel ${config.dModel}, T ${config.blockSize}, batch ${n.batch}, vocab ${config.vocabSize}: ` +
      `${report.msPerStep} ms/step on ${run.backend} (${ops} ops), median of ${
        n.steps - n.warmup
      } after ${n.warmup} warm-up; load ${loadBefore[0]} → ${loadAfter[0]}${
        loaded ? " (loaded: timings are not comparable)" : ""
      }; peak RSS ${report.peakRssMiB} MiB` +
      (kernels ? `; ${kernels.total} kernels/step` : "") +
      (torch
        ? `; PyTorch ${report.torch!.msPerStep} ms/step${
          loaded ? "" : ` (ratio ${report.torch!.ratio})`
        }`
        : ""),
  };
}

async function main(): Promise<void> {
  try {
    const result = await benchGpt(Deno.args);
    if (!result) console.log(USAGE);
    else console.log(result.json ? JSON.stringify(result.report) : result.text);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    console.error(`bench:gpt: ${error.message}`);
    Deno.exit(2);
  }
}

if (import.meta.main) await main();
