/**
 * The attention tutorial's library: everything the notebooks and the CLI use.
 *
 * Pipeline: {@linkcode prepareExperiment} (sentence → tokens → ids) →
 * {@linkcode AttentionModel} (embeddings → Q, K, V → scores → softmax →
 * context) → {@linkcode sizeLoss} → {@linkcode train} → {@linkcode analyzeAttention},
 * with chart builders for every step.
 * @module
 */

export {
  type AttentionConfig,
  checkAttentionCells,
  DEFAULT_CONFIG,
  LEARNING_RATE_WARNING,
  learningRateWarning,
  MAX_ATTENTION_CELLS,
  MAX_SENTENCE_LENGTH,
  resolveConfig,
} from "./config.ts";
export {
  buildVocabulary,
  type Experiment,
  prepareExperiment,
  tokenize,
  type Vocabulary,
} from "./tokenizer.ts";
export {
  checkEmbeddingSize,
  checkParameters,
  cloneParameters,
  type InitOptions,
  initParameters,
  MAX_D_MODEL,
  MAX_EMBEDDING_SIZE,
  MAX_SEED,
  PARAMETER_NAMES,
  type Parameters,
  type ParameterShape,
} from "./parameters.ts";
export {
  type AttentionResult,
  causalMask,
  embeddingLookup,
  multiHeadAttention,
  type MultiHeadAttentionOptions,
  type MultiHeadWeights,
  scaledDotProductAttention,
  type ScaledDotProductAttentionOptions,
  type TensorOrArray,
} from "./attention.ts";
export {
  type AttentionGradients,
  AttentionModel,
  type AttentionSteps,
  type GradientOptions,
} from "./model.ts";
export {
  sizeLoss,
  sizeLossFloor,
  type SizeLossParts,
  sizeMask,
} from "./loss.ts";
export {
  type Engine,
  type EpochReport,
  train,
  type TrainOptions,
  type TrainResult,
} from "./trainer.ts";
export {
  analyzeAttention,
  type AttentionAnalysis,
  formatAnalysis,
  formatEpoch,
  type TokenWeight,
} from "./analysis.ts";
export * from "./charts.ts";
export {
  experimentCharts,
  lossHistory,
  trajectoryPoints,
  weightBars,
} from "./figures.ts";
export {
  checkSetup,
  type Component,
  formatSetup,
  MINIMUM_VERSIONS,
  type SetupOptions,
  type SetupReport,
} from "./setup.ts";
export {
  type DisplayFunction,
  type Disposable,
  type HtmlDisplay,
  keep,
  trainingFrame,
  type TrainingFrameState,
  trainLive,
  type TrainLiveOptions,
} from "./notebook.ts";
export {
  check,
  checkAnswer,
  type CheckResult,
  type Exercise,
  EXERCISES,
  near,
  sameText,
} from "./exercises.ts";
