import { RegistryUnavailableError, type RegisteredUpstreamWithTools, type UpstreamsService } from '@app/registry';
import { RegistryUpstreamCatalog } from './registry-upstream.catalog';

const FRESH_MS = 1_000;
const MAX_WAIT_MS = 250;

/** A hand-driven registry: each read is a promise the test settles when it likes. */
class FakeRegistry {
  revision = 1;
  reads = 0;
  private pending: { resolve(rows: RegisteredUpstreamWithTools[]): void; reject(error: unknown): void }[] = [];

  listEnabledWithTools(): Promise<RegisteredUpstreamWithTools[]> {
    this.reads += 1;
    return new Promise((resolve, reject) => this.pending.push({ resolve, reject }));
  }

  /** Settles the oldest read still open. */
  answer(rows: RegisteredUpstreamWithTools[]): void {
    this.take().resolve(rows);
  }

  fail(error: unknown): void {
    this.take().reject(error);
  }

  get open(): number {
    return this.pending.length;
  }

  private take() {
    const next = this.pending.shift();
    if (next === undefined) throw new Error('no read in flight');
    return next;
  }
}

function upstream(name: string, overrides: Partial<RegisteredUpstreamWithTools> = {}): RegisteredUpstreamWithTools {
  return {
    id: `id-${name}`,
    name,
    url: `http://127.0.0.1:1/${name}`,
    connectionUrl: `http://127.0.0.1:1/${name}?key=secret`,
    secretPath: false,
    transport: 'streamablehttp',
    enabled: true,
    lastHealthOk: true,
    pin: null,
    discoveryIntervalSeconds: null,
    tools: [
      {
        name: 'echo',
        description: null,
        inputSchema: {},
        definition: null,
        createdAt: new Date(0),
        updatedAt: new Date(0),
      },
    ],
    mcpFeatures: null,
    ...overrides,
  };
}

const DRIVER_ERROR = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });

/** The names a settled listActive gave, or the error's message. */
async function outcome(promise: Promise<{ name: string }[]>): Promise<string[] | string> {
  try {
    return (await promise).map((u) => u.name);
  } catch (error) {
    return (error as Error).message;
  }
}

describe('RegistryUpstreamCatalog', () => {
  let registry: FakeRegistry;
  let catalog: RegistryUpstreamCatalog;

  beforeEach(() => {
    jest.useFakeTimers({ now: 1_000_000 });
    registry = new FakeRegistry();
    catalog = new RegistryUpstreamCatalog(registry as unknown as UpstreamsService, {
      freshForMs: FRESH_MS,
      maxWaitMs: MAX_WAIT_MS,
    });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  /** Loads a first good copy with the given upstreams. */
  async function loadCopy(...names: string[]): Promise<void> {
    const first = catalog.listActive();
    registry.answer(names.map((n) => upstream(n)));
    await first;
  }

  describe('the last good copy', () => {
    it('is read once at start, before any client asks', async () => {
      catalog.onApplicationBootstrap();
      expect(registry.reads).toBe(1);
      registry.answer([upstream('alpha')]);
      await jest.advanceTimersByTimeAsync(0);
      expect(catalog.hasLastGood()).toBe(true);
      expect((await catalog.listActive()).map((u) => u.name)).toEqual(['alpha']);
      expect(registry.reads).toBe(1);
    });

    it('hasLastGood() is false until a read succeeds, then stays true through failures', async () => {
      expect(catalog.hasLastGood()).toBe(false);
      const failed = outcome(catalog.listActive());
      registry.fail(DRIVER_ERROR);
      expect(await failed).toBe('registry unavailable');
      expect(catalog.hasLastGood()).toBe(false);

      await jest.advanceTimersByTimeAsync(FRESH_MS);
      await loadCopy('alpha');
      expect(catalog.hasLastGood()).toBe(true);

      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const later = outcome(catalog.listActive());
      registry.fail(DRIVER_ERROR);
      expect(await later).toEqual(['alpha']);
      expect(catalog.hasLastGood()).toBe(true);
    });

    it('serves the copy when a read fails, and never the driver text', async () => {
      await loadCopy('alpha', 'beta');
      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const served = outcome(catalog.listActive());
      registry.fail(DRIVER_ERROR);
      expect(await served).toEqual(['alpha', 'beta']);
    });

    it('serves the copy after at most maxWaitMs when a read hangs, and takes the read once it ends', async () => {
      await loadCopy('alpha');
      await jest.advanceTimersByTimeAsync(FRESH_MS);
      let settled: string[] | string | undefined;
      void outcome(catalog.listActive()).then((v) => (settled = v));
      await jest.advanceTimersByTimeAsync(MAX_WAIT_MS - 1);
      expect(settled).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      expect(settled).toEqual(['alpha']);

      // The read goes on in the background; when it answers, its result is the copy.
      registry.answer([upstream('alpha'), upstream('gamma')]);
      await jest.advanceTimersByTimeAsync(0);
      const next = outcome(catalog.listActive());
      expect(await next).toEqual(['alpha', 'gamma']);
      expect(registry.reads).toBe(2);
    });

    it('waitForRead: waits for the read however slow, the copy only if it fails', async () => {
      await loadCopy('alpha');
      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const quick = outcome(catalog.listActive());
      let waited: string[] | string | undefined;
      void outcome(catalog.listActive({ waitForRead: true })).then((v) => (waited = v));
      await jest.advanceTimersByTimeAsync(MAX_WAIT_MS * 4);
      expect(await quick).toEqual(['alpha']);
      expect(waited).toBeUndefined();
      registry.answer([upstream('alpha'), upstream('late')]);
      await jest.advanceTimersByTimeAsync(0);
      expect(waited).toEqual(['alpha', 'late']);
      expect(registry.reads).toBe(2);

      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const failing = outcome(catalog.listActive({ waitForRead: true }));
      registry.fail(DRIVER_ERROR);
      expect(await failing).toEqual(['alpha', 'late']);
    });

    it('does not make callers wait again on a read already known to be slow', async () => {
      await loadCopy('alpha');
      await jest.advanceTimersByTimeAsync(FRESH_MS);
      void catalog.listActive();
      await jest.advanceTimersByTimeAsync(MAX_WAIT_MS);
      let settled: string[] | string | undefined;
      void outcome(catalog.listActive()).then((v) => (settled = v));
      await jest.advanceTimersByTimeAsync(0);
      expect(settled).toEqual(['alpha']);
      expect(registry.reads).toBe(2);
    });

    it('keeps the unhealthy out of listActive but still finds them with get(), from the copy when reads fail', async () => {
      const first = catalog.listActive();
      registry.answer([upstream('alpha'), upstream('sick', { lastHealthOk: false })]);
      expect((await first).map((u) => u.name)).toEqual(['alpha']);
      expect(await catalog.get('id-sick')).toEqual({
        id: 'id-sick',
        name: 'sick',
        url: 'http://127.0.0.1:1/sick',
        connectionUrl: 'http://127.0.0.1:1/sick?key=secret',
        secretPath: false,
        transport: 'streamablehttp',
      });

      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const found = catalog.get('id-alpha');
      registry.fail(DRIVER_ERROR);
      expect(await found).toMatchObject({ id: 'id-alpha', name: 'alpha' });
      expect(await catalog.get('id-unknown')).toBeNull();
      expect(registry.reads).toBe(2);
    });
  });

  describe('what discovery stored beyond tool names', () => {
    it('lists enabled-but-unhealthy upstreams as unavailable, with their stored features and tool definitions', async () => {
      const definition = {
        name: 'echo',
        title: 'Echo',
        inputSchema: { type: 'object' },
        annotations: { readOnlyHint: true },
      };
      const features = { capabilities: { tools: {}, prompts: {} }, prompts: [{ name: 'greet' }] };
      const first = catalog.listEnabled();
      registry.answer([
        upstream('alpha', {
          mcpFeatures: JSON.stringify(features),
          tools: [
            {
              name: 'echo',
              description: null,
              inputSchema: {},
              definition: JSON.stringify(definition),
              createdAt: new Date(0),
              updatedAt: new Date(0),
            },
          ],
        }),
        upstream('sick', { lastHealthOk: false }),
      ]);
      const [alpha, sick] = await first;

      expect(alpha).toMatchObject({ name: 'alpha', ...features, tools: [{ name: 'echo', definition }] });
      expect(alpha.available).toBeUndefined();
      expect(sick).toMatchObject({ name: 'sick', available: false, tools: [{ name: 'echo' }] });
      expect((await catalog.listActive()).map((u) => u.name)).toEqual(['alpha']);
    });

    it('skips a stored value that does not validate, with one log line, and serves the rest', async () => {
      const warn = jest
        .spyOn((catalog as unknown as { logger: { warn(m: string): void } }).logger, 'warn')
        .mockImplementation();
      const bad = upstream('alpha', {
        mcpFeatures: JSON.stringify({ capabilities: 'everything', prompts: [{ name: 'ok' }] }),
        tools: [
          {
            name: 'echo',
            description: null,
            inputSchema: {},
            definition: '{"broken',
            createdAt: new Date(0),
            updatedAt: new Date(0),
          },
        ],
      });
      const first = catalog.listActive();
      registry.answer([bad]);
      const [alpha] = await first;
      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const second = catalog.listActive();
      registry.answer([bad]);
      await second;

      expect(alpha.capabilities).toBeUndefined();
      expect(alpha.prompts).toEqual([{ name: 'ok' }]);
      expect(alpha.tools).toEqual([{ name: 'echo', description: null, inputSchema: {} }]);
      expect(warn.mock.calls.map(([m]) => m)).toEqual([
        expect.stringContaining('alpha (capabilities)'),
        expect.stringContaining('alpha (tool echo)'),
      ]);
    });
  });

  describe('single flight', () => {
    it('shares one read among every concurrent caller, however long it hangs', async () => {
      await loadCopy('alpha');
      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const callers = Array.from({ length: 500 }, () => outcome(catalog.listActive()));
      for (let i = 0; i < 20; i += 1) {
        await jest.advanceTimersByTimeAsync(FRESH_MS);
        callers.push(outcome(catalog.listActive()), outcome(catalog.get('id-alpha').then(() => [])));
      }
      expect(registry.reads).toBe(2);
      expect(registry.open).toBe(1);
      const served = await Promise.all(callers);
      expect(served.filter((v) => Array.isArray(v) && v[0] === 'alpha')).toHaveLength(520);
    });

    it('shares one read among cold callers too, and they all get "registry unavailable"', async () => {
      const callers = Array.from({ length: 50 }, () => outcome(catalog.listActive()));
      expect(registry.reads).toBe(1);
      registry.fail(DRIVER_ERROR);
      expect(new Set(await Promise.all(callers))).toEqual(new Set(['registry unavailable']));
    });

    it('asks a registry that keeps failing once per freshForMs, answering at once in between', async () => {
      const first = outcome(catalog.listActive());
      registry.fail(DRIVER_ERROR);
      await first;
      for (let i = 0; i < 10; i += 1) {
        await expect(catalog.listActive()).rejects.toBeInstanceOf(RegistryUnavailableError);
        await jest.advanceTimersByTimeAsync(FRESH_MS / 10 - 1);
      }
      expect(registry.reads).toBe(1);
      await jest.advanceTimersByTimeAsync(10);
      void outcome(catalog.listActive());
      expect(registry.reads).toBe(2);
    });

    it('serves a fresh copy without reading again', async () => {
      await loadCopy('alpha');
      for (let i = 0; i < 10; i += 1) await catalog.listActive();
      expect(registry.reads).toBe(1);
    });
  });

  describe("this worker's own changes", () => {
    it('read at once when the revision moves', async () => {
      await loadCopy('alpha');
      registry.revision += 1;
      const next = outcome(catalog.listActive());
      registry.answer([upstream('alpha'), upstream('beta')]);
      expect(await next).toEqual(['alpha', 'beta']);
      expect(registry.reads).toBe(2);
    });

    it('wait for one shared follow-up read when the read in flight started before them', async () => {
      await loadCopy('alpha');
      await jest.advanceTimersByTimeAsync(FRESH_MS);
      const old = outcome(catalog.listActive());
      registry.revision += 1;
      const newer = [outcome(catalog.listActive()), outcome(catalog.listActive())];
      expect(registry.reads).toBe(2);
      registry.answer([upstream('alpha')]);
      expect(await old).toEqual(['alpha']);
      await jest.advanceTimersByTimeAsync(0);
      expect(registry.reads).toBe(3);
      expect(registry.open).toBe(1);
      registry.answer([upstream('alpha'), upstream('beta')]);
      expect(await Promise.all(newer)).toEqual([
        ['alpha', 'beta'],
        ['alpha', 'beta'],
      ]);
    });
  });
});
