import { ClassificationOptionsError, resolveClassificationConfig } from './classification.options';
import { ListPool } from '../test/support';
import type { ClassificationModuleOptions } from './classification.options';

describe('ClassificationModule options', () => {
  const valid: ClassificationModuleOptions = { enabled: true, intervalSeconds: 300, sessionPool: new ListPool() };

  it('fills in the documented defaults', () => {
    const config = resolveClassificationConfig(valid);
    expect(config).toMatchObject({
      keyPrefix: 'mcpgateway',
      hotRatio: 0.2,
      coldMultiplier: 3,
      errorBackoffSeconds: 30,
    });
    expect(config.redis).toBeUndefined();
  });

  it('gives every worker a distinct lock token that names its host and process', () => {
    const a = resolveClassificationConfig(valid).instanceId;
    const b = resolveClassificationConfig(valid).instanceId;
    expect(a).not.toBe(b);
    expect(a).toContain(`_${process.pid}_`);
  });

  it('rejects bad options with one message naming each problem', () => {
    const bad = { enabled: 'yes', intervalSeconds: 0, sessionPool: {}, hotRatio: 2, coldMultiplier: 0.5 };
    let message = '';
    try {
      resolveClassificationConfig(bad as unknown as ClassificationModuleOptions);
    } catch (error) {
      expect(error).toBeInstanceOf(ClassificationOptionsError);
      message = (error as Error).message;
    }
    for (const field of ['enabled', 'intervalSeconds', 'sessionPool', 'hotRatio', 'coldMultiplier']) {
      expect(message).toContain(field);
    }
  });

  it('rejects something that is not an ioredis client as redis', () => {
    expect(() => resolveClassificationConfig({ ...valid, redis: {} as never })).toThrow(
      /redis must be an ioredis client/,
    );
  });
});
