/**
 * The attention tutorial's library: what the notebooks and readers use.
 *
 * A model is a {@linkcode ModelDefinition} (a parameter schema and a forward
 * that returns its output and every attention matrix), made concrete by
 * {@linkcode Model}; {@linkcode train} trains any of them on a
 * {@linkcode Loss} passed as a value. The original demo's pipeline:
 * {@linkcode prepareExperiment} (sentence → tokens → ids) →
 * {@linkcode AttentionModel} (embeddings → Q, K, V → scores → softmax →
 * context) → a {@linkcode RowLoss} (the size loss) →
 * {@linkcode trainExperiment} → {@linkcode analyzeAttention}, with chart
 * builders for every step.
 *
 * Imported on their own (not re-exported here): chapter 7's model and
 * corpus, `./chapters/07_attention_from_a_task/mod.ts`; chapter 9's
 * pretrained model, `./chapters/09_a_pretrained_transformer/pretrained.ts`
 * (importing it makes Deno download the 26 MB model package, which only
 * that chapter needs); the notebook set-up check, `./notebook/setup.ts`.
 * @module
 */

// The model contract and the one trainer.
export {
  type ForwardResult,
  Model,
  type ModelDefinition,
  type ParameterSpec,
} from "./core/model.ts";
export {
  type Loss,
  type StepRecord,
  train,
  type TrainHistory,
  type TrainOptions,
} from "./train/trainer.ts";
export { CROSS_ENTROPY } from "./train/losses.ts";

// The attention ops and the Transformer block.
export {
  type AttentionResult,
  causalMask,
  embeddingLookup,
  multiHeadAttention,
  type MultiHeadWeights,
  scaledDotProductAttention,
} from "./core/attention.ts";
export {
  BLOCK_WEIGHT_NAMES,
  blockDefinition,
  type BlockWeights,
  blockWeightShapes,
  feedForward,
  initBlockWeights,
  layerNorm,
  learnedPositionTable,
  sinusoidalPositions,
  transformerBlock,
} from "./core/block.ts";

// The original demo's pipeline.
export {
  type AttentionConfig,
  DEFAULT_CONFIG,
  learningRateWarning,
  resolveConfig,
} from "./demo/config.ts";
export { buildVocabulary, tokenize } from "./demo/tokenizer.ts";
export { type Experiment, prepareExperiment } from "./demo/experiment.ts";
export { initParameters, type Parameters } from "./demo/parameters.ts";
export {
  attentionDefinition,
  AttentionModel,
  focusRowLoss,
  sizeLoss,
} from "./demo/model.ts";
export { createSizeLoss, type RowLoss, sizeLossFloor } from "./demo/loss.ts";
export {
  type EngineName,
  trainExperiment,
  type TrainResult,
} from "./demo/training.ts";
export {
  analyzeAttention,
  formatAnalysis,
  formatEpoch,
  progressLines,
  type ProgressLinesOptions,
} from "./demo/analysis.ts";

// Charts: plain records in, an SVG or HTML figure out.
export { type ChartElement, tokenLabels } from "./charts/common.ts";
export { attentionBars, signedBars, weightBars } from "./charts/bars.ts";
export {
  lineChart,
  type LinePoint,
  lossCurve,
  lossHistory,
} from "./charts/lines.ts";
export { trajectoryPoints, weightTrajectories } from "./charts/trajectories.ts";
export { colorDomain, heatmap, matrixCells } from "./charts/heatmap.ts";
export { attentionLines } from "./charts/attention_lines.ts";
export { headRowBars, headView } from "./charts/heads.ts";
export {
  attentionHeadView,
  attentionModelView,
  type AttentionView,
  queryKeyView,
} from "./charts/interactive.ts";
export { pipelineMap } from "./charts/pipeline.ts";
export {
  geometryPoints,
  type ParameterSnapshot,
  queryKeyGeometry,
} from "./charts/geometry.ts";
export { chartRow, toSvgString } from "./charts/svg.ts";
export { experimentCharts } from "./charts/experiment.ts";

// Notebook helpers.
export { keep, liveView, trainLive } from "./notebook/live.ts";
export { check } from "./notebook/exercises.ts";
