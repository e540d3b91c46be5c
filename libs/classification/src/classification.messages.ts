/**
 * Every log line and error text of the classification library, as small factories: one tone
 * (a plain sentence, the subject first, no trailing period), and tests assert through them.
 * Upstreams are named by their redacted URL only.
 */
export const classificationMessages = {
  // Scheduler
  disabled: () => 'Hot/cold classification disabled',
  alreadyRunning: () => 'Classification scheduler already running',
  started: (instanceId: string, store: string, intervalSeconds: number) =>
    `Classification scheduler started (instance=${instanceId}, store=${store}, interval=${intervalSeconds}s)`,
  stopped: () => 'Classification scheduler stopped',
  stopOverran: (ms: number) =>
    `Shutdown step "classification loop stop" overran its ${ms} ms budget; releasing the leader lock without waiting for the cycle`,
  lockReleaseOverran: (ms: number) =>
    `Shutdown step "leader lock release" overran its ${ms} ms budget; the lock lapses with its TTL`,
  lockReleased: () => 'Leader lock released',
  lockNotOurs: () => 'Leader lock was no longer ours; left as it is',
  cycleFailed: (reason: string) => `Classification cycle failed: ${reason}`,
  notLeader: (instanceId: string) => `Not the classification leader (instance=${instanceId})`,
  nothingToClassify: () => 'No enabled upstreams; nothing to classify',
  fencedOut: () => 'Classification not published: another worker holds the leader lock now',
  leadershipLapsedBeforePublish: () =>
    'Classification not published: this worker no longer leads (its leader lock was not renewed in time)',
  cycleOvertaken: () => 'Classification not published: a newer cycle started while this one was abandoned',
  published: (hot: number, cold: number, total: number, eligible: number) =>
    `Classification published: ${hot} hot, ${cold} cold (N=${total}, eligible=${eligible})`,
  underutilized: (reason: string) => `Underutilization: ${reason}`,
  underutilizedReason: (eligible: number, hotCap: number) =>
    `Only ${eligible} servers have pooled sessions, below hot_cap=${hotCap}`,

  // Fleet usage
  usagePublishFailed: (reason: string) => `Could not publish this worker's usage summary: ${reason}`,
  usagePublishRecovered: () => "This worker's usage summary is published again",
  usageSummaryRefused: (workerKeyId: string, reason: string) =>
    `Ignoring the usage summary of worker ${workerKeyId}: ${reason}`,

  // Health
  loopNotRunning: () => 'classification loop is not running',
  cyclesFailing: (count: number) => `${count} classification cycles failed in a row`,
  cyclesFailingOnRedis: (count: number) =>
    `${count} classification cycles failed in a row on Redis; poll decisions fail open (every upstream is polled)`,

  // Poll gate (every doubt means "poll")
  decisionFailed: (url: string, reason: string) => `Poll decision for ${url} failed, polling anyway: ${reason}`,
  markFailed: (pollType: string, url: string, reason: string) =>
    `Could not record the ${pollType} poll of ${url}: ${reason}`,
  classReadFailed: (url: string, reason: string) => `Could not read the class of ${url}: ${reason}`,
  publishedReadFailed: (reason: string) => `Could not read the published classification: ${reason}`,
  claimFailed: (pollType: string, count: number, reason: string) =>
    `Could not claim the ${pollType} round (${count} upstreams), polling all of them: ${reason}`,
  completeFailed: (pollType: string, count: number, reason: string) =>
    `Could not record ${count} completed ${pollType} polls: ${reason}`,
  claimReleaseFailed: (pollType: string, count: number, reason: string) =>
    `Could not release ${count} ${pollType} claims (they lapse with their lease): ${reason}`,
  invalidPollTime: (pollType: string, url: string) => `Ignoring an invalid ${pollType} poll time stored for ${url}`,
  pollStoreDown: (reason: string) => `Poll store unreachable, polling without coordination until it answers: ${reason}`,
  pollStoreStillDown: (since: string, upstreams: number, rounds: number, quiet: number, reason: string) =>
    `Poll store still unreachable since ${since}: polled ${count(upstreams, 'upstream')} without coordination ` +
    `in ${count(rounds, 'round')} (${count(quiet, 'failure')} not logged); last error: ${reason}`,
  pollStoreRecovered: (seconds: number, upstreams: number, rounds: number) =>
    `Poll store reachable again after ${seconds} s; polled ${count(upstreams, 'upstream')} without coordination ` +
    `in ${count(rounds, 'round')} meanwhile`,

  // Leader lock
  leadershipAcquired: (instanceId: string) => `Leadership acquired (${instanceId})`,
  leadershipLost: (instanceId: string) => `Leadership lost (${instanceId})`,
  leadershipLapsed: (instanceId: string) =>
    `Leadership lapsed (${instanceId}): the leader lock was not renewed in time, so it may expire any moment`,
  leadershipGivenUp: (instanceId: string, deleted: boolean) =>
    `Leadership given up (${instanceId}); lock ${deleted ? 'released' : 'not held any more'}`,
  releaseFailed: (instanceId: string, reason: string) =>
    `Failed to release the leader lock (${instanceId}): ${reason}`,
  renewFailed: (reason: string, held: boolean) =>
    `Leader lock acquire/renew failed (${reason}); read back: ${held ? 'held by us' : 'not ours'}`,
  renewAndReadBackFailed: (reason: string, readReason: string) =>
    `Leader lock acquire/renew failed (${reason}) and read-back failed (${readReason}); not leader`,

  // Redis connections
  redisError: (reason: string) => `Redis connection error: ${reason}`,
  redisErrorRepeated: (reason: string) => `Redis connection error (repeated): ${reason}`,
  redisReady: () => 'Redis connection ready again',
  connectionsCloseOverran: (ms: number) =>
    `Shutdown step "classification Redis connections quit" overran its ${ms} ms budget; connections dropped`,
  pipelineDiscarded: () => 'Redis pipeline was discarded',
  claimReplyMismatch: (asked: number, got: number) => `Claim script answered ${got} of ${asked} upstreams`,

  // Options and arguments
  noDirectory: () =>
    'ClassificationModule has no upstreamDirectory and no registry: import it with the registry ' +
    '(registry: true, the default, with RegistryDatabaseModule at the root) or pass upstreamDirectory',
  invalidOptions: (problems: readonly string[]) => `Invalid ClassificationModule options: ${problems.join('; ')}`,
  invalidHotRatio: (value: unknown) => `hotRatio must be a number between 0 and 1, got ${String(value)}`,
  invalidMinHot: (value: unknown) => `minHot must be a whole number of at least 0, got ${String(value)}`,
  invalidTtl: (what: string, value: unknown) => `${what} must be a positive whole number of seconds, got ${String(value)}`,
  invalidInterval: (value: unknown) => `intervalSeconds must be a positive number, got ${String(value)}`,
  invalidEpoch: (value: unknown) => `Not an epoch time in seconds: ${String(value)}`,
} as const;

/** `1 round`, `2 rounds`. */
function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
