/**
 * `deno task train-gpt`: trains chapter 11's GPT on the State of the Union
 * addresses with nanoGPT's CPU settings, printing a progress line, writing a
 * checkpoint (safetensors) and its log (JSON, and an SVG chart) every few
 * steps, at the end, and on Ctrl-C or SIGTERM. `--resume` continues from the
 * checkpoint in `--out`. Run `deno task train-gpt --help`.
 * @module
 */

import { useBackend } from "../../core/backend.ts";
import { lineChart } from "../../charts/lines.ts";
import { toSvgString } from "../../charts/svg.ts";
import { loadCheckpoint, saveCheckpoint } from "./checkpoint.ts";
import { splitByYear, Vocabulary } from "./corpus.ts";
import {
  DEFAULT_TRAINING,
  resolveTraining,
  runTraining,
  type TrainingLog,
  type TrainingSettings,
} from "./train.ts";

/** The default output folder: the committed checkpoint's. */
export const DEFAULT_OUT = new URL("./weights/", import.meta.url).pathname;
/** The checkpoint's file name in the output folder. */
export const CHECKPOINT_FILE = "sotu_gpt.safetensors";
/** The log's file name. */
export const LOG_FILE = "training_log.json";
/** The chart's file name. */
export const CHART_FILE = "training_log.svg";

const USAGE = `Usage: deno task train-gpt [options]

Trains a character-level GPT (nanoGPT's CPU config) on the State of the Union
addresses before 2000, measured on those from 2000 on.

Options:
  --out DIR               where the checkpoint and log go (default: ${DEFAULT_OUT})
  --resume                continue from DIR's checkpoint and log (Adam restarts)
  --steps N               updates in the whole run (default ${DEFAULT_TRAINING.steps})
  --batch-size N          sequences per step (default ${DEFAULT_TRAINING.batchSize})
  --layers N, --heads N, --d-model N, --block-size N   the model (default 4, 4, 128, 64)
  --learning-rate X       peak rate (default ${DEFAULT_TRAINING.learningRate}); decays to a tenth
  --seed N                weights and batches (default ${DEFAULT_TRAINING.seed})
  --evaluate-every N      steps between evaluations (default ${DEFAULT_TRAINING.evaluateEvery})
  --checkpoint-every N    steps between checkpoints (default ${DEFAULT_TRAINING.checkpointEvery})
  --backend NAME          auto (default), wasm or cpu
  --help                  this text
`;

interface Request {
  out: string;
  resume: boolean;
  backend: "auto" | "wasm" | "cpu";
  settings: Partial<TrainingSettings>;
}

function parse(args: string[]): Request | "help" {
  const request: Request = {
    out: DEFAULT_OUT,
    resume: false,
    backend: "auto",
    settings: {},
  };
  const model: Partial<TrainingSettings["model"]> = {};
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined) throw new RangeError(`${flag} needs a value`);
      return v;
    };
    const number = () => {
      const v = value();
      const n = Number(v);
      if (v.trim() === "" || !Number.isFinite(n)) {
        throw new RangeError(`${flag} needs a number, got "${v}"`);
      }
      return n;
    };
    switch (flag) {
      case "--help":
      case "-h":
        return "help";
      case "--out":
        request.out = value();
        break;
      case "--resume":
        request.resume = true;
        break;
      case "--backend": {
        const v = value();
        if (v !== "auto" && v !== "wasm" && v !== "cpu") {
          throw new RangeError(
            `--backend must be auto, wasm or cpu, got "${v}"`,
          );
        }
        request.backend = v;
        break;
      }
      case "--steps":
        request.settings.steps = number();
        break;
      case "--batch-size":
        request.settings.batchSize = number();
        break;
      case "--learning-rate":
        request.settings.learningRate = number();
        request.settings.minLearningRate = request.settings.learningRate / 10;
        break;
      case "--seed":
        request.settings.seed = number();
        break;
      case "--evaluate-every":
        request.settings.evaluateEvery = number();
        break;
      case "--checkpoint-every":
        request.settings.checkpointEvery = number();
        break;
      case "--layers":
        model.numLayers = number();
        break;
      case "--heads":
        model.numHeads = number();
        break;
      case "--d-model":
        model.dModel = number();
        break;
      case "--block-size":
        model.blockSize = number();
        break;
      default:
        throw new RangeError(`unknown option "${flag}"; see --help`);
    }
  }
  if (Object.keys(model).length > 0) {
    request.settings.model = { ...DEFAULT_TRAINING.model, ...model };
  }
  resolveTraining(request.settings);
  return request;
}

/**
 * The log's chart: training and validation loss at every evaluation.
 *
 * @param log The log.
 * @returns The chart as an SVG string.
 */
export function logChart(log: TrainingLog): string {
  const points = log.evaluations.flatMap((e) => [
    { x: e.step, y: e.train, series: "train" },
    { x: e.step, y: e.validation, series: "validation" },
  ]);
  return toSvgString(lineChart(points, {
    xLabel: "step",
    yLabel: "loss (nats per character)",
    yRule: 1.75,
    yRuleLabel: "1.75",
  }));
}

function format(seconds: number): string {
  const m = Math.floor(seconds / 60);
  return `${m}:${String(Math.round(seconds % 60)).padStart(2, "0")}`;
}

async function main(args: string[]): Promise<number> {
  let request: Request | "help";
  try {
    request = parse(args);
  } catch (error) {
    console.error(`train-gpt: ${(error as Error).message}`);
    return 2;
  }
  if (request === "help") {
    console.log(USAGE);
    return 0;
  }
  const out = request.out.endsWith("/") ? request.out : `${request.out}/`;
  Deno.mkdirSync(out, { recursive: true });
  const backend = await useBackend(request.backend);
  const split = splitByYear();
  const vocabulary = Vocabulary.fromText(split.train);
  let resume;
  if (request.resume) {
    try {
      const checkpoint = loadCheckpoint(out + CHECKPOINT_FILE);
      const log = JSON.parse(Deno.readTextFileSync(out + LOG_FILE));
      if (
        checkpoint.vocabulary.characters.join("") !==
          vocabulary.characters.join("")
      ) {
        throw new RangeError("its vocabulary is not this corpus's");
      }
      if (Object.keys(request.settings).length > 0) {
        log.settings = resolveTraining({
          ...log.settings,
          ...request.settings,
        });
      }
      resume = { checkpoint, log };
    } catch (error) {
      console.error(
        `train-gpt: cannot resume from ${out}: ${(error as Error).message}`,
      );
      return 1;
    }
  }
  const controller = new AbortController();
  const stop = (name: string) => () => {
    if (!controller.signal.aborted) {
      console.log(`${name}: stopping after this step and saving…`);
    }
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", stop("Ctrl-C"));
  Deno.addSignalListener("SIGTERM", stop("SIGTERM"));
  const settings = resolveTraining(resume?.log.settings ?? request.settings);
  console.log(
    `train-gpt: ${settings.model.numLayers} layers, ${settings.model.numHeads} heads, dModel ${settings.model.dModel}, block ${settings.model.blockSize}, vocabulary ${vocabulary.size}, batch ${settings.batchSize}, ${settings.steps} steps on ${backend}; ${split.train.length} training characters (${
      split.years.train.join("–")
    }), ${split.validation.length} validation (${
      split.years.validation.join("–")
    })${
      resume
        ? `; resuming at step ${resume.checkpoint.step} (Adam restarts)`
        : ""
    }`,
  );
  let last = performance.now();
  let window = 0;
  const result = await runTraining(
    {
      train: vocabulary.encode(split.train),
      validation: vocabulary.encode(split.validation),
      vocabulary,
    },
    {
      settings: request.settings,
      resume,
      signal: controller.signal,
      onStep: (step, loss, lr) => {
        window++;
        if ((step + 1) % 10 === 0) {
          const now = performance.now();
          const perStep = (now - last) / 1000 / window;
          last = now;
          window = 0;
          const load = Deno.loadavg()[0].toFixed(2);
          console.log(
            `step ${step + 1}/${settings.steps} · loss ${
              loss.toFixed(4)
            } · lr ${lr.toExponential(2)} · ${
              perStep.toFixed(2)
            } s/step · load ${load}`,
          );
        }
      },
      onEvaluation: (e) =>
        console.log(
          `evaluation at step ${e.step}: train ${
            e.train.toFixed(4)
          } · validation ${e.validation.toFixed(4)} · ${
            format(e.seconds)
          } of training · load ${e.load ?? "?"}`,
        ),
      onCheckpoint: (checkpoint, log) => {
        saveCheckpoint(out + CHECKPOINT_FILE, checkpoint);
        const text = JSON.stringify(
          log,
          (_, v) =>
            typeof v === "number" && !Number.isInteger(v)
              ? Number(v.toPrecision(6))
              : v,
        );
        Deno.writeTextFileSync(out + LOG_FILE + ".partial", text + "\n");
        Deno.renameSync(out + LOG_FILE + ".partial", out + LOG_FILE);
        if (log.evaluations.length > 0) {
          Deno.writeTextFileSync(out + CHART_FILE, logChart(log) + "\n");
        }
      },
    },
  );
  console.log(
    `train-gpt: ${result.stopped} at step ${result.checkpoint.step}; checkpoint ${out}${CHECKPOINT_FILE}`,
  );
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
