// The committed checkpoint of chapter 11 (lib/chapters/11_a_small_gpt/weights/),
// read independently: numpy parses the safetensors file, PyTorch runs
// nanoGPT's GPT on the fixed validation sample, and the loss equals the
// library's (the issue asks for 0.02; float32 on both sides gives far less).

import { assert, assertAlmostEquals, assertEquals } from "@std/assert";
import { useBackend } from "../../lib/core/backend.ts";
import { gpt } from "../../lib/core/gpt.ts";
import { Model } from "../../lib/core/model.ts";
import {
  CHECKPOINT_URL,
  fixedSample,
  loadCheckpoint,
  sampleLoss,
  splitByYear,
  TRAINING_LOG_URL,
  VALIDATION_WINDOWS,
  Vocabulary,
} from "../../lib/chapters/11_a_small_gpt/mod.ts";
import { runTorchScript } from "../_reference.ts";

Deno.test("the committed checkpoint gives the same validation loss in PyTorch as in the library", async () => {
  await useBackend("auto");
  const checkpoint = loadCheckpoint(CHECKPOINT_URL);
  const split = splitByYear();
  const vocabulary = Vocabulary.fromText(split.train);
  assertEquals(checkpoint.vocabulary.characters, vocabulary.characters);
  const log = JSON.parse(Deno.readTextFileSync(TRAINING_LOG_URL));
  assert(
    log.losses.length >= checkpoint.step,
    "the log covers the checkpoint's steps",
  );
  const model = new Model(gpt(checkpoint.config), {
    values: checkpoint.values,
  });
  const ours = sampleLoss(
    model,
    fixedSample(vocabulary.encode(split.validation), {
      blockSize: checkpoint.config.blockSize,
    }),
  );
  model.dispose();
  const theirs = await runTorchScript<{ loss: number; characters: number }>(
    "bench/torch_gpt_char.py",
    {
      mode: "evaluate",
      checkpoint: decodeURIComponent(CHECKPOINT_URL.pathname),
      text: split.validation,
      windows: VALIDATION_WINDOWS,
    },
  );
  assertEquals(
    theirs.characters,
    VALIDATION_WINDOWS * checkpoint.config.blockSize,
  );
  assertAlmostEquals(ours, theirs.loss, 1e-3);
});
