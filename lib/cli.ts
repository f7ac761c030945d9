/**
 * The command-line twin of the original demo: trains, prints the loss every
 * 20 epochs and the attention analysis. `--json` prints one JSON object
 * instead; `--svg DIR` also writes the charts; `--engine tfjs` trains with
 * tfjs's autodiff. tfjs and the chart libraries load only when a flag needs
 * them. Run `deno task attention --help`.
 * @module
 */

import {
  analyzeAttention,
  type AttentionAnalysis,
  formatAnalysis,
  formatEpoch,
} from "./analysis.ts";
import type { AttentionConfig } from "./config.ts";
import { ENGINE_NAMES, type EngineName } from "./engine.ts";
import { type Experiment, prepareExperiment } from "./experiment.ts";
import { type EngineChoice, train, type TrainResult } from "./trainer.ts";

const USAGE = `Usage: deno task attention [options]

Trains the focus word's attention towards the size words, as the original demo.

Options:
  --sentence TEXT         the sentence (default: the original's)
  --focus-word WORD       the word whose attention is trained (default: it)
  --size-words A,B,C      comma-separated size words (default: elephant,car,too)
  --d-model N             embedding width (default: 4)
  --learning-rate X       Adam's step size (default: 0.001)
  --epochs N              training epochs (default: 200)
  --seed N                seed of the initial parameters (default: 0)
  --engine NAME           auto (default: handwritten when it can), handwritten or tfjs
  --json                  print one JSON object instead of the report
  --svg DIR               also write the charts as SVG files into DIR
  --help                  show this help`;

/** What the command line asked for. */
export interface CliRequest {
  /** Configuration fields given on the command line. */
  config: Partial<AttentionConfig>;
  /** Print JSON instead of the report. */
  json: boolean;
  /** Folder for SVG charts, if any. */
  svgDir?: string;
  /** The training engine; default `"auto"`. */
  engine: EngineName | "auto";
  /** Show the usage and stop. */
  help: boolean;
}

/** Thrown for a bad flag or value; the message is shown to the user as is. */
export class UsageError extends Error {
  /** Always "UsageError". */
  override name = "UsageError";
}

/**
 * Parses the command-line flags.
 *
 * @param args The arguments, without the program name.
 * @returns The request.
 * @throws {UsageError} For an unknown flag, a missing value or a malformed number.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./cli.ts";
 * const request = parseArgs(["--epochs", "10", "--size-words=car,too"]);
 * if (request.config.epochs !== 10 || request.config.sizeWords?.length !== 2) throw new Error();
 * ```
 */
export function parseArgs(args: string[]): CliRequest {
  const request: CliRequest = {
    config: {},
    json: false,
    help: false,
    engine: "auto",
  };
  for (let i = 0; i < args.length; i++) {
    const [flag, inline] = args[i].startsWith("--") && args[i].includes("=")
      ? [
        args[i].slice(0, args[i].indexOf("=")),
        args[i].slice(args[i].indexOf("=") + 1),
      ]
      : [args[i], undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      // A following flag is not a value (write --flag=--x for such a value).
      const next = args[i + 1];
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`${flag} needs a value`);
      }
      i++;
      return next;
    };
    switch (flag) {
      case "--sentence":
        request.config.sentence = value();
        break;
      case "--focus-word":
        request.config.focusWord = value();
        break;
      case "--size-words":
        request.config.sizeWords = value().split(",").map((w) => w.trim())
          .filter((w) => w !== "");
        break;
      case "--d-model":
        request.config.dModel = number(flag, value());
        break;
      case "--learning-rate":
        request.config.learningRate = number(flag, value());
        break;
      case "--epochs":
        request.config.epochs = number(flag, value());
        break;
      case "--seed":
        request.config.seed = number(flag, value());
        break;
      case "--engine": {
        const name = value();
        if (name !== "auto" && !ENGINE_NAMES.includes(name as EngineName)) {
          throw new UsageError(
            `--engine takes auto, ${ENGINE_NAMES.join(" or ")}, got ${
              JSON.stringify(name)
            }`,
          );
        }
        request.engine = name as EngineName | "auto";
        break;
      }
      case "--svg":
        request.svgDir = value();
        if (request.svgDir.trim() === "") {
          throw new UsageError("--svg needs a folder name");
        }
        break;
      case "--json":
        request.json = flagOnly(flag, inline);
        break;
      case "--help":
      case "-h":
        request.help = flagOnly(flag, inline);
        break;
      default:
        throw new UsageError(
          `unknown option ${
            JSON.stringify(args[i])
          }; run with --help for the options`,
        );
    }
  }
  return request;
}

/** The JSON document printed by `--json`. */
export interface CliJson {
  /** The configuration used. */
  config: AttentionConfig;
  /** The engine that trained, and why. */
  engine: EngineChoice;
  /** The sentence's tokens. */
  tokens: string[];
  /** The vocabulary, index = token id. */
  vocabulary: string[];
  /** Parameters before training. */
  initialParameters: TrainResult["initialParameters"];
  /** Parameters after training. */
  finalParameters: TrainResult["finalParameters"];
  /** Loss at the start of every epoch. */
  history: TrainResult["history"];
  /** The focus word's weight on every position after training. */
  weights: AttentionAnalysis["weights"];
  /** Positions ranked by weight. */
  ranking: AttentionAnalysis["ranking"];
  /** Total weight on the size words. */
  combinedSizeWeight: number;
}

/**
 * Builds the `--json` document from a finished run.
 *
 * @param experiment The experiment that was trained.
 * @param result What training returned.
 * @returns The JSON-ready object.
 */
export function toCliJson(
  experiment: Experiment,
  result: TrainResult,
): CliJson {
  const analysis = analyzeAttention(experiment, result.finalWeights);
  return {
    config: experiment.config,
    engine: result.engine,
    tokens: experiment.tokens,
    vocabulary: experiment.vocabulary.words,
    initialParameters: result.initialParameters,
    finalParameters: result.finalParameters,
    history: result.history,
    weights: analysis.weights,
    ranking: analysis.ranking,
    combinedSizeWeight: analysis.combinedSizeWeight,
  };
}

/** Where {@linkcode main} writes: the console by default, anything in tests. */
export interface CliOutput {
  /** Writes one line (or several) to standard output. */
  log(text: string): void;
  /** Writes one line to standard error. */
  error(text: string): void;
}

/**
 * Runs the command line: parses, trains, prints. Never throws for a user
 * mistake: it prints one line on stderr and returns exit code 2.
 *
 * @param args The arguments, without the program name.
 * @param output Where to print; default the console.
 * @returns The process exit code.
 *
 * @example
 * ```ts
 * import { main } from "./cli.ts";
 * const lines: string[] = [];
 * const code = await main(["--epochs", "abc"], {
 *   log: (text) => lines.push(text),
 *   error: (text) => lines.push(text),
 * });
 * if (code !== 2 || !lines[0].startsWith("error: --epochs")) throw new Error();
 * ```
 */
export async function main(
  args: string[],
  output: CliOutput = console,
): Promise<number> {
  let request: CliRequest;
  let experiment: Experiment;
  try {
    request = parseArgs(args);
    if (request.help) {
      output.log(USAGE);
      return 0;
    }
    experiment = prepareExperiment(request.config);
    if (request.svgDir !== undefined) await ensureWritable(request.svgDir);
  } catch (error) {
    if (
      error instanceof UsageError || error instanceof RangeError ||
      error instanceof TypeError
    ) {
      output.error(`error: ${error.message}`);
      return 2;
    }
    throw error;
  }
  if (!request.json) output.log("Starting training...");
  const result = await train(experiment, {
    engine: request.engine,
    onEpoch: request.json ? undefined : ({ epoch, loss }) => {
      if (epoch % 20 === 0) output.log(formatEpoch(epoch, loss));
    },
  });
  if (request.json) {
    output.log(JSON.stringify(toCliJson(experiment, result)));
  } else {
    output.log(
      "\n" + formatAnalysis(analyzeAttention(experiment, result.finalWeights)),
    );
  }
  if (request.svgDir !== undefined) {
    // Plot, linkedom and tfjs load only for --svg.
    const [{ toSvgString }, { experimentCharts }] = await Promise.all([
      import("./charts/svg.ts"),
      import("./charts/experiment.ts"),
    ]);
    const charts = experimentCharts(experiment, result);
    for (const [name, chart] of Object.entries(charts)) {
      await Deno.writeTextFile(
        `${request.svgDir}/${name}.svg`,
        toSvgString(chart),
      );
    }
    if (!request.json) {
      output.log(
        `\nWrote ${Object.keys(charts).length} charts to ${request.svgDir}`,
      );
    }
  }
  return 0;
}

// Asks for write access to `dir` only, and creates it, before any training.
async function ensureWritable(dir: string): Promise<void> {
  const status = await Deno.permissions.request({ name: "write", path: dir });
  if (status.state !== "granted") {
    throw new UsageError(
      `--svg ${dir} needs write access to that folder: run deno run --allow-read=lib --allow-write=${dir} lib/cli.ts --svg ${dir} …`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `--svg ${dir}: cannot create that folder (${
        error instanceof Error ? error.message : error
      })`,
    );
  }
}

// Decimal numbers only ("0.001", "1e-3", "200"); not "0x10", "Infinity" or "".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function number(flag: string, text: string): number {
  if (!NUMBER.test(text.trim())) {
    throw new UsageError(`${flag} takes a number, got ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function flagOnly(flag: string, inline: string | undefined): true {
  if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
  return true;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    // Not a user mistake (those return 2): still one line, no stack trace.
    console.error(
      `error: ${error instanceof Error ? error.message : String(error)}`,
    );
    Deno.exit(1);
  }
}
