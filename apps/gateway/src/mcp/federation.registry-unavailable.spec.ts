import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import { CaptureLogger } from '../../test/support/capture-logger';
import { testAppConfig } from '../../test/support/test-app-config';
import { AppConfigModule } from '../config/app-config.module';
import { REGISTRY_UNAVAILABLE } from './federation.service';
import { McpModule } from './mcp.module';
import type { CatalogUpstream, UpstreamCatalog } from './upstream-catalog';

/** A catalog whose every read fails as a database driver does. */
class FailingCatalog implements UpstreamCatalog {
  error: Error = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:54329'), { code: 'ECONNREFUSED' });

  async listActive(): Promise<CatalogUpstream[]> {
    throw this.error;
  }

  async get(): Promise<null> {
    throw this.error;
  }
}

/** One JSON-RPC request to /mcp, as raw as a client sees it. */
async function rpc(endpoint: URL, method: string, params: unknown): Promise<{ status: number; body: string }> {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return { status: response.status, body: await response.text() };
}

describe('/mcp when the catalog cannot be read', () => {
  const catalog = new FailingCatalog();
  let app: INestApplication;
  let endpoint: URL;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [AppConfigModule.forRoot(testAppConfig()), McpModule.register({ catalog: { useValue: catalog } })],
    }).compile();
    app = moduleRef.createNestApplication({ logger: new CaptureLogger() });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    endpoint = new URL(`http://127.0.0.1:${port}/mcp`);
  });

  afterAll(async () => {
    await app?.close();
  });

  it.each([
    ['tools/list', {}],
    ['tools/call', { name: 'alpha__echo', arguments: { text: 'x' } }],
  ])('%s answers a JSON-RPC error whose message is exactly "registry unavailable"', async (method, params) => {
    const { status, body } = await rpc(endpoint, method, params);
    expect(status).toBe(200);
    expect(JSON.parse(body)).toEqual({
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32603, message: REGISTRY_UNAVAILABLE },
    });
    expect(body).not.toMatch(/ECONNREFUSED|54329|127\.0\.0\.1/);
  });

  it('says the same whatever the catalog threw', async () => {
    catalog.error = new Error('password authentication failed for user "gateway" at db.internal:5432');
    const { body } = await rpc(endpoint, 'tools/list', {});
    expect(JSON.parse(body).error.message).toBe(REGISTRY_UNAVAILABLE);
    expect(body).not.toMatch(/password|db\.internal/);
  });
});
