import { randomUUID } from 'node:crypto';
import { AdminApi, type GatewayView, type HttpAnswer, type RequestOptions } from './support/admin-api';
import { createSqliteDatabase, type E2eDatabase } from './support/e2e-stores';
import { FAST_POLLING_ENV, GatewayProcess, stopAllGateways } from './support/gateway-process';
import type { SampleServer } from './support/sample-mcp-server';
import { UpstreamFleet } from './support/upstream-fleet';

interface BadRequestCase {
  title: string;
  method: string;
  /** `:id` is replaced by the id of a registered gateway. */
  path: string;
  body?: unknown;
  options?: RequestOptions;
  status: number;
  message: RegExp;
}

const UNKNOWN_ID = randomUUID();

const UPSTREAM = 'http://127.0.0.1:9/mcp';
const post = (body: unknown) => ({ method: 'POST', path: '/gateways', body });

const CASES: BadRequestCase[] = [
  {
    title: 'a request without a token',
    method: 'GET',
    path: '/gateways',
    options: { token: null },
    status: 401,
    message: /missing bearer token/,
  },
  {
    title: 'a request with a wrong token',
    method: 'GET',
    path: '/gateways',
    options: { token: 'not-the-admin-token-at-all' },
    status: 401,
    message: /invalid bearer token/,
  },
  {
    title: '/classification without a token',
    method: 'GET',
    path: '/classification',
    options: { token: null },
    status: 401,
    message: /missing bearer token/,
  },
  {
    title: 'a URL that is not a URL',
    ...post({ name: 'bad', url: 'not a url' }),
    status: 400,
    message: /url: is not a valid absolute URL/,
  },
  {
    title: 'a URL with another scheme',
    ...post({ name: 'bad', url: 'ftp://127.0.0.1/mcp' }),
    status: 400,
    message: /url: must use http or https/,
  },
  {
    title: 'a cloud metadata URL',
    ...post({ name: 'bad', url: 'http://169.254.169.254/latest/meta-data' }),
    status: 400,
    message: /^url: /,
  },
  {
    title: 'fields of the wrong type',
    ...post({ name: 42, url: UPSTREAM, enabled: 'yes' }),
    status: 400,
    message: /name: must be a string.*enabled: must be true or false/,
  },
  {
    title: 'a name with a right-to-left override, named as U+202E and never written raw',
    ...post({ name: 'evil\u202egnp.exe', url: UPSTREAM }),
    status: 400,
    message: /^name: must contain printable characters only: U\+202E is a format character [^\u202e]*$/,
  },
  {
    title: 'a name with a C1 control (CSI)',
    ...post({ name: 'red\u009b31m', url: UPSTREAM }),
    status: 400,
    message: /^name: must contain printable characters only: U\+009B is a control character$/,
  },
  {
    title: 'secretPath that is not a boolean',
    ...post({ name: 'bad', url: UPSTREAM, secretPath: 'yes' }),
    status: 400,
    message: /^secretPath: must be true or false$/,
  },
  {
    title: 'an unknown transport',
    ...post({ name: 'bad', url: UPSTREAM, transport: 'carrier-pigeon' }),
    status: 400,
    message: /transport: must be one of "streamablehttp", "sse"/,
  },
  {
    title: 'an unknown field',
    ...post({ name: 'bad', url: UPSTREAM, colour: 'red' }),
    status: 400,
    message: /colour: is not a known field/,
  },
  {
    title: 'an unknown pin',
    ...post({ name: 'bad', url: UPSTREAM, pin: 'lukewarm' }),
    status: 400,
    message: /^pin: must be "hot", "cold" or null$/,
  },
  {
    title: 'a discovery interval that is not a whole number of seconds',
    ...post({ name: 'bad', url: UPSTREAM, discoveryIntervalSeconds: 2.5 }),
    status: 400,
    message: /^discoveryIntervalSeconds: must be a whole number of seconds from 1 to 604800, or null$/,
  },
  {
    title: 'a discovery interval over a week',
    ...post({ name: 'bad', url: UPSTREAM, discoveryIntervalSeconds: 604_801 }),
    status: 400,
    message: /^discoveryIntervalSeconds: must be a whole number of seconds from 1 to 604800, or null$/,
  },
  { title: 'a body that is not a JSON object', ...post(['a', 'list']), status: 400, message: /must be a JSON object/ },
  {
    title: 'malformed JSON',
    method: 'POST',
    path: '/gateways',
    options: { rawBody: '{"name": "bad",' },
    status: 400,
    message: /JSON/,
  },
  {
    // The parser's own message would quote the body back, credentials and all.
    title: 'malformed JSON around a credential, without quoting it',
    method: 'POST',
    path: '/gateways',
    options: { rawBody: '{"url": CANARY123}' },
    status: 400,
    message: /^request body is not valid JSON$/,
  },
  { title: 'a duplicate name', ...post({ name: 'alpha', url: UPSTREAM }), status: 409, message: /name: .*alpha/ },
  {
    title: 'an update that changes nothing',
    method: 'PATCH',
    path: '/gateways/:id',
    body: {},
    status: 400,
    message: /must change at least one of name, url, secretPath, transport, enabled/,
  },
  {
    title: 'an update with a wrong type',
    method: 'PATCH',
    path: '/gateways/:id',
    body: { enabled: 'no' },
    status: 400,
    message: /enabled: must be true or false/,
  },
  {
    title: 'an update to a bad pin and a zero interval',
    method: 'PATCH',
    path: '/gateways/:id',
    body: { enabled: false, pin: 'HOT', discoveryIntervalSeconds: 0 },
    status: 400,
    message: /^pin: must be "hot", "cold" or null; discoveryIntervalSeconds: must be a whole number/,
  },
  { title: 'an unknown gateway id', method: 'GET', path: `/gateways/${UNKNOWN_ID}`, status: 404, message: /not found/ },
  { title: 'an id that is not a UUID', method: 'GET', path: '/gateways/not-a-uuid', status: 404, message: /not found/ },
  {
    title: 'a refresh of an unknown gateway',
    method: 'POST',
    path: `/gateways/${UNKNOWN_ID}/refresh`,
    status: 404,
    message: /not found/,
  },
  {
    title: 'a delete of an unknown gateway',
    method: 'DELETE',
    path: `/gateways/${UNKNOWN_ID}`,
    status: 404,
    message: /not found/,
  },
];

describe('the admin API refuses bad requests with a 4xx and a message', () => {
  const fleet = new UpstreamFleet();
  let database: E2eDatabase;
  let gateway: GatewayProcess;
  let admin: AdminApi;
  let upstream: SampleServer;
  let alpha: GatewayView;

  beforeAll(async () => {
    database = await createSqliteDatabase();
    upstream = await fleet.start('alpha');
    gateway = await GatewayProcess.start({ env: { ...FAST_POLLING_ENV, DATABASE_URL: database.url } });
    admin = new AdminApi(gateway.baseUrl, gateway.adminToken);
    alpha = await admin.createGateway('alpha', upstream.url);
  });

  afterAll(async () => {
    await stopAllGateways();
    await fleet.closeAll();
    await database?.drop();
  });

  it.each(CASES)('$status for $title', async ({ method, path, body, options, status, message }) => {
    const answer = await admin.request(method, path.replace(':id', alpha.id), body, options);
    expect({ status: answer.status, message: messageOf(answer) }).toEqual({
      status,
      message: expect.stringMatching(message),
    });
  });

  it('asks for a bearer token in WWW-Authenticate', async () => {
    const res = await fetch(`${gateway.baseUrl}/gateways`);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  });

  it('serves /health without a token', async () => {
    const answer = await admin.request('GET', '/health', undefined, { token: null });
    expect(answer.status).toBe(200);
  });

  it('left the registry as it was: only the one valid registration exists', async () => {
    const all = await admin.listGateways();
    expect(
      all.map(({ name, enabled, pin, discoveryIntervalSeconds }) => ({ name, enabled, pin, discoveryIntervalSeconds })),
    ).toEqual([{ name: 'alpha', enabled: true, pin: null, discoveryIntervalSeconds: null }]);
  });
});

function messageOf(answer: HttpAnswer): string {
  const body = answer.body;
  if (typeof body === 'object' && body !== null && 'message' in body) {
    const message = body.message;
    return Array.isArray(message) ? message.join('; ') : String(message);
  }
  return answer.text;
}
