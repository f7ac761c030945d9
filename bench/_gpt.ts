// Shared by bench/gpt_bench.ts and tests/core/gpt_test.ts: seeded batches for
// a GPT, a timed training run through the library's train(), a kernel
// counter, and the PyTorch twin (bench/torch_gpt.py) from the same weights.

import * as tf from "@tensorflow/tfjs";
import {
  type BackendChoice,
  type BackendName,
  useBackend,
} from "../lib/core/backend.ts";
import {
  gpt,
  type GptConfig,
  type GptOps,
  nextTokenLoss,
  resolveGptConfig,
  type TokenBatch,
} from "../lib/core/gpt.ts";
import { Model, type ParameterValues } from "../lib/core/model.ts";
import { mulberry32 } from "../lib/core/random.ts";
import type { AdamOptions } from "../lib/train/adam.ts";
import { type Batch, train } from "../lib/train/trainer.ts";

/** The small configuration (2 layers, 2 heads, dModel 32, T 24, batch 32). */
export const SMALL_GPT: GptConfig = {
  vocabSize: 90,
  blockSize: 24,
  numLayers: 2,
  numHeads: 2,
  dModel: 32,
};
export const SMALL_BATCH = 32;

/** nanoGPT's CPU configuration, batch 12. */
export const NANOGPT_CPU: GptConfig = {
  vocabSize: 90,
  blockSize: 64,
  numLayers: 4,
  numHeads: 4,
  dModel: 128,
};
export const NANOGPT_BATCH = 12;

/** AdamW as nanoGPT trains (weight decay 0.1 on matrices), at a rate that moves the loss in a few steps. */
export const GPT_ADAM: AdamOptions = { learningRate: 1e-3, weightDecay: 0.1 };

/**
 * One batch per step, seeded: sequences of `blockSize + 1` tokens that
 * mostly count up by one (mod vocabSize), with a random jump one time in
 * five, so there is something to learn; input = tokens 0…T−1, target =
 * tokens 1…T.
 */
export function gptBatches(
  config: GptConfig,
  batch: number,
  steps: number,
  seed = 1,
): Batch<TokenBatch, TokenBatch>[] {
  const next = mulberry32(seed);
  const draw = () => Math.floor(next() * config.vocabSize);
  return Array.from({ length: steps }, () => {
    const rows = Array.from({ length: batch }, () => {
      const row = [draw()];
      for (let t = 0; t < config.blockSize; t++) {
        row.push(next() < 0.2 ? draw() : (row[t] + 1) % config.vocabSize);
      }
      return row;
    });
    return {
      input: rows.map((r) => r.slice(0, -1)),
      target: rows.map((r) => r.slice(1)),
    };
  });
}

/** What {@linkcode trainGpt} measured. */
export interface GptRun {
  backend: BackendName;
  ops: GptOps;
  /** The loss of every step, before its update. */
  losses: number[];
  /** Wall time of every step (forward, backward, Adam, reading the loss), ms. */
  msPerStep: number[];
  /** tf.memory().numTensors after every step. */
  numTensors: number[];
  /** The process's resident memory after every step, bytes (wasm's heap only grows, so this holds each step's peak there). */
  rss: number[];
}

/** Options for {@linkcode trainGpt}. */
export interface TrainGptOptions {
  config: GptConfig;
  batch: number;
  steps: number;
  /** A backend, or "auto" for the fastest that starts. */
  backend: BackendChoice;
  ops?: GptOps;
  /** Starting weights (default: the schema's seeded initialisation, seed 1). */
  values?: ParameterValues;
  seed?: number;
  adam?: AdamOptions;
}

/** Trains a GPT with train() on seeded batches and records every step. */
export async function trainGpt(options: TrainGptOptions): Promise<GptRun> {
  const backend = await useBackend(options.backend);
  const ops = options.ops ?? "fast";
  const config = resolveGptConfig(options.config);
  const batches = gptBatches(
    config,
    options.batch,
    options.steps,
    options.seed,
  );
  const model = new Model(gpt(config), {
    seed: options.seed ?? 1,
    values: options.values,
  });
  const run: GptRun = {
    backend,
    ops,
    losses: [],
    msPerStep: [],
    numTensors: [],
    rss: [],
  };
  let start = performance.now();
  try {
    await train(model, nextTokenLoss(ops), (step) => batches[step], {
      steps: options.steps,
      adam: options.adam ?? GPT_ADAM,
      forwardOptions: { ops },
      onStep: (record) => {
        const now = performance.now();
        run.losses.push(record.loss);
        run.msPerStep.push(now - start);
        run.numTensors.push(tf.memory().numTensors);
        run.rss.push(Deno.memoryUsage().rss);
        start = performance.now();
      },
    });
  } finally {
    model.dispose();
  }
  return run;
}

/**
 * Kernels dispatched by one training step (forward, backward and Adam),
 * counted by name through tf.profile: independent of the machine's load.
 */
export async function kernelsPerStep(
  options: Omit<TrainGptOptions, "steps">,
): Promise<{ total: number; byName: Record<string, number> }> {
  await useBackend(options.backend);
  const config = resolveGptConfig(options.config);
  const ops = options.ops ?? "fast";
  const [batch] = gptBatches(config, options.batch, 1, options.seed);
  const model = new Model(gpt(config), { seed: options.seed ?? 1 });
  try {
    // One step first, so one-off work (Adam's packing) is not counted.
    const step = async () => {
      await train(model, nextTokenLoss(ops), () => batch, {
        steps: 1,
        adam: options.adam ?? GPT_ADAM,
        forwardOptions: { ops },
      });
    };
    await step();
    // tf.profile reuses one record: copy the names before profiling again.
    const names = async (f: () => Promise<void>) =>
      (await tf.profile(f)).kernels.map((k) => k.name);
    const withAdamSetup = await names(step);
    const setup = await names(async () => {
      // Adam's constructor and dispose alone, to subtract.
      await train(model, nextTokenLoss(ops), () => batch, {
        steps: 0,
        adam: options.adam ?? GPT_ADAM,
        forwardOptions: { ops },
      });
    });
    const byName: Record<string, number> = {};
    const count = (kernels: string[], sign: number) => {
      for (const name of kernels) {
        // customGrad wrappers appear under their scope's name: not kernels
        if (!tf.getKernel(name, tf.getBackend())) continue;
        byName[name] = (byName[name] ?? 0) + sign;
      }
    };
    count(withAdamSetup, 1);
    count(setup, -1);
    for (const name of Object.keys(byName)) {
      if (byName[name] === 0) delete byName[name];
    }
    const total = Object.values(byName).reduce((a, b) => a + b, 0);
    return { total, byName };
  } finally {
    model.dispose();
  }
}

/** What the PyTorch twin reports. */
export interface TorchRun {
  losses: number[];
  msPerStep: number[];
  torchVersion: string;
}

/**
 * Trains the same GPT in PyTorch (bench/torch_gpt.py, one thread) from the
 * same weights on the same batches with the same AdamW.
 */
export async function torchGpt(options: {
  config: GptConfig;
  batch: number;
  steps: number;
  values: ParameterValues;
  seed?: number;
  adam?: AdamOptions;
}): Promise<TorchRun> {
  const config = resolveGptConfig(options.config);
  const batches = gptBatches(
    config,
    options.batch,
    options.steps,
    options.seed,
  );
  const adam = {
    ...{ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    ...GPT_ADAM,
    ...options.adam,
  };
  const input = JSON.stringify({
    config,
    adam,
    values: Object.fromEntries(
      Object.entries(options.values).map(([k, v]) => [k, Array.from(v)]),
    ),
    batches,
  });
  const child = new Deno.Command("/usr/bin/python3", {
    args: [new URL("./torch_gpt.py", import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await child.output();
  const text = new TextDecoder();
  if (out.code !== 0) {
    throw new Error(
      `torch_gpt.py failed: ${text.decode(out.stderr).slice(-2000)}`,
    );
  }
  return JSON.parse(text.decode(out.stdout));
}

/** The median of a list of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
