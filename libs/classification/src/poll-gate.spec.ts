import type { TestingModule } from '@nestjs/testing';
import { ManualClock, ListDirectory, ListPool, compileClassification, gateways } from '../test/support';
import { ClassificationScheduler } from './classification.scheduler';
import { classificationKeys } from './keys';
import { PollGate } from './poll-gate';
import { CLASSIFICATION_STORE } from './tokens';
import type { ClassificationStore } from './classification-store';

const INTERVAL = 300;

/** Five servers: gw-0 used most recently, so with ratio 0.2 it is the one hot server. */
async function classifiedGate(
  clock: ManualClock,
  enabled = true,
  intervalSeconds = INTERVAL,
): Promise<{ gate: PollGate; module: TestingModule }> {
  const list = gateways(5);
  const pool = new ListPool([
    { url: list[0].url, gatewayId: 'gw-0', lastUsed: clock.now() - 1000, useCount: 9, active: false },
    { url: list[1].url, gatewayId: 'gw-1', lastUsed: clock.now() - 5000, useCount: 1, active: false },
  ]);
  const module = await compileClassification({
    enabled,
    intervalSeconds,
    sessionPool: pool,
    upstreamDirectory: new ListDirectory(list),
    clock,
  });
  if (enabled) await module.get(ClassificationScheduler).runOnce();
  return { gate: module.get(PollGate), module };
}

describe('PollGate (embedded, no Redis)', () => {
  const hot = 'https://up-0.example/mcp';
  const cold = 'https://up-3.example/mcp';
  let clock: ManualClock;
  let gate: PollGate;
  let module: TestingModule;

  beforeEach(async () => {
    clock = new ManualClock();
    ({ gate, module } = await classifiedGate(clock));
  });
  afterEach(() => module.close());

  it('classifies the most recently used server hot and the rest cold', async () => {
    expect(await gate.getServerClassification(hot)).toBe('hot');
    expect(await gate.getServerClassification(cold)).toBe('cold');
    expect(await gate.getServerClassification('https://unknown.example/mcp')).toBeNull();
  });

  it('polls a server that was never polled', async () => {
    expect(await gate.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(true);
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
  });

  it('polls an unclassified server every time', async () => {
    const url = 'https://unknown.example/mcp';
    await gate.markPollCompleted(url, 'health');
    expect(await gate.shouldPollServer(url, 'health')).toBe(true);
  });

  it('polls a hot server again exactly one interval after its last poll', async () => {
    await gate.markPollCompleted(hot, 'tool_discovery', 'gw-0');
    clock.advance(INTERVAL * 1000 - 1);
    expect(await gate.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(false);
    clock.advance(1);
    expect(await gate.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(true);
  });

  it('polls a cold server only after three intervals', async () => {
    await gate.markPollCompleted(cold, 'tool_discovery', 'gw-3');
    // The leader re-publishes every interval, as the running loop would.
    for (let i = 0; i < 2; i++) {
      clock.advance(INTERVAL * 1000);
      await module.get(ClassificationScheduler).runOnce();
      expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(false);
    }
    clock.advance(INTERVAL * 1000 - 1);
    await module.get(ClassificationScheduler).runOnce();
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(false);
    clock.advance(1);
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
  });

  it('keeps health and tool discovery schedules apart', async () => {
    await gate.markPollCompleted(cold, 'health', 'gw-3');
    expect(await gate.shouldPollServer(cold, 'health', 'gw-3')).toBe(false);
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
  });

  it('keeps gateways that share one upstream URL on their own schedules', async () => {
    await gate.markPollCompleted(cold, 'tool_discovery', 'gw-3');
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(false);
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'another-gateway')).toBe(true);
    expect(await gate.shouldPollServer(cold, 'tool_discovery')).toBe(true);
  });

  it('treats a stored poll time more than a minute in the future as never polled', async () => {
    const store = module.get<ClassificationStore>(CLASSIFICATION_STORE);
    const key = classificationKeys().pollState(cold, 'health', 'gw-3');
    await store.markPolled(cold, key, clock.now() / 1000 + 61, { hot: 600, cold: 1800 });
    expect(await gate.shouldPollServer(cold, 'health', 'gw-3')).toBe(true);
  });

  it('treats a stored poll time further ahead than one interval as never polled', async () => {
    const { gate: fast, module: fastModule } = await classifiedGate(clock, true, 2);
    const store = fastModule.get<ClassificationStore>(CLASSIFICATION_STORE);
    const key = classificationKeys().pollState(hot, 'tool_discovery', 'gw-0');
    // 30 s ahead is within the minute of clock skew, but 15 of this upstream's 2 s intervals.
    await store.markPolled(hot, key, clock.now() / 1000 + 30, { hot: 600, cold: 1800 });
    expect(await fast.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(true);
    expect(await fast.nextDueAt(hot, 'tool_discovery', 'gw-0')).toBeNull();
    // Within one interval ahead it still counts: a worker's clock may run a little fast.
    await store.markPolled(hot, key, clock.now() / 1000 + 1, { hot: 600, cold: 1800 });
    expect(await fast.shouldPollServer(hot, 'tool_discovery', 'gw-0')).toBe(false);
    await fastModule.close();
  });

  it('polls everything once the classification has expired (2 intervals without a leader)', async () => {
    await gate.markPollCompleted(cold, 'tool_discovery', 'gw-3');
    clock.advance(INTERVAL * 2000);
    expect(await gate.getServerClassification(cold)).toBeNull();
    expect(await gate.shouldPollServer(cold, 'tool_discovery', 'gw-3')).toBe(true);
  });

  it('tells when the next poll is due', async () => {
    await gate.markPollCompleted(cold, 'tool_discovery', 'gw-3');
    expect(await gate.nextDueAt(cold, 'tool_discovery', 'gw-3')).toBe(clock.now() + 3 * INTERVAL * 1000);
    expect(await gate.nextDueAt(hot, 'tool_discovery', 'gw-0')).toBeNull();
  });
});

describe('PollGate with the module disabled', () => {
  it('always polls and classifies nothing', async () => {
    const clock = new ManualClock();
    const { gate, module } = await classifiedGate(clock, false);
    const url = 'https://up-0.example/mcp';
    await gate.markPollCompleted(url, 'tool_discovery', 'gw-0');
    expect(await gate.shouldPollServer(url, 'tool_discovery', 'gw-0')).toBe(true);
    expect(await gate.getServerClassification(url)).toBeNull();
    await module.close();
  });
});
