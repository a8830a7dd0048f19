// Public surface of the order path: its declaration (pipeline.ts), the
// sequencer and its durability, and the intakes gateways use.

export {
  CoreJournal,
  type CoreJournalOptions,
  decodeSequencerSnapshot,
  type RecoveryReport,
  type SnapshotReport,
  sequencerSnapshot,
} from "./core-journal.ts";
export { balanceRows, depthOf, LocalIntake } from "./local-intake.ts";
export { LogIntake, type LogIntakeOptions } from "./log-intake.ts";
export { coreObserver, releaseMarkers } from "./observe.ts";
export {
  type DurableSequencerOptions,
  type EmbeddedPipeline,
  type EmbeddedPipelineOptions,
  openDurableSequencer,
  PipelineStartError,
  type SettlementStage,
  sequencerDir,
  startEmbeddedPipeline,
} from "./pipeline.ts";
export {
  type CoreStage,
  type CoreStageFactory,
  composeApplied,
  type Durability,
  type OutputSink,
  Sequencer,
  SequencerBusyError,
  type SequencerOptions,
} from "./sequencer.ts";
export { lastOutput, SequencerService, type SequencerServiceOptions } from "./sequencer-service.ts";
