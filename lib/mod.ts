/**
 * The attention tutorial's library: everything the notebooks and the CLI use.
 *
 * Pipeline: {@linkcode prepareExperiment} (sentence → tokens → ids) →
 * {@linkcode AttentionModel} (embeddings → Q, K, V → scores → softmax →
 * context) → a {@linkcode Loss} (the size loss) → {@linkcode train} (an
 * engine: hand-written or tfjs autodiff) → {@linkcode analyzeAttention},
 * with chart builders for every step.
 *
 * Not re-exported here: chapter 9's pretrained model, `./chapters/09_a_pretrained_transformer/pretrained.ts`;
 * importing it makes Deno download the 26 MB model package, which only that
 * chapter needs. Its charts (the head view) are here, in `./charts/heads.ts`.
 * @module
 */

export {
  ADAM,
  type AttentionConfig,
  checkAttentionCells,
  DEFAULT_CONFIG,
  LEARNING_RATE_WARNING,
  learningRateWarning,
  MAX_ATTENTION_CELLS,
  MAX_SENTENCE_LENGTH,
  resolveConfig,
} from "./demo/config.ts";
export {
  buildVocabulary,
  tokenize,
  type TokenizeOptions,
  type Vocabulary,
} from "./demo/tokenizer.ts";
export { type Experiment, prepareExperiment } from "./demo/experiment.ts";
export {
  checkEmbeddingSize,
  checkParameters,
  cloneParameters,
  type Dimension,
  type InitOptions,
  initParameters,
  MAX_D_MODEL,
  MAX_EMBEDDING_SIZE,
  MAX_SEED,
  PARAMETER_NAMES,
  PARAMETER_SCHEMA,
  type ParameterName,
  type Parameters,
  type ParameterShape,
  parameterShape,
  type ParameterSpec,
} from "./demo/parameters.ts";
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
} from "./core/attention.ts";
export * from "./core/block.ts";
export {
  type BufferRecord,
  type LoopAttentionOptions,
  type LoopAttentionResult,
  type Matrix,
  matrix,
  maxAbsDifference,
  onlineSoftmax,
  onlineSoftmaxStats,
  plainAttention,
  type Precision,
  type SoftmaxStats,
  tiledAttention,
  type TiledAttentionOptions,
  twoPassSoftmax,
} from "./core/tiled_attention.ts";
export {
  groupedQueryAttention,
  type GroupedQueryAttentionOptions,
  kvCacheBytesPerToken,
  type KvCacheShape,
  meanPoolHeads,
} from "./core/gqa.ts";
export {
  applyRope,
  ROPE_BASE,
  type RopeOptions,
  ropeRotate,
} from "./core/rope.ts";
export { slidingWindowMask, type SlidingWindowOptions } from "./core/window.ts";
export {
  type AttentionGradients,
  AttentionModel,
  type AttentionSteps,
  type GradientOptions,
  sizeLoss,
} from "./demo/model.ts";
export {
  createSizeLoss,
  type Loss,
  sizeLossFloor,
  type SizeLossParts,
  sizeLossParts,
  sizeMask,
  type Tfjs,
} from "./demo/loss.ts";
export {
  type Engine,
  ENGINE_NAMES,
  type EngineName,
  type RowState,
  type Stepper,
  type TrainingProblem,
} from "./train/engine.ts";
export {
  HANDWRITTEN_ENGINE,
  HandwrittenAttention,
  type HandwrittenProblem,
  type HandwrittenStep,
} from "./train/handwritten.ts";
export { AUTODIFF_ENGINE } from "./train/autodiff.ts";
export {
  type EngineChoice,
  type EpochReport,
  train,
  type TrainOptions,
  type TrainResult,
} from "./demo/training.ts";
export {
  analyzeAttention,
  type AttentionAnalysis,
  formatAnalysis,
  formatEpoch,
  type TokenWeight,
} from "./demo/analysis.ts";
export {
  type ChartDocument,
  type ChartElement,
  type ChartOptions,
  tokenLabels,
} from "./charts/common.ts";
export {
  attentionBars,
  type AttentionBarsOptions,
  type BarRecord,
  signedBars,
  type SignedBarsOptions,
  weightBars,
} from "./charts/bars.ts";
export {
  lineChart,
  type LineChartOptions,
  type LinePoint,
  lossCurve,
  type LossCurveOptions,
  lossHistory,
  type LossPoint,
} from "./charts/lines.ts";
export {
  type TrajectoryPoint,
  trajectoryPoints,
  type TrajectoryPointsOptions,
  weightTrajectories,
  type WeightTrajectoriesOptions,
} from "./charts/trajectories.ts";
export {
  colorDomain,
  type HeatCell,
  heatmap,
  type HeatmapOptions,
  matrixCells,
  type MatrixCellsOptions,
} from "./charts/heatmap.ts";
export {
  attentionLines,
  type AttentionLinesOptions,
} from "./charts/attention_lines.ts";
export {
  type HeadCell,
  headCells,
  type HeadCellsOptions,
  headRowBars,
  type HeadRowBarsOptions,
  headView,
  type HeadViewOptions,
} from "./charts/heads.ts";
export {
  attentionHeadView,
  attentionModelView,
  type AttentionView,
  type AttentionViewOptions,
  queryKeyView,
  type QueryKeyViewOptions,
  type ViewVectors,
  type ViewWeights,
} from "./charts/interactive.ts";
export {
  PIPELINE_STEPS,
  pipelineMap,
  type PipelineMapOptions,
  type PipelineStep,
} from "./charts/pipeline.ts";
export {
  geometryPoints,
  type ParameterSnapshot,
  queryKeyGeometry,
  type QueryKeyGeometryOptions,
  type VectorPoint,
} from "./charts/geometry.ts";
export { chartRow, toSvgString } from "./charts/svg.ts";
export {
  EXPERIMENT_CHARTS,
  type ExperimentChartName,
  experimentCharts,
  type ExperimentChartsOptions,
} from "./charts/experiment.ts";
export {
  checkSetup,
  type Component,
  formatSetup,
  MINIMUM_VERSIONS,
  type SetupOptions,
  type SetupReport,
} from "./notebook/setup.ts";
export {
  type DisplayFunction,
  type Disposable,
  type HtmlDisplay,
  keep,
  trainingFrame,
  type TrainingFrameState,
  trainLive,
  type TrainLiveOptions,
} from "./notebook/live.ts";
export {
  check,
  checkAnswer,
  type CheckResult,
  type Exercise,
  EXERCISES,
  near,
  sameText,
} from "./notebook/exercises.ts";
export * from "./chapters/07_attention_from_a_task/corpus.ts";
export * from "./chapters/07_attention_from_a_task/task_model.ts";
export * from "./chapters/07_attention_from_a_task/task_charts.ts";
