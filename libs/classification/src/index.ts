export {
  classifyServers,
  classifyUsage,
  compareCodePoints,
  createClassifier,
  DEFAULT_HOT_RATIO,
  hotCapFor,
  type Classifier,
  type ClassifyUsageInput,
} from './classify';
export { mergeUsage, summarizeSessions } from './usage-summary';
export { parseUsageSummary, serializeUsageSummary, type UsageSummary } from './usage-wire';
export { FleetUsage, type FleetUsageSnapshot } from './fleet-usage';
export { PollRound, type PollCandidate } from './poll-round';
export { jitterFactor } from './jitter';
export type {
  ClassificationMetadata,
  ClassificationResult,
  ClassifyInput,
  GatewayRef,
  PollType,
  RankingOptions,
  ServerClass,
  SessionPoolSource,
  SessionUsage,
  SessionUsageReporter,
  UpstreamDirectory,
  UpstreamRef,
  UpstreamUsage,
  UsageByUpstream,
} from './types';
export { systemClock, type Clock } from '@app/common';
export { ClassificationModule } from './classification.module';
export { adaptSessionPool } from './session-pool-adapter';
export { CLASSIFICATION_MODULE_OPTIONS, type ClassificationModuleExtras } from './classification.module-definition';
export { classificationMessages } from './classification.messages';
export {
  ClassificationOptionsError,
  type ClassificationConfig,
  type ClassificationModuleOptions,
} from './classification.options';
export {
  ClassificationScheduler,
  CLASSIFICATION_TASK,
  LOCK_RENEWAL_TASK,
  type SchedulerStatus,
} from './classification.scheduler';
export { PollGate, POLL_DECISION_TIMEOUT_MS, MAX_CLAIM_LEASE_MS, type ClaimOptions } from './poll-gate';
export { ClassificationHealthIndicator } from './classification.health';
export type {
  ClaimReply,
  ClaimRequest,
  ClaimRound,
  ClaimStatus,
  ClassificationStore,
  CompletedPoll,
  PollRecord,
  PublishedClassification,
  StoredUsageSummary,
} from './classification-store';
export type { LeaderLock } from './leader-lock';
export { classificationKeys, pollScopeHash, workerKeyId, DEFAULT_KEY_PREFIX, type ClassificationKeys } from './keys';
export { parsePollTimestamp } from './poll-timestamp';
export { createInstanceId } from './instance-id';
export {
  CLASSIFICATION_CONFIG,
  CLASSIFICATION_STORE,
  LEADER_LOCK,
  SESSION_POOL_SOURCE,
  UPSTREAM_DIRECTORY,
} from './tokens';
export { MemoryClassificationStore } from './memory-classification-store';
export { RedisClassificationStore } from './redis-classification-store';
export { LocalLeaderLock } from './local-leader-lock';
export { RedisLeaderLock, stepDownMarginMs, type RedisLeaderLockOptions } from './redis-leader-lock';
export { createClassificationConnections, type ClassificationConnections } from './redis-connections';
