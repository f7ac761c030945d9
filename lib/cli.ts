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
} from "./demo/analysis.ts";
import { concat } from "@std/bytes/concat";
import { parseArgs as parseFlags } from "@std/cli/parse-args";
import { describe, shorten } from "./core/_describe.ts";
import {
  type AttentionConfig,
  learningRateWarning,
  MAX_SENTENCE_LENGTH,
} from "./demo/config.ts";
import { type Experiment, prepareExperiment } from "./demo/experiment.ts";
import {
  ENGINE_NAMES,
  type EngineChoice,
  type EngineName,
  trainExperiment,
  type TrainResult,
} from "./demo/training.ts";

const USAGE = `Usage: deno task attention [options]

Trains the focus word's attention towards the size words, as the original demo.

Options:
  --sentence TEXT         the sentence (default: the original's)
  --sentence-file PATH    read the sentence from a UTF-8 file (- for stdin)
  --focus-word WORD       the word whose attention is trained (default: it)
  --size-words A,B,C      comma-separated size words (default: elephant,car,too)
  --d-model N             embedding width (default: 4)
  --learning-rate X       Adam's step size (default: 0.001)
  --epochs N              training epochs (default: 200)
  --seed N                seed of the initial parameters (default: 0)
  --engine NAME           auto (default: handwritten when it can), handwritten or tfjs
  --json                  print one JSON object instead of the report
  --svg DIR               also write the charts as SVG files into DIR
  --help                  show this help

A long run shows its progress on stderr; Ctrl-C stops it (exit code 130).`;

/** What the command line asked for. */
export interface CliRequest {
  /** Configuration fields given on the command line. */
  config: Partial<AttentionConfig>;
  /** Print JSON instead of the report. */
  json: boolean;
  /** Folder for SVG charts, if any. */
  svgDir?: string;
  /** File to read the sentence from (`-` for stdin), if any. */
  sentenceFile?: string;
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
 * @throws {UsageError} For an unknown flag, a repeated flag, a missing value
 *   or a malformed number.
 *
 * @example
 * ```ts
 * import { parseArgs } from "./cli.ts";
 * const request = parseArgs(["--epochs", "10", "--size-words=car,too"]);
 * if (request.config.epochs !== 10 || request.config.sizeWords?.length !== 2) throw new Error();
 * ```
 */
export function parseArgs(args: string[]): CliRequest {
  const flags: ParsedFlags = parseFlags(attachValues(args), {
    string: VALUE_FLAGS,
    boolean: SWITCHES,
    alias: { h: "help" },
    collect: [...VALUE_FLAGS, ...SWITCHES], // to see a flag given twice
    unknown: (arg: string) => {
      throw unknownOption(arg);
    },
  });
  // A flag given twice would silently keep its last value: refuse it instead.
  for (const flag of [...VALUE_FLAGS, ...SWITCHES]) {
    if (flags[flag].length < 2) continue;
    throw new UsageError(
      `${describe(`--${flag}`)} is given twice; give each option once${
        flag === "size-words" ? " (several size words: --size-words a,b,c)" : ""
      }`,
    );
  }
  const value = (flag: ValueFlag): string | undefined => flags[flag][0];
  const request: CliRequest = {
    config: {},
    json: flags.json.length > 0,
    help: flags.help.length > 0,
    engine: "auto",
  };
  const { config } = request;
  if (value("sentence") !== undefined) config.sentence = value("sentence");
  if (value("focus-word") !== undefined) config.focusWord = value("focus-word");
  const sizeWords = value("size-words");
  if (sizeWords !== undefined) {
    config.sizeWords = sizeWords.split(",").map((w) => w.trim())
      .filter((w) => w !== "");
  }
  for (
    const [flag, field] of [
      ["d-model", "dModel"],
      ["learning-rate", "learningRate"],
      ["epochs", "epochs"],
      ["seed", "seed"],
    ] as const
  ) {
    const text = value(flag);
    if (text !== undefined) config[field] = number(`--${flag}`, text);
  }
  const engine = value("engine");
  if (engine !== undefined) {
    if (engine !== "auto" && !ENGINE_NAMES.includes(engine as EngineName)) {
      throw new UsageError(
        `--engine takes auto, ${ENGINE_NAMES.join(" or ")}, got ${
          describe(engine)
        }`,
      );
    }
    request.engine = engine as EngineName | "auto";
  }
  request.svgDir = value("svg");
  if (request.svgDir?.trim() === "") {
    throw new UsageError("--svg needs a folder name");
  }
  request.sentenceFile = value("sentence-file");
  if (request.sentenceFile === "") {
    throw new UsageError("--sentence-file needs a file name, or - for stdin");
  }
  if (request.sentenceFile !== undefined && config.sentence !== undefined) {
    throw new UsageError(
      "give the sentence once: either --sentence or --sentence-file",
    );
  }
  return request;
}

// The flags that take a value, and the switches (`-h` is `--help`).
const VALUE_FLAGS = [
  "sentence",
  "sentence-file",
  "focus-word",
  "size-words",
  "d-model",
  "learning-rate",
  "epochs",
  "seed",
  "engine",
  "svg",
] as const;
const SWITCHES = ["json", "help"] as const;
type ValueFlag = typeof VALUE_FLAGS[number];
type Switch = typeof SWITCHES[number];

// What @std/cli's parseArgs returns with every flag in `collect`: each
// flag's values in order ([] when absent; a switch collects `true`s).
type ParsedFlags =
  & Record<ValueFlag, string[]>
  & Record<Switch, true[]>;

// Rules of this CLI that @std/cli's parseArgs reads otherwise, applied
// before it: a flag's value is the next argument even when it starts with a
// single "-" (`--learning-rate -1`), joined as `--flag=value`; a missing
// value is an error, not ""; a switch takes no value, not even a following
// `true` or `false`; and `--` is an unknown option like any other word
// (there are no positional arguments for it to introduce).
function attachValues(args: string[]): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const [arg, next] = [args[i], args[i + 1]];
    const [name, inline] = arg.slice(2).split("=", 2);
    if (!arg.startsWith("--")) {
      if (arg === "-h" && (next === "true" || next === "false")) {
        throw unknownOption(next);
      }
    } else if (
      VALUE_FLAGS.includes(name as ValueFlag) && inline === undefined
    ) {
      // A following flag is not a value (write --flag=--x for such a value).
      if (next === undefined || next.startsWith("--")) {
        throw new UsageError(`${arg} needs a value`);
      }
      joined.push(`${arg}=${next}`);
      i++;
      continue;
    } else if (SWITCHES.includes(name as Switch)) {
      if (inline !== undefined) {
        throw new UsageError(`--${name} takes no value`);
      }
      if (next === "true" || next === "false") throw unknownOption(next);
    } else if (arg === "--") throw unknownOption(arg);
    joined.push(arg);
  }
  return joined;
}

function unknownOption(arg: string): UsageError {
  return new UsageError(
    `unknown option ${describe(arg)}; run with --help for the options`,
  );
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

/** Where {@linkcode main} writes: the process's stdout and stderr by default, anything in tests. */
export interface CliOutput {
  /** Writes one line (or several) to standard output. */
  log(text: string): void;
  /** Writes one line to standard error. */
  error(text: string): void;
}

/**
 * The process's own stdout and stderr, written directly: for a large
 * `--json` document many times faster than `console.log` (about 7 s per
 * 40 MB).
 */
export const STANDARD_OUTPUT: CliOutput = {
  log: (text) => writeAll(Deno.stdout, text + "\n"),
  error: (text) => writeAll(Deno.stderr, text + "\n"),
};

// A reader that closes the pipe early (`… --json | head -c 10`) has all it
// wants: stdout's end stops the program quietly (StdoutClosed, exit code 0);
// a closed stderr drops the line, since nobody is there to read it.
function writeAll(
  stream: typeof Deno.stdout | typeof Deno.stderr,
  text: string,
): void {
  const bytes = new TextEncoder().encode(text);
  try {
    for (let done = 0; done < bytes.length;) {
      done += stream.writeSync(bytes.subarray(done));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
    if (stream === Deno.stdout) throw new StdoutClosed();
  }
}

/** Thrown when whoever reads the CLI's stdout has closed it. */
class StdoutClosed extends Error {
  constructor() {
    super("stdout was closed");
  }
}

/**
 * Runs the command line: parses, trains, prints. Never throws for a user
 * mistake: it prints one line on stderr and returns exit code 2.
 *
 * @param args The arguments, without the program name.
 * @param output Where to print; default {@linkcode STANDARD_OUTPUT}.
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
  output: CliOutput = STANDARD_OUTPUT,
): Promise<number> {
  let request: CliRequest;
  let experiment: Experiment;
  try {
    request = parseArgs(args);
    if (request.help) {
      output.log(USAGE);
      return 0;
    }
    if (request.sentenceFile !== undefined) {
      request.config.sentence = await readSentence(request.sentenceFile);
    }
    experiment = prepareExperiment(request.config);
    // The charts build no [seqLen, seqLen] matrix for a long sentence
    // (experimentCharts runs the forward pass only for its small heatmaps).
    if (request.svgDir !== undefined) await checkSvgTargets(request.svgDir);
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
  const warning = learningRateWarning(experiment.config.learningRate);
  if (warning !== undefined) output.error(`warning: ${warning}`);
  if (!request.json) output.log("Starting training...");
  const { epochs } = experiment.config;
  const progress = new Progress(epochs, {
    output,
    terminal: output === STANDARD_OUTPUT && Deno.stderr.isTerminal(),
  });
  if (isLarge(experiment)) progress.announce();
  // Ctrl-C sets a flag; training sees it at its next pause and stops.
  let interrupted = false;
  const onInterrupt = () => {
    interrupted = true;
  };
  listenForInterrupt(onInterrupt, true);
  let result: TrainResult;
  try {
    let lastPause = performance.now();
    result = await trainExperiment(experiment, {
      engine: request.engine,
      onEpoch: ({ epoch, loss }) => {
        if (!request.json && epoch % 20 === 0) {
          progress.clear();
          output.log(formatEpoch(epoch, loss));
        }
        progress.update(epoch + 1);
        // Pause a moment every 50 ms so that a Ctrl-C can be noticed.
        if (performance.now() - lastPause < 50) return;
        return new Promise<void>((resolve) => setTimeout(resolve, 0)).then(
          () => {
            lastPause = performance.now();
            if (interrupted) throw new Interrupted(epoch + 1);
          },
        );
      },
    });
  } catch (error) {
    if (!(error instanceof Interrupted)) throw error;
    progress.clear();
    output.error(`interrupted after ${error.epochs} of ${epochs} epochs`);
    return 130;
  } finally {
    listenForInterrupt(onInterrupt, false);
    progress.clear();
  }
  progress.finish();
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
    const files = Object.entries(charts).map(([name, chart]) =>
      [`${name}.svg`, toSvgString(chart)] as const
    );
    try {
      await writeCharts(request.svgDir, files);
    } catch (error) {
      output.error(`error: ${error instanceof Error ? error.message : error}`);
      return 1;
    }
    if (!request.json) {
      output.log(`\nWrote ${files.length} charts to ${request.svgDir}`);
    }
  }
  return 0;
}

// Thrown from the epoch callback to stop training after a Ctrl-C.
class Interrupted extends Error {
  constructor(readonly epochs: number) {
    super("interrupted");
  }
}

function listenForInterrupt(handler: () => void, on: boolean): void {
  try {
    if (on) Deno.addSignalListener("SIGINT", handler);
    else Deno.removeSignalListener("SIGINT", handler);
  } catch {
    // no signals on this platform: Ctrl-C ends the process as usual
  }
}

// A run that takes more than a few seconds even before its first epoch is
// over: a million parameters or more, or a billion steps of work in all
// (an epoch costs about vocabSize·dModel + dModel² + seqLen).
function isLarge(experiment: Experiment): boolean {
  const { dModel, epochs } = experiment.config;
  const vocabSize = experiment.vocabulary.words.length;
  const perEpoch = vocabSize * dModel + dModel * dModel +
    experiment.tokens.length;
  return vocabSize * dModel + 3 * dModel * dModel >= 1e6 ||
    perEpoch * epochs >= 1e9;
}

// Sign of life on stderr for a long run: after two seconds, a bar redrawn in
// place on a terminal, or a line every five seconds when stderr is a file or
// a pipe (or the output is not the process's). Short runs print nothing.
class Progress {
  readonly #total: number;
  readonly #output: CliOutput;
  readonly #terminal: boolean;
  readonly #start = performance.now();
  #lastShown = -Infinity;
  #barShown = false;
  #firstEpochEnd = NaN; // the pace is measured from here: setup is not an epoch

  constructor(total: number, to: { output: CliOutput; terminal: boolean }) {
    this.#total = total;
    this.#output = to.output;
    this.#terminal = to.terminal;
  }

  // Says at once that a large run has started (setting it up takes a while).
  announce(): void {
    this.#output.error(
      `training ${this.#total} epochs; this is a large run, progress follows on stderr (Ctrl-C stops it)`,
    );
  }

  update(done: number): void {
    const now = performance.now();
    if (done === 1) this.#firstEpochEnd = now;
    const elapsed = now - this.#start;
    if (elapsed < 2000 || done === this.#total) return;
    if (now - this.#lastShown < (this.#terminal ? 100 : 5000)) return;
    this.#lastShown = now;
    const msPerEpoch = (now - this.#firstEpochEnd) / (done - 1);
    const line = formatProgress(done, this.#total, {
      elapsedMs: elapsed,
      leftMs: msPerEpoch * (this.#total - done),
    });
    if (this.#terminal) {
      writeAll(Deno.stderr, `\r${line}\x1b[K`);
      this.#barShown = true;
    } else {
      this.#output.error(`progress: ${line}`);
    }
  }

  // After a run that showed progress: says that the output is being prepared
  // (for a long sentence, ranking and writing it takes seconds too).
  finish(): void {
    if (this.#lastShown === -Infinity) return;
    const seconds = Math.round((performance.now() - this.#start) / 1000);
    this.#output.error(
      `training done after ${seconds} s; preparing the output`,
    );
  }

  // Removes the bar so that other output starts on a clean line.
  clear(): void {
    if (!this.#barShown) return;
    writeAll(Deno.stderr, "\r\x1b[K");
    this.#barShown = false;
  }
}

/** The times {@linkcode formatProgress} shows. */
export interface ProgressTimes {
  /** Milliseconds since the run started. */
  elapsedMs: number;
  /** Estimated milliseconds left; NaN when unknown. */
  leftMs: number;
}

/**
 * One progress line: a bar, the epoch, the share done, the time so far and
 * the time left.
 *
 * @param done Epochs finished.
 * @param total Epochs in all.
 * @param times Time elapsed and estimated time left.
 * @returns For example `[#####---------------]  25% epoch 250 of 1000, 3 s elapsed, about 9 s left`.
 *
 * @example
 * ```ts
 * import { formatProgress } from "./cli.ts";
 * const line = formatProgress(250, 1000, { elapsedMs: 3000, leftMs: 9000 });
 * if (!line.includes(" 25% epoch 250 of 1000") || !line.endsWith("about 9 s left")) throw new Error(line);
 * ```
 */
export function formatProgress(
  done: number,
  total: number,
  times: ProgressTimes,
): string {
  const { elapsedMs, leftMs: left } = times;
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(share * 20);
  return `[${"#".repeat(filled)}${"-".repeat(20 - filled)}] ${
    String(Math.floor(share * 100)).padStart(3)
  }% epoch ${done} of ${total}, ${duration(elapsedMs)} elapsed, ${
    Number.isFinite(left) ? `about ${duration(left)} left` : "time left unknown"
  }`;
}

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 120 ? `${m} min` : `${Math.round(m / 60)} h`;
}

// Before any training: asks for write access to `dir` only, creates it, and
// checks that every chart's file can be written there (absent, or a file
// that opens for writing: not a folder, not read-only), so that a mistake
// costs no training and leaves no chart behind.
async function checkSvgTargets(dir: string): Promise<void> {
  const shown = shorten(dir);
  const status = await Deno.permissions.request({ name: "write", path: dir });
  if (status.state !== "granted") {
    throw new UsageError(
      `--svg ${shown} needs write access to that folder: run deno run --allow-read=lib --allow-write=${shown} lib/cli.ts --svg ${shown} …`,
    );
  }
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(
      `--svg ${shown}: cannot create that folder (${osReason(error)})`,
    );
  }
  const { EXPERIMENT_CHARTS } = await import("./charts/experiment.ts");
  for (const name of EXPERIMENT_CHARTS) {
    try {
      // Opening for writing, without creating or truncating, changes nothing.
      (await Deno.open(`${dir}/${name}.svg`, { write: true })).close();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw new UsageError(
        `--svg ${shown}: cannot write ${name}.svg there (${
          error instanceof Deno.errors.IsADirectory
            ? "it is a folder"
            : osReason(error)
        }); move it away or choose another folder`,
      );
    }
  }
}

// Writes the charts checked by checkSvgTargets. (Not through a temporary
// folder moved into place: Deno's rename needs read access too, which
// `deno task attention` does not grant.) A failure now, such as a full disk,
// names the file and says how many were written.
async function writeCharts(
  dir: string,
  files: readonly (readonly [name: string, text: string])[],
): Promise<void> {
  for (const [i, [name, text]] of files.entries()) {
    try {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    } catch (error) {
      throw new Error(
        `--svg ${shorten(dir)}: cannot write ${name} (${osReason(error)}); ${
          i === 0
            ? "no chart was written"
            : `only the first ${i} of ${files.length} charts were written`
        }`,
      );
    }
  }
}

// An OS error's reason without the path Deno appends (`…: open '/a/b'`),
// which may be long and is named by the message anyway.
function osReason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return shorten(text.replace(/: \w+ '.*'$/s, ""), 120);
}

// The text of --sentence-file: a UTF-8 file, or stdin for "-", read up to a
// bound so that a huge file is refused before it fills the memory.
async function readSentence(path: string): Promise<string> {
  const name = path === "-" ? "stdin" : shorten(path);
  let bytes: Uint8Array;
  try {
    if (path === "-") {
      bytes = await readAtMost(
        Deno.stdin.readable,
        MAX_SENTENCE_FILE_BYTES + 1,
      );
    } else {
      const status = await Deno.permissions.request({ name: "read", path });
      if (status.state !== "granted") {
        throw new UsageError(
          `--sentence-file ${name} needs read access to that file: run deno run --allow-read=${name} lib/cli.ts --sentence-file ${name} …`,
        );
      }
      using file = await Deno.open(path);
      bytes = await readAtMost(file.readable, MAX_SENTENCE_FILE_BYTES + 1);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `--sentence-file ${name}: cannot read it (${osReason(error)})`,
    );
  }
  if (bytes.length > MAX_SENTENCE_FILE_BYTES) {
    throw new UsageError(
      `--sentence-file ${name} is larger than ${MAX_SENTENCE_FILE_BYTES} bytes; give a shorter text`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`--sentence-file ${name} is not UTF-8 text`);
  }
}

// UTF-8 needs at most 3 bytes per UTF-16 code unit, so a longer file cannot
// hold a sentence within MAX_SENTENCE_LENGTH; it is refused unread.
const MAX_SENTENCE_FILE_BYTES = 3 * MAX_SENTENCE_LENGTH;

// Reads a stream until it ends or `limit` bytes have arrived.
async function readAtMost(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  return concat(chunks).subarray(0, Math.min(size, limit));
}

// Decimal numbers only ("0.001", "1e-3", "200"); not "0x10", "Infinity" or "".
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function number(flag: string, text: string): number {
  if (!NUMBER.test(text.trim())) {
    throw new UsageError(`${flag} takes a number, got ${describe(text)}`);
  }
  return Number(text);
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    // The reader closed the pipe (`| head`): the Unix way is to stop without
    // a word. Exit code 0 rather than a shell's 141 (SIGPIPE): the run did
    // what was asked, and `set -o pipefail` scripts should not fail on it.
    if (error instanceof StdoutClosed) Deno.exit(0);
    // Not a user mistake (those return 2): still one line, no stack trace.
    console.error(
      `error: ${error instanceof Error ? error.message : String(error)}`,
    );
    Deno.exit(1);
  }
}
