import {
  assert,
  assertEquals,
  assertNotEquals,
  assertThrows,
} from "@std/assert";
import {
  ADJECTIVES,
  buildCorpus,
  CONTAINERS,
  encode,
  makeSentence,
  PAD,
  shuffle,
  TEMPLATES,
  THINGS,
  UNKNOWN,
} from "../lib/chapters/07_attention_from_a_task/corpus.ts";

Deno.test("the corpus holds every template × thing × container × adjective once", () => {
  const { train, test } = buildCorpus();
  const all = [...train, ...test];
  assertEquals(
    all.length,
    TEMPLATES.length * THINGS.length * CONTAINERS.length * ADJECTIVES.length,
  );
  assertEquals(new Set(all.map((s) => s.words.join(" "))).size, all.length);
  assertEquals([train.length, test.length], [864, 288]);
});

Deno.test("the split is by noun pair: no held-out pair occurs in training", () => {
  const { train, test } = buildCorpus();
  const key = (s: { pair: [string, string] }) => s.pair.join("+");
  const trainPairs = new Set(train.map(key));
  const testPairs = new Set(test.map(key));
  assertEquals(testPairs.size, 36);
  assertEquals(trainPairs.size, 108);
  for (const pair of testPairs) assert(!trainPairs.has(pair), pair);
  // every noun still appears in training, in both roles of the sentence
  for (const noun of [...THINGS, ...CONTAINERS]) {
    assert(train.some((s) => s.referent === noun), `${noun} never a referent`);
  }
});

Deno.test("labels are right: hand-labelled sentences", () => {
  // Each label written by a person reading the sentence, not by the rule.
  const cases: [number, [string, string], string, string][] = [
    [0, ["trophy", "suitcase"], "big", "trophy"],
    [0, ["trophy", "suitcase"], "small", "suitcase"],
    [1, ["ball", "bag"], "small", "bag"],
    [1, ["ball", "bag"], "big", "ball"],
    [2, ["cake", "box"], "big", "cake"],
    [2, ["cake", "box"], "small", "box"],
    [3, ["drum", "van"], "small", "van"],
    [3, ["drum", "van"], "big", "drum"],
  ];
  for (const [template, pair, adjective, referent] of cases) {
    const s = makeSentence(template, pair, adjective);
    assertEquals(s.referent, referent, s.words.join(" "));
    assertEquals(s.words[s.referentPosition], referent);
    assertEquals(s.words[s.focusPosition], "it");
    assertEquals(s.words.at(-1), adjective);
  }
  assertEquals(
    makeSentence(1, ["ball", "bag"], "small").words.join(" "),
    "the bag could not hold the ball because it was too small",
  );
});

Deno.test("labels are right: in every sentence, too big means the thing, too small the container", () => {
  const { train, test } = buildCorpus();
  for (const s of [...train, ...test]) {
    const [thing, container] = s.pair;
    assertEquals(s.referent, s.adjective === "big" ? thing : container);
    const positions = [s.words.indexOf(thing), s.words.indexOf(container)];
    assertEquals(s.referentPosition, s.words.indexOf(s.referent));
    assertEquals(
      s.order,
      s.referentPosition === Math.min(...positions) ? 0 : 1,
    );
  }
  // the first/second label depends on the template: both occur for "big"
  const bigOrders = new Set(
    train.filter((s) => s.adjective === "big").map((s) => s.order),
  );
  assertEquals([...bigOrders].sort(), [0, 1]);
});

Deno.test("the split is deterministic from the seed", () => {
  const a = buildCorpus({ seed: 5 });
  const b = buildCorpus({ seed: 5 });
  const c = buildCorpus({ seed: 6 });
  const pairs = (x: typeof a) => x.test.map((s) => s.pair.join("+")).join();
  assertEquals(pairs(a), pairs(b));
  assertNotEquals(pairs(a), pairs(c));
  const items = [1, 2, 3, 4, 5, 6, 7, 8];
  shuffle(items, 3);
  assertEquals([...items].sort(), [1, 2, 3, 4, 5, 6, 7, 8]);
});

Deno.test("encode pads, maps unknown words and finds it", () => {
  const { vocabulary } = buildCorpus();
  assertEquals(vocabulary.slice(0, 2), [PAD, UNKNOWN]);
  assertEquals(new Set(vocabulary).size, vocabulary.length);
  const batch = encode(vocabulary, [
    ["the", "elephant", "it"],
    ["it", "was", "too", "big"],
  ]);
  assertEquals([batch.batchSize, batch.seqLen], [2, 4]);
  assertEquals(batch.focusPositions, [2, 0]);
  assertEquals([...batch.ids.slice(0, 4)], [
    vocabulary.indexOf("the"),
    vocabulary.indexOf(UNKNOWN),
    vocabulary.indexOf("it"),
    vocabulary.indexOf(PAD),
  ]);
  assertEquals(batch.ids[7], vocabulary.indexOf("big"));
});

Deno.test("bad input gives a one-line message naming it", () => {
  const { vocabulary } = buildCorpus();
  assertThrows(() => buildCorpus({ seed: 0 }), RangeError, "seed");
  assertThrows(
    () => buildCorpus({ testFraction: 1 }),
    RangeError,
    "testFraction",
  );
  assertThrows(() => encode(vocabulary, []), RangeError, "no sentences");
  assertThrows(
    () => encode(vocabulary, [["the", "car"]]),
    RangeError,
    '"it" exactly once',
  );
  assertThrows(() => encode(vocabulary, [["it", "it"]]), RangeError, "found 2");
  assertThrows(
    () => makeSentence(9, ["ball", "bag"], "big"),
    RangeError,
    "template",
  );
  assertThrows(
    () => makeSentence(0, ["ball", "bag"], "huge"),
    RangeError,
    '"huge"',
  );
});

Deno.test("bothRoles: every noun plays both roles in training, the split is still by pair", () => {
  const mixed = buildCorpus({ bothRoles: true });
  assertEquals([mixed.train.length, mixed.test.length], [864, 288]);
  const roles = new Map<string, Set<number>>();
  for (const s of mixed.train) {
    s.pair.forEach((noun, role) =>
      roles.set(noun, (roles.get(noun) ?? new Set()).add(role))
    );
  }
  assert([...roles.values()].some((r) => r.size === 2));
  const key = (s: { pair: string[] }) => s.pair.join("+");
  const trainPairs = new Set(mixed.train.map(key));
  assert(mixed.test.every((s) => !trainPairs.has(key(s))));
  assert(mixed.train.every((s) => s.pair[0] !== s.pair[1]));
  assertEquals(mixed.vocabulary, buildCorpus().vocabulary);
});
