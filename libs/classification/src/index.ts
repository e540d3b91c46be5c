export { classifyServers, compareCodePoints, createClassifier, DEFAULT_HOT_RATIO, type Classifier } from './classify';
export type {
  ClassificationMetadata,
  ClassificationResult,
  ClassifyInput,
  GatewayDirectory,
  GatewayRef,
  PollType,
  ServerClass,
  SessionPoolSource,
  SessionUsage,
} from './types';
export { POLL_TYPES } from './types';
export type { Clock } from './clock';
export { systemClock } from './clock';
export { ClassificationModule } from './classification.module';
export { CLASSIFICATION_MODULE_OPTIONS } from './classification.module-definition';
export {
  ClassificationOptionsError,
  type ClassificationConfig,
  type ClassificationModuleOptions,
} from './classification.options';
export { ClassificationScheduler, type SchedulerStatus } from './classification.scheduler';
export { PollGate, POLL_DECISION_TIMEOUT_MS } from './poll-gate';
export { ClassificationHealthIndicator } from './classification.health';
export type { ClassificationStore, PollRecord, PublishedClassification } from './classification-store';
export type { LeaderLock } from './leader-lock';
export { classificationKeys, pollScopeHash, DEFAULT_KEY_PREFIX, type ClassificationKeys } from './keys';
export { parsePollTimestamp } from './poll-timestamp';
export { redactUrl } from './redact';
export { createInstanceId } from './instance-id';
export {
  CLASSIFICATION_CONFIG,
  CLASSIFICATION_STORE,
  GATEWAY_DIRECTORY,
  LEADER_LOCK,
  SESSION_POOL_SOURCE,
} from './tokens';
export { errorMessage, withTimeout } from './async-utils';
export { MemoryClassificationStore } from './memory-classification-store';
export { RedisClassificationStore } from './redis-classification-store';
export { LocalLeaderLock } from './local-leader-lock';
export { RedisLeaderLock } from './redis-leader-lock';
export { createClassificationConnections, type ClassificationConnections } from './redis-connections';
