import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { testAppConfig } from '../../test/support/test-app-config';
import { UpstreamConnector } from '../mcp/upstream-connector';
import { fleetIdOf } from './fleet-id';
import { GatewayLoopError, ThisGatewayError } from './gateway-loop.errors';
import { GatewayLoopGuard } from './gateway-loop.guard';
import { GatewayLoopMiddleware } from './gateway-loop.middleware';
import { currentVia, parseVia, runWithVia } from './gateway-via';

const OWN = 'aaaaaaaaaaaaaaaa';
const OTHER = 'bbbbbbbbbbbbbbbb';

async function listen(server: Server): Promise<string> {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('fleetIdOf', () => {
  const base = testAppConfig();

  it('is the same for the same registry and prefix, and differs for another database or prefix', () => {
    const pg = (url: string, prefix = 'mcpgateway') =>
      fleetIdOf({ database: { ...base.database, type: 'postgres', url }, redisKeyPrefix: prefix });
    const id = pg('postgres://user:secret@db.example:5432/gw');
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    // Credentials are not part of a deployment's identity (and not in the id).
    expect(pg('postgres://other:rotated@db.example:5432/gw')).toBe(id);
    expect(pg('postgres://user:secret@db.example:5432/gw2')).not.toBe(id);
    expect(pg('postgres://user:secret@db.example:5432/gw', 'other')).not.toBe(id);
    const sqlite = (path: string) => fleetIdOf({ database: { ...base.database, type: 'sqlite', path }, redisKeyPrefix: 'p' });
    expect(sqlite('./data/a.sqlite')).toBe(sqlite('data/a.sqlite'));
    expect(sqlite(':memory:')).not.toBe(sqlite(':memory:'));
  });
});

describe('parseVia', () => {
  it('reads a comma-separated list, repeated headers joined', () => {
    expect(parseVia(undefined)).toEqual([]);
    expect(parseVia(` ${OWN} ,${OTHER}`)).toEqual([OWN, OTHER]);
    expect(parseVia([OWN, OTHER])).toEqual([OWN, OTHER]);
  });

  it('refuses anything but ids', () => {
    expect(() => parseVia('a b')).toThrow('invalid Mcp-Gateway-Via header');
    expect(() => parseVia('x'.repeat(65))).toThrow('invalid Mcp-Gateway-Via header');
  });
});

describe('GatewayLoopGuard.wrapFetch', () => {
  let server: Server;
  let url: string;
  let answerAs: string | null = null;
  let status = 200;
  const received: (string | undefined)[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(req.headers['mcp-gateway-via'] as string | undefined);
      if (answerAs !== null) res.setHeader('Mcp-Gateway-Id', answerAs);
      res.statusCode = status;
      res.end('{}');
    });
    url = await listen(server);
  });

  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  beforeEach(() => {
    answerAs = null;
    status = 200;
    received.length = 0;
  });

  it('names this fleet after the gateways of the request being served, and only this fleet outside one', async () => {
    const guard = new GatewayLoopGuard(OWN);
    const fetch = guard.wrapFetch({ id: 'u1', name: 'up' });
    await fetch(url);
    await runWithVia([OTHER], () => fetch(url, { headers: { 'x-other': '1' } }));
    expect(received).toEqual([OWN, `${OTHER}, ${OWN}`]);
  });

  it('remembers which upstream is which gateway, and leaves it out for requests that came through it', async () => {
    const guard = new GatewayLoopGuard(OWN);
    answerAs = OTHER;
    await guard.wrapFetch({ id: 'u1', name: 'up' })(url);
    expect(guard.gatewayIdOf('u1')).toBe(OTHER);
    expect(guard.excludes('u1')).toBe(false);
    expect(runWithVia([OTHER], () => guard.excludes('u1'))).toBe(true);
    expect(runWithVia([OTHER], () => guard.excludes('u2'))).toBe(false);
    answerAs = null;
    await guard.wrapFetch({ id: 'u1', name: 'up' })(url);
    expect(guard.gatewayIdOf('u1')).toBeUndefined();
  });

  it('fails on an upstream that is this gateway, and on a refused loop', async () => {
    const guard = new GatewayLoopGuard(OWN);
    answerAs = OWN;
    status = 508;
    await expect(guard.wrapFetch({ id: 'u1', name: 'me' })(url)).rejects.toThrow(new ThisGatewayError('me'));
    answerAs = OTHER;
    const refused = guard.wrapFetch({ id: 'u2', name: 'b' })(url);
    await expect(refused).rejects.toBeInstanceOf(GatewayLoopError);
    await expect(refused).rejects.toThrow('gateway loop detected (through upstream b)');
  });

  it('fails a connection (so a health check or a discovery) to an upstream that is this gateway, by name', async () => {
    answerAs = OWN;
    status = 508;
    const connector = new UpstreamConnector(undefined, undefined, new GatewayLoopGuard(OWN));
    const target = { id: 'u1', name: 'loopback', url: `${url}/mcp`, connectionUrl: `${url}/mcp`, secretPath: false };
    await expect(connector.connect({ ...target, transport: 'streamablehttp' }, { timeoutMs: 5_000 })).rejects.toThrow(
      'upstream loopback is this gateway',
    );
    expect(received).toEqual([OWN]);
  });
});

describe('GatewayLoopMiddleware', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const app = express();
    app.use(express.json());
    const middleware = new GatewayLoopMiddleware(OWN);
    app.use((req, res, next) => middleware.use(req, res, next));
    app.post('/mcp', (_req, res) => {
      // The handler (and what it sends upstream) runs with the request's Via.
      setImmediate(() => res.json({ via: currentVia() }));
    });
    server = createServer(app);
    url = `${await listen(server)}/mcp`;
  });

  afterAll(() => new Promise<void>((done) => server.close(() => done())));

  const post = async (via?: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(via === undefined ? {} : { 'mcp-gateway-via': via }) },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'r1', method: 'tools/list' }),
    });
    return { status: res.status, id: res.headers.get('mcp-gateway-id'), body: (await res.json()) as unknown };
  };

  it('names the fleet and serves a request with the Via it came with in context', async () => {
    expect(await post()).toEqual({ status: 200, id: OWN, body: { via: [] } });
    expect(await post(OTHER)).toEqual({ status: 200, id: OWN, body: { via: [OTHER] } });
  });

  it('refuses with 508 a request that passed this fleet or more than 8 gateways, and 400 for a bad header', async () => {
    const looped = await post(`${OTHER}, ${OWN}`);
    expect(looped).toEqual({
      status: 508,
      id: OWN,
      body: { jsonrpc: '2.0', id: 'r1', error: { code: -32010, message: 'gateway loop detected' } },
    });
    expect((await post(Array.from({ length: 9 }, (_, i) => `g${i}`).join(','))).status).toBe(508);
    expect((await post(Array.from({ length: 8 }, (_, i) => `g${i}`).join(','))).status).toBe(200);
    expect((await post('bad id')).status).toBe(400);
  });
});
