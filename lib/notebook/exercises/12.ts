/**
 * Chapter 12's exercises (notebooks/12_attention_at_scale.ipynb): a KV
 * cache's bytes, what grouped-query attention saves, the largest buffer of
 * tiled attention, and RoPE's relative positions. Solutions are computed
 * with the library's own functions, so the two cannot drift.
 * @module
 */

import { kvCacheBytesPerToken } from "../../core/gqa.ts";
import { type Exercise, near } from "./_kit.ts";

const gpt2 = kvCacheBytesPerToken({ numLayers: 12, numKvHeads: 12, dK: 64 });
const llamaLike = {
  mha: kvCacheBytesPerToken({
    numLayers: 80,
    numKvHeads: 64,
    dK: 128,
    bytesPerNumber: 2,
  }),
  gqa: kvCacheBytesPerToken({
    numLayers: 80,
    numKvHeads: 8,
    dK: 128,
    bytesPerNumber: 2,
  }),
};

/** Chapter 12's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "12.cache-bytes",
    prompt:
      "GPT-2 small has 12 layers of 12 heads, each head 64 wide. How many bytes does its float32 KV cache hold per token?",
    hint:
      "Per layer and per head, one key and one value of dK numbers are kept; a float32 number is 4 bytes.",
    isCorrect: near(gpt2, 0),
    solution: gpt2,
  },
  {
    id: "12.gqa-saving",
    prompt:
      "A model of 80 layers has 64 query heads of width 128 and stores its cache in 16-bit numbers. With grouped-query attention and 8 key/value heads, how many times smaller is its KV cache than with multi-head attention?",
    hint:
      "Only the number of key/value heads changes between the two caches; layers, width and bytes per number cancel out.",
    isCorrect: near(llamaLike.mha / llamaLike.gqa, 1e-9),
    solution: llamaLike.mha / llamaLike.gqa,
  },
  {
    id: "12.tile-buffer",
    prompt:
      "tiledAttention with T = 8192 queries and keys, dK = dV = 64 and blocks of 32 × 32: how many numbers does its largest buffer hold?",
    hint:
      "The buffers are the output [T, dV], the tile [Bq, Bk], acc [Bq, dV] and m, l [Bq]: which is largest?",
    isCorrect: near(Math.max(8192 * 64, 32 * 32, 32 * 64), 0),
    solution: Math.max(8192 * 64, 32 * 32, 32 * 64),
  },
  {
    id: "12.rope-offset",
    prompt:
      "With RoPE, the score of a query at position 10 and a key at position 3 is s. The key is now at position 100: at which query position is the score s again?",
    hint:
      "The score depends only on the query's position minus the key's position.",
    isCorrect: near(100 + (10 - 3), 0),
    solution: 100 + (10 - 3),
  },
];
