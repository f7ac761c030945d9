// Times one training epoch of chapter 7's model (lib/chapters/07_attention_from_a_task/task_model.ts) against
// its PyTorch twin (bench/torch_task.py, one thread), from the same initial
// parameters on the same batches, and checks that both take the same steps.
// The tfjs side is the library's own loop: the one trainer (lib/train/trainer.ts)
// with CROSS_ENTROPY, as trainTask runs it, on batches in corpus order.
//
//   deno run --allow-run=/usr/bin/python3 bench/task_bench.ts [--repeats N]

import { parseArgs } from "@std/cli/parse-args";
import {
  buildCorpus,
  encode,
} from "../lib/chapters/07_attention_from_a_task/corpus.ts";
import {
  DEFAULT_TASK_CONFIG,
  taskLabels,
  TaskModel,
} from "../lib/chapters/07_attention_from_a_task/task_model.ts";
import type { BackendName } from "../lib/core/backend.ts";
import { CROSS_ENTROPY } from "../lib/train/losses.ts";
import { train } from "../lib/train/trainer.ts";
import { median } from "./_gpt.ts";
import { torchAvailable } from "./_torch.ts";

/** What one comparison measured. */
export interface TaskBenchResult {
  /** Steps in one epoch (batches of the default size, in corpus order). */
  steps: number;
  /** Median milliseconds per epoch, tfjs. */
  tfjsMs: number;
  /** The tfjs backend the trainer ran on (its history's `backend`). */
  backend: BackendName;
  /** Median milliseconds per epoch, PyTorch on one thread; undefined without torch. */
  torchMs?: number;
  /** Largest difference between the two runs' losses over the first epoch. */
  lossDiff?: number;
}

/**
 * Runs the comparison.
 *
 * @param repeats Epochs timed after a first (warm-up, compared) epoch.
 * @param options `torch: false` skips the PyTorch twin (default: run it
 *   when /usr/bin/python3 imports torch).
 * @returns The medians, the backend and the loss difference.
 */
export async function benchTask(
  repeats = 5,
  options: { torch?: boolean } = {},
): Promise<TaskBenchResult> {
  const corpus = buildCorpus();
  const { batchSize, learningRate, hops, readout } = DEFAULT_TASK_CONFIG;
  const model = new TaskModel(corpus.vocabulary.length);
  const parameters = Object.fromEntries(
    [...model.parameters].map(([name, v]) => [name, v.arraySync()]),
  );
  const steps = Math.floor(corpus.train.length / batchSize);
  const batches = Array.from({ length: steps }, (_, i) => {
    const sentences = corpus.train.slice(i * batchSize, (i + 1) * batchSize);
    return {
      encoded: encode(corpus.vocabulary, sentences.map((s) => s.words)),
      labels: taskLabels(corpus.vocabulary, sentences, readout),
    };
  });
  const data = (step: number) => ({
    input: batches[step % steps].encoded,
    target: batches[step % steps].labels,
  });
  // One epoch of the library's loop; the Adam state starts afresh each call
  // (the timing is of the loop, the warm-up epoch is the one compared).
  let backend: BackendName | undefined;
  const epoch = async (): Promise<number[]> => {
    const history = await train(model.model, CROSS_ENTROPY, data, {
      steps,
      adam: { learningRate },
    });
    backend = history.backend;
    return history.steps.map((s) => s.loss);
  };
  const losses = await epoch();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const start = performance.now();
    await epoch();
    times.push(performance.now() - start);
  }
  model.dispose();
  const result: TaskBenchResult = {
    steps,
    tfjsMs: median(times),
    backend: backend!,
  };
  if (options.torch !== false && (await torchAvailable()).ok) {
    const spec = {
      parameters,
      hops,
      learningRate,
      repeats,
      batches: batches.map(({ encoded, labels }) => ({
        ids: Array.from(
          { length: encoded.batchSize },
          (_, b) => [
            ...encoded.ids.slice(b * encoded.seqLen, (b + 1) * encoded.seqLen),
          ],
        ),
        focus: encoded.focusPositions,
        labels: [...labels],
      })),
    };
    const child = new Deno.Command("/usr/bin/python3", {
      args: [new URL("./torch_task.py", import.meta.url).pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(spec)));
    await writer.close();
    const out = await child.output();
    if (!out.success) {
      throw new Error(
        `torch_task.py failed: ${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const torch = JSON.parse(new TextDecoder().decode(out.stdout));
    result.torchMs = median(torch.epochMs);
    result.lossDiff = Math.max(
      ...losses.map((l, i) => Math.abs(l - torch.losses[i])),
    );
  }
  return result;
}

if (import.meta.main) {
  const { repeats: text } = parseArgs(Deno.args, {
    string: ["repeats"],
    default: { repeats: "5" },
    unknown: (arg: string) => {
      console.error(`error: unknown option ${JSON.stringify(arg)}`);
      Deno.exit(2);
    },
  });
  const repeats = Number(text);
  if (!Number.isInteger(repeats) || repeats < 1) {
    console.error(
      `error: --repeats takes a whole number ≥ 1, got ${JSON.stringify(text)}`,
    );
    Deno.exit(2);
  }
  const r = await benchTask(repeats);
  console.log(
    `chapter 7 model, one epoch (${r.steps} steps of ${DEFAULT_TASK_CONFIG.batchSize}): tfjs (${r.backend}) ${
      r.tfjsMs.toFixed(1)
    } ms` +
      (r.torchMs === undefined
        ? ", PyTorch not installed"
        : `, PyTorch 1 thread ${r.torchMs.toFixed(1)} ms, ratio ${
          (r.tfjsMs / r.torchMs).toFixed(2)
        }; largest loss difference over the first epoch ${
          r.lossDiff!.toExponential(1)
        }`),
  );
}
