// Issue 13: a property-style test. Random sentences (several scripts,
// punctuation, repeats) and random settings go through the CLI's main() in
// process and through the library; every run must end in a report or in one
// readable error line, never a crash, a stack trace or a NaN. Seeded: set
// HARDENING_SEED to replay a failure (the seed is in every failure message).
import { assert, assertEquals } from "@std/assert";
import { main } from "../lib/cli.ts";
import { prepareExperiment, tokenize, trainExperiment } from "../lib/mod.ts";

const SEED = Number(Deno.env.get("HARDENING_SEED") ?? 20261129);
const RUNS = 60;

// mulberry32: small, seeded, good enough to pick test cases
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  // Latin, with case, accents, apostrophes and hyphens
  "The",
  "elephant",
  "CAR",
  "too",
  "it",
  "don’t",
  "well-known",
  "Éléphant",
  "naïve",
  "e\u0301te\u0301",
  // Greek (final sigma), Cyrillic
  "ΟΔΟΣ",
  "είναι",
  "μεγάλη",
  "Σοφός",
  "слон",
  "МАШИНА",
  // scripts without spaces
  "大象想进入汽车但是它太大了",
  "象は車に入らない",
  "ช้างอยากเข้าไปในรถแต่มันใหญ่เกินไป",
  // right to left, Indic, digits, symbols
  "الفيل",
  "كبير",
  "हाथी",
  "बड़ा",
  "42",
  "3.14",
  "❤️",
  "🐘",
  "\u0301",
  "_",
];
const SEPARATORS = [
  " ",
  " ",
  " ",
  "",
  ".",
  ", ",
  "! ",
  "…",
  "\n",
  "\t",
  " — ",
  "“",
  "”",
  "-",
  "'",
];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)];
}

function randomSentence(random: () => number): string {
  const length = 1 + Math.floor(random() * 12);
  const words: string[] = [];
  for (let i = 0; i < length; i++) {
    // repeats: sometimes reuse an earlier word
    words.push(
      words.length > 0 && random() < 0.25
        ? pick(random, words)
        : pick(random, WORDS),
    );
  }
  return words.map((w) => w + pick(random, SEPARATORS)).join("");
}

interface Case {
  args: string[];
  json: boolean;
}

// `engine` takes turns (not drawn) so that the cases stay those of the seed.
function randomCase(random: () => number, engine: string): Case {
  const sentence = randomSentence(random);
  const tokens = tokenize(sentence);
  const word = () =>
    tokens.length > 0 && random() < 0.8
      ? pick(random, tokens)
      : pick(random, WORDS);
  const sizeWords = Array.from({ length: 1 + Math.floor(random() * 3) }, word);
  const args = [
    "--sentence",
    sentence,
    "--focus-word",
    word(),
    `--size-words=${sizeWords.join(random() < 0.5 ? "," : " , ")}`,
    "--d-model",
    String(1 + Math.floor(random() * 32)),
    "--epochs",
    String(1 + Math.floor(random() * 30)),
    "--learning-rate",
    String(pick(random, [0.001, 0.01, 0.05, 0.1, 1, 10])),
    "--seed",
    String(Math.floor(random() * 2 ** 32)),
    "--engine",
    engine,
  ];
  const json = random() < 0.4;
  if (json) args.push("--json");
  // now and then a user mistake on top
  const mistake = random();
  if (mistake < 0.05) args.push("--epochs", "5");
  else if (mistake < 0.08) args.push("--bogus");
  else if (mistake < 0.1) args.push("--d-model=");
  return { args, json };
}

// Runs main() with its output captured.
async function runMain(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, {
    log: (text) => out.push(text + "\n"),
    error: (text) => err.push(text + "\n"),
  });
  return { code, stdout: out.join(""), stderr: err.join("") };
}

Deno.test(`random sentences and settings end in a report or one readable error (seed ${SEED})`, async () => {
  const random = generator(SEED);
  const outcomes = { report: 0, json: 0, error: 0 };
  for (let run = 0; run < RUNS; run++) {
    const engine = ["auto", "handwritten", "tfjs"][run % 3];
    const { args, json } = randomCase(random, engine);
    const where = `seed ${SEED}, run ${run}: ${JSON.stringify(args)}`;
    const { code, stdout, stderr } = await runMain(args);
    const errLines = stderr.split("\n").filter((l) => l !== "");
    if (code === 2) {
      outcomes.error++;
      assertEquals(stdout, "", where);
      assertEquals(errLines.length, 1, `${where}\n${stderr}`);
      assert(errLines[0].startsWith("error: "), where);
      assert(errLines[0].length < 400, `${where}: ${errLines[0].length} chars`);
      assert(!/\bat \S+:\d+:\d+/.test(stderr), `${where}: a stack trace`);
      continue;
    }
    assertEquals(code, 0, `${where}\n${stderr}`);
    // only the learning-rate warning, and progress when a run takes more
    // than two seconds (a slow machine, tfjs loading), may appear on stderr
    for (const line of errLines) {
      assert(
        /^(warning|progress): |^training done after /.test(line),
        `${where}\n${line}`,
      );
    }
    assert(!stdout.includes("NaN"), `${where}\n${stdout}`);
    if (json) {
      outcomes.json++;
      const doc = JSON.parse(stdout);
      assertEquals(doc.history.length, doc.config.epochs, where);
      const total = doc.weights.reduce(
        (s: number, w: { weight: number }) => s + w.weight,
        0,
      );
      assert(Math.abs(total - 1) < 1e-9, `${where}: weights sum to ${total}`);
    } else {
      outcomes.report++;
      assert(
        /\nCombined weight for size-related words: \d\.\d{4}\n$/.test(stdout),
        `${where}\n${stdout}`,
      );
    }
  }
  // the generator must exercise both endings, or the test proves little
  assert(outcomes.report + outcomes.json >= RUNS / 4, JSON.stringify(outcomes));
  assert(outcomes.error >= RUNS / 10, JSON.stringify(outcomes));
});

Deno.test(`the library gives a finite loss or a named error for random settings (seed ${SEED})`, async () => {
  const random = generator(SEED + 1);
  let trained = 0;
  for (let run = 0; run < RUNS; run++) {
    const sentence = randomSentence(random);
    const tokens = tokenize(sentence);
    const word = () =>
      tokens.length > 0 && random() < 0.8
        ? pick(random, tokens)
        : pick(random, WORDS);
    const settings = {
      sentence,
      focusWord: word(),
      sizeWords: [word(), word()],
      dModel: 1 + Math.floor(random() * 16),
      epochs: 1 + Math.floor(random() * 10),
      learningRate: pick(random, [0.001, 0.1, 10]),
      seed: Math.floor(random() * 1000),
    };
    const where = `seed ${SEED + 1}, run ${run}: ${JSON.stringify(settings)}`;
    let experiment;
    try {
      experiment = prepareExperiment(settings);
    } catch (error) {
      if (!(error instanceof RangeError || error instanceof TypeError)) {
        throw error;
      }
      assertEquals(error.message.split("\n").length, 1, where);
      continue;
    }
    for (const engine of ["handwritten", "tfjs"] as const) {
      const result = await trainExperiment(experiment, { engine });
      assert(Number.isFinite(result.finalLoss), `${where} (${engine})`);
      assert(result.history.every((h) => Number.isFinite(h.loss)), where);
    }
    trained++;
  }
  assert(trained >= RUNS / 4, `only ${trained} of ${RUNS} runs trained`);
});
