// Times chapter 10's training (lib/chapters/10_induction_heads/, the
// library's trainer, the wasm backend) against its PyTorch twin
// (bench/torch_induction.py, one thread), from the same initial parameters
// on the same batches, and reports the largest loss difference. Record
// `cat /proc/loadavg` beside any time you quote: on a shared machine the
// times say little.
//
//   LOADAVG="$(cat /proc/loadavg)" deno run --allow-read --allow-env \
//     --allow-run=/usr/bin/python3 bench/induction_bench.ts [--steps N]

import * as tf from "@tensorflow/tfjs";
import { useBackend } from "../lib/core/backend.ts";
import { Model } from "../lib/core/model.ts";
import { train } from "../lib/train/trainer.ts";
import {
  DEFAULT_TRAINING,
  inductionData,
  inductionModel,
  NEXT_TOKEN_LOSS,
} from "../lib/chapters/10_induction_heads/mod.ts";
import { torchAvailable } from "./bench.ts";

/** What one comparison measured. */
export interface InductionBenchResult {
  /** Training steps timed, batches of the chapter's size. */
  steps: number;
  /** The tfjs backend that trained. */
  backend: string;
  /** Milliseconds for all steps, tfjs. */
  tfjsMs: number;
  /** Milliseconds for all steps, PyTorch on one thread; undefined without torch. */
  torchMs?: number;
  /** Largest difference between the two runs' losses over the steps. */
  lossDiff?: number;
}

/**
 * Runs the comparison.
 *
 * @param steps Training steps, each on a batch of `DEFAULT_TRAINING.batchSize`.
 * @returns Both times and the loss difference.
 */
export async function benchInduction(
  steps = 100,
): Promise<InductionBenchResult> {
  if (tf.getBackend() !== "wasm") await useBackend("wasm");
  const config = { ...DEFAULT_TRAINING, steps };
  const model = new Model(inductionModel(), { seed: config.seed });
  const values = model.values();
  const parameters = Object.fromEntries(
    model.definition.schema.map((s) => [
      s.name,
      { shape: s.shape, values: Array.from(values[s.name]) },
    ]),
  );
  const data = inductionData(config);
  const batches = Array.from({ length: steps }, (_, k) => data(k).input);
  const start = performance.now();
  const history = await train(model, NEXT_TOKEN_LOSS, data, {
    steps,
    adam: { learningRate: config.learningRate },
  });
  const tfjsMs = performance.now() - start;
  model.dispose();
  const result: InductionBenchResult = {
    steps,
    backend: tf.getBackend(),
    tfjsMs,
  };
  if (!(await torchAvailable()).ok) return result;
  const child = new Deno.Command("/usr/bin/python3", {
    args: ["bench/torch_induction.py"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(JSON.stringify({
      parameters,
      heads: 2,
      learningRate: config.learningRate,
      batches,
    })),
  );
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const twin = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    losses: number[];
    ms: number;
  };
  result.torchMs = twin.ms;
  result.lossDiff = Math.max(
    ...history.steps.map((s, k) => Math.abs(s.loss - twin.losses[k])),
  );
  return result;
}

if (import.meta.main) {
  const at = Deno.args.indexOf("--steps");
  const steps = at >= 0 ? Number(Deno.args[at + 1]) : 100;
  // Deno asks for --allow-all to read /proc; pass the load in instead:
  // LOADAVG="$(cat /proc/loadavg)" deno run … bench/induction_bench.ts
  const load = Deno.env.get("LOADAVG") ?? "not given (set LOADAVG)";
  const r = await benchInduction(steps);
  console.log(
    `${r.steps} steps: tfjs (${r.backend}) ${
      r.tfjsMs.toFixed(0)
    } ms, PyTorch (1 thread) ${
      r.torchMs?.toFixed(0) ?? "not installed"
    } ms; largest loss difference ${
      r.lossDiff?.toExponential(1) ?? "—"
    }; load average before: ${load.trim()}`,
  );
}
