/**
 * Chapter 7, attention from a task: the corpus of "it" sentences, the model
 * that must name the referent (on the model contract, trained by the one
 * trainer), and its charts. Imported on its own by notebook 7:
 * `import { … } from "../lib/chapters/07_attention_from_a_task/mod.ts"`.
 * @module
 */

export {
  buildCorpus,
  type Corpus,
  encode,
  type EncodedBatch,
  makeSentence,
  type TaskSentence,
  TEMPLATES,
  UNKNOWN,
} from "./corpus.ts";
export {
  DEFAULT_TASK_CONFIG,
  evaluateTask,
  type InterventionBatch,
  taskDefinition,
  type TaskEvaluation,
  TaskModel,
  type TaskModelConfig,
  type TaskStep,
  trainTask,
  type TrainTaskResult,
} from "./task_model.ts";
export { focusAttention, type FocusRow, trainTaskLive } from "./task_charts.ts";
