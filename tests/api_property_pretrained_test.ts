// Issue 25's property test (harness: tests/_property.ts) over chapter 9's
// loaded model: loadPretrained, the PretrainedModel constructor and every
// method, on the real 26 MB Universal Sentence Encoder (loaded once, about
// a tenth of a second; a forward pass about a quarter).
import * as chapter9 from "../lib/chapters/09_a_pretrained_transformer/pretrained.ts";
import { type Base, propertyTests } from "./_property.ts";

const model = await chapter9.loadPretrained();

// A graph's stand-in for the constructor, which only keeps it.
const stubGraph = () => ({
  executeAsync: () => Promise.resolve([]),
  dispose() {},
});

const BASES: Record<string, Base> = {
  "chapter9.loadPretrained": { params: [], args: () => [] },
  "chapter9.PretrainedModel": { params: ["graph"], args: () => [stubGraph()] },
  "chapter9.PretrainedModel.tokenize": {
    params: ["text"],
    args: () => ["the cat sat"],
    call: (a) => model.tokenize(a as never),
  },
  "chapter9.PretrainedModel.attention": {
    params: ["text"],
    args: () => ["the cat sat"],
    call: (a) => model.attention(a as never),
  },
  "chapter9.PretrainedModel.queriesAndKeys": {
    params: ["text", "layer"],
    args: () => ["the cat sat", 1],
    call: (a, b) => model.queriesAndKeys(a as never, b as never),
  },
  "chapter9.PretrainedModel.embedding": {
    params: ["text", "options"],
    args: () => ["the cat sat", {
      ablate: { layer: 0, head: 1, scale: 0.5, positions: [0, 1] },
    }],
    call: (a, b) => model.embedding(a as never, b as never),
  },
  "chapter9.PretrainedModel.architecture": {
    params: [],
    args: () => [],
    call: () => model.architecture(),
  },
};

const elsewhere = "fuzzed in api_property_test.ts";
const NOT_CALLED: Record<string, string> = {
  "chapter9.PRETRAINED_MODEL": "a constant",
  "chapter9.WORD_START": "a constant",
  "chapter9.tokenizeSubwords": elsewhere,
  "chapter9.subwordWords": elsewhere,
};

propertyTests("chapter 9's loaded model", {
  modules: { chapter9 },
  bases: BASES,
  notCalled: NOT_CALLED,
  minCalls: 80,
});

// Last in this file (Deno runs a file's tests in order): the model is freed.
Deno.test("chapter 9's loaded model: the model is freed", () => {
  model.dispose();
});
