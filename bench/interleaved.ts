/**
 * `deno run --allow-run=/usr/bin/python3 bench/interleaved.ts [ROUNDS]`: the
 * target cells of the benchmark on a busy machine. Each round times the
 * PyTorch twin, the tfjs engine and the hand-written engine one after the
 * other, cell by cell; the report keeps each one's fastest stretch over all
 * rounds, so that load which comes and goes hits all three alike. (The full
 * `deno task bench` takes medians, one implementation after the other.)
 * @module
 */

import {
  type EngineName,
  initParameters,
  prepareExperiment,
  trainExperiment,
} from "../lib/mod.ts";
import { benchSentence } from "./bench.ts";

const CELLS = [[13, 4], [128, 16], [512, 64]];
const TWIN = new URL("torch_twin.py", import.meta.url).pathname;

// Fastest per-epoch time over stretches of `chunk` epochs within one trainExperiment() call.
async function engineMs(
  engine: EngineName,
  seqLen: number,
  dModel: number,
  epochs: number,
  chunk: number,
): Promise<number> {
  const experiment = prepareExperiment({
    sentence: benchSentence(seqLen),
    dModel,
    epochs,
  });
  const initialParameters = initParameters(
    experiment.vocabulary.words.length,
    dModel,
    { seed: 0 },
  );
  const stamps: number[] = [];
  await trainExperiment(experiment, {
    engine,
    initialParameters,
    onEpoch: () => {
      stamps.push(performance.now());
    },
  });
  let best = Infinity;
  for (let i = 2; i + chunk < stamps.length; i += chunk) {
    best = Math.min(best, (stamps[i + chunk] - stamps[i]) / chunk);
  }
  return best;
}

// Fastest repeat of the PyTorch twin on one cell.
async function torchMs(seqLen: number, dModel: number, perRepeat: number) {
  const out = await new Deno.Command("/usr/bin/python3", {
    args: [TWIN, "--bench-grid", `${seqLen}`, `${dModel}`, "--repeats", "7"]
      .concat(["--epochs-per-repeat", `${perRepeat}`, "--warmup", "20"]),
    stdout: "piped",
    stderr: "null",
  }).output();
  const doc = JSON.parse(new TextDecoder().decode(out.stdout));
  return Math.min(...doc.results[0].repeats);
}

if (import.meta.main) {
  const rounds = Number(Deno.args[0] ?? 3);
  const best = new Map<string, number>();
  const keep = (key: string, ms: number) =>
    best.set(key, Math.min(best.get(key) ?? Infinity, ms));
  for (let round = 0; round < rounds; round++) {
    for (const [seqLen, dModel] of CELLS) {
      const big = seqLen >= 512;
      const cell = `${seqLen}×${dModel}`;
      keep(`${cell} pytorch`, await torchMs(seqLen, dModel, big ? 5 : 20));
      keep(
        `${cell} tfjs`,
        await engineMs("tfjs", seqLen, dModel, big ? 40 : 200, big ? 4 : 10),
      );
      keep(
        `${cell} handwritten`,
        await engineMs("handwritten", seqLen, dModel, 2000, 50),
      );
    }
  }
  console.log(
    "| seqLen | dModel | handwritten | tfjs | PyTorch | tfjs / PyTorch |",
  );
  console.log(
    "| -----: | -----: | ----------: | ---: | ------: | -------------: |",
  );
  for (const [seqLen, dModel] of CELLS) {
    const cell = `${seqLen}×${dModel}`;
    const [hand, tfjs, torch] = ["handwritten", "tfjs", "pytorch"].map((k) =>
      best.get(`${cell} ${k}`)!
    );
    console.log(
      `| ${seqLen} | ${dModel} | ${hand.toPrecision(3)} | ${
        tfjs.toPrecision(3)
      } | ${torch.toPrecision(3)} | ${(tfjs / torch).toFixed(2)} |`,
    );
  }
}
