import type { CatalogUpstream } from '../upstream-catalog';
import { federatedCapabilities } from './federated-capabilities';
import { FederatedTable } from './federated-table';
import { gatewayUri, parseGatewayUri } from './gateway-uri';
import { page } from './pagination';

const upstream = (id: string, name: string, extra: Partial<CatalogUpstream> = {}): CatalogUpstream => ({
  id,
  name,
  url: `http://127.0.0.1/${id}`,
  connectionUrl: `http://127.0.0.1/${id}`,
  secretPath: false,
  transport: 'streamablehttp',
  tools: [],
  ...extra,
});

describe('the federated table', () => {
  it('round-trips any upstream URI, and keeps template variables as variables', () => {
    const uris = [
      'file:///etc/hosts',
      'demo://resource/dynamic/text/{resourceId}',
      'https://example.com/a?b=c#d',
      'urn:isbn:0451450523',
      '{+path}',
      'x://a/b/mcpgw://nested',
    ];
    for (const uri of uris) {
      expect(parseGatewayUri(gatewayUri('alpha', uri))).toEqual({ slug: 'alpha', upstreamUri: uri });
    }
    expect(parseGatewayUri('file:///etc/hosts')).toBeUndefined();
    expect(parseGatewayUri('mcpgw://alpha')).toBeUndefined();
  });

  it('maps resources, templates and prompts of each upstream to gateway scope and back', () => {
    const a = upstream('1', 'my server', {
      resources: [{ uri: 'file:///a.txt', name: 'a' }],
      resourceTemplates: [{ uriTemplate: 'file:///{name}', name: 'files' }],
      prompts: [{ name: 'greet', title: 'Greeting', arguments: [{ name: 'who', required: true }] }],
    });
    const b = upstream('2', 'my/server', { resources: [{ uri: 'file:///a.txt', name: 'a' }] });
    const table = FederatedTable.build([a, b]);

    const [first, second] = table.resources();
    expect(first.uri).toBe('mcpgw://my_server/file:///a.txt');
    expect(second.uri).toMatch(/^mcpgw:\/\/my_server-[0-9a-f]{8}\/file:\/\/\/a\.txt$/);
    expect(table.resolveUri(second.uri)).toEqual({ upstream: b, upstreamUri: 'file:///a.txt' });
    expect(table.resourceTemplates()).toEqual([{ uriTemplate: 'mcpgw://my_server/file:///{name}', name: 'files' }]);
    expect(table.prompts()).toEqual([
      { name: 'my_server__greet', title: 'Greeting', arguments: [{ name: 'who', required: true }] },
    ]);
    expect(table.resolvePrompt('my_server__greet')?.item.name).toBe('greet');
    expect(table.resolveUri('mcpgw://nobody/file:///a.txt')).toBeUndefined();
  });

  it('serves a tool definition with every field the upstream gave, renamed', () => {
    const definition = {
      name: 'get',
      title: 'Get it',
      description: 'Gets',
      inputSchema: { type: 'object' as const, properties: { id: { type: 'string' } } },
      outputSchema: { type: 'object' as const, properties: { value: { type: 'number' } } },
      annotations: { readOnlyHint: true },
      _meta: { 'example.com/x': 1 },
      icons: [{ src: 'https://example.com/i.png' }],
    };
    const table = FederatedTable.build([
      upstream('1', 'alpha', { tools: [{ name: 'get', inputSchema: definition.inputSchema, definition }] }),
    ]);
    expect(table.tools()).toEqual([{ ...definition, name: 'alpha__get' }]);
  });

  it('keeps the names of an upstream that is down reserved, resolvable and unlisted', () => {
    const down = upstream('1', 'alpha', {
      tools: [{ name: 'echo', inputSchema: {} }],
      prompts: [{ name: 'p' }],
      resources: [{ uri: 'x://1', name: 'one' }],
      available: false,
    });
    const table = FederatedTable.build([down, upstream('2', 'alpha', { tools: [{ name: 'echo', inputSchema: {} }] })]);

    expect(table.tools().map((t) => t.name)).toEqual([expect.stringMatching(/^alpha-[0-9a-f]{8}__echo$/)]);
    expect(table.resolveTool('alpha__echo')?.upstream).toBe(down);
    expect(table.prompts()).toEqual([]);
    expect(table.resources()).toEqual([]);
    expect(table.resolveUri('mcpgw://alpha/x://1')?.upstream).toBe(down);
  });

  it('tells list changes apart by kind', () => {
    const before = FederatedTable.build([upstream('1', 'a', { tools: [{ name: 't', inputSchema: {} }] })]);
    const after = FederatedTable.build([
      upstream('1', 'a', { tools: [{ name: 't', inputSchema: {} }], prompts: [{ name: 'p' }] }),
    ]);
    expect(after.signature('tools')).toBe(before.signature('tools'));
    expect(after.signature('prompts')).not.toBe(before.signature('prompts'));
  });

  it('advertises only what an active upstream offers; listChanged and subscribe only for stateful sessions', () => {
    const table = FederatedTable.build([
      upstream('1', 'a', { capabilities: { tools: {}, resources: { subscribe: true }, logging: {} } }),
      upstream('2', 'b', { capabilities: { prompts: {}, completions: {} }, available: false }),
    ]);
    expect(federatedCapabilities(table, false)).toEqual({ tools: {}, resources: {}, logging: {} });
    expect(federatedCapabilities(table, true)).toEqual({
      tools: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      logging: {},
    });
    expect(federatedCapabilities(undefined, false)).toEqual({ tools: {} });
  });

  it('pages with a cursor that only its own list accepts', () => {
    const items = Array.from({ length: 250 }, (_, i) => i);
    const first = page('tools', items, undefined);
    const second = page('tools', items, first.nextCursor);
    const third = page('tools', items, second.nextCursor);
    expect([...first.items, ...second.items, ...third.items]).toEqual(items);
    expect(third.nextCursor).toBeUndefined();
    expect(() => page('prompts', items, first.nextCursor)).toThrow(expect.objectContaining({ code: -32602 }));
    expect(() => page('tools', items, 'garbage')).toThrow('Invalid cursor');
  });
});
