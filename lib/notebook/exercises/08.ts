/**
 * Chapter 8's exercises (notebooks/08_transformer_block.ipynb): counting a
 * causal mask's hidden
 * entries, the shape after the head split, the scale of a head, and a block's
 * parameters.
 * @module
 */

import { blockWeightShapes } from "../../core/block.ts";
import { type Exercise, near } from "./_kit.ts";

const shapes = Object.values(blockWeightShapes(4, 16));

/** Chapter 8's exercises, in the order the notebook asks them. */
export const EXERCISES: Exercise[] = [
  {
    id: "08.masked",
    prompt:
      "How many entries of causalMask(13), the mask of the pink-elephant sentence, are −∞?",
    hint:
      "Entry [i][j] is −∞ when j > i: count the cells above the diagonal, row by row (12 in row 0, then one fewer each row).",
    isCorrect: near(78, 0),
    solution: 13 * 12 / 2,
  },
  {
    id: "08.head-shape",
    prompt:
      "A batch of B = 2 sentences of T = 13 tokens, dModel = 4, split into h = 2 heads: what is the shape of the queries after the split and the transpose? Answer as an array, e.g. [1, 2, 3, 4].",
    hint:
      "The order is [B, h, T, dK], and each head keeps dModel / h of the columns.",
    isCorrect: near([2, 2, 13, 2], 0),
    solution: [2, 2, 13, 2],
  },
  {
    id: "08.scale",
    prompt:
      "GPT-2 small has dModel = 768 and 12 heads. By what number are each head's scores divided before the softmax?",
    hint:
      "The scale is the square root of the width of the vectors in the dot product: one head's width, not the model's.",
    isCorrect: near(Math.sqrt(768 / 12), 1e-6),
    solution: Math.sqrt(768 / 12),
  },
  {
    id: "08.parameters",
    prompt:
      "How many numbers does one block with dModel = 4, 2 heads and dFF = 16 learn (attention, feed-forward and both LayerNorms, biases included)?",
    hint:
      "Add up in_proj (3·d·d + 3·d), out_proj (d·d + d), linear1 (dFF·d + dFF), linear2 (d·dFF + d) and two LayerNorms (a gain and a shift of d each). The number of heads changes nothing.",
    isCorrect: near(
      shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0),
      0,
    ),
    solution: shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0),
  },
];
