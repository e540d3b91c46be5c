import { Logger } from '@nestjs/common';
import { testAppConfig } from '../../test/support/test-app-config';
import { GracefulShutdown } from './graceful-shutdown';
import { SHUTDOWN_SHARES, SHUTDOWN_STEPS_SHARE, shutdownBudgets } from './shutdown-budget';
import { shutdownMessages } from './shutdown.messages';

describe('shutdownBudgets', () => {
  it('splits the grace period over the steps, leaving a tenth of it as slack', () => {
    expect(shutdownBudgets(2_000)).toEqual({
      pollers: 300,
      classifier: 200,
      sessions: 500,
      http: 100,
      database: 300,
      redis: 200,
    });
    // The classifier's budget is spent twice: its loop and lock, later its Redis connections.
    expect(SHUTDOWN_STEPS_SHARE).toBeCloseTo(0.9, 10);
    const budgets = shutdownBudgets(5_000);
    const worstCase = Object.values(budgets).reduce((sum, ms) => sum + ms, 0) + budgets.classifier;
    expect(worstCase).toBeLessThanOrEqual(5_000 * 0.9);
  });

  it('gives every step nothing when there is no grace period', () => {
    for (const ms of Object.values(shutdownBudgets(0))) expect(ms).toBe(0);
    expect(Object.keys(shutdownBudgets(0)).sort()).toEqual(Object.keys(SHUTDOWN_SHARES).sort());
  });
});

describe('GracefulShutdown', () => {
  let warnings: string[];
  let infos: string[];
  beforeEach(() => {
    warnings = [];
    infos = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((m: unknown) => void warnings.push(String(m)));
    jest.spyOn(Logger.prototype, 'log').mockImplementation((m: unknown) => void infos.push(String(m)));
  });
  afterEach(() => jest.restoreAllMocks());

  const shutdownOf = (graceMs: number) => new GracefulShutdown(testAppConfig({ shutdownGraceMs: graceMs }));

  it('is not draining until the signal, then says so once', () => {
    const shutdown = shutdownOf(2_000);
    expect(shutdown.draining).toBe(false);
    shutdown.begin('SIGTERM');
    shutdown.begin('SIGTERM');
    expect(shutdown.draining).toBe(true);
    expect(infos).toEqual([shutdownMessages.draining('SIGTERM', 2_000)]);
  });

  it('runs a step that finishes in time without a word', async () => {
    const shutdown = shutdownOf(2_000);
    await expect(shutdown.step('redis', 'Redis quit', async () => 'OK')).resolves.toBe(true);
    expect(warnings).toEqual([]);
    // A step begins the shutdown when no signal did (an app closed by a test or a host).
    expect(shutdown.draining).toBe(true);
  });

  it('leaves a step that hangs behind at the end of its budget, with one line naming it', async () => {
    const shutdown = shutdownOf(2_000);
    const started = Date.now();
    const done = await shutdown.step('database', 'database close', () => new Promise<never>(() => undefined));
    const ms = Date.now() - started;
    expect(done).toBe(false);
    expect(ms).toBeGreaterThanOrEqual(290);
    // It returns at all; the margin is for a loaded machine.
    expect(ms).toBeLessThan(5_000);
    expect(warnings).toEqual([shutdownMessages.overran('database close', 'database', 300)]);
  });

  it('goes on past a step that fails, naming it and the reason', async () => {
    const shutdown = shutdownOf(2_000);
    const done = await shutdown.step('pollers', 'health poller', () => Promise.reject(new Error('boom')));
    expect(done).toBe(false);
    expect(warnings).toEqual([shutdownMessages.failed('health poller', 'boom')]);
  });
});
