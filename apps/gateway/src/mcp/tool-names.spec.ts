import { FederatedToolTable, MAX_TOOL_NAME_LENGTH, sanitizeNamePart, upstreamSlug } from './tool-names';
import type { CatalogUpstream } from './upstream-catalog';

const upstream = (id: string, name: string, tools: string[]): CatalogUpstream => ({
  id,
  name,
  url: `http://127.0.0.1/${id}`,
  connectionUrl: `http://127.0.0.1/${id}`,
  secretPath: false,
  transport: 'streamablehttp',
  tools: tools.map((tool) => ({ name: tool, inputSchema: { type: 'object' } })),
});

const VALID = /^[A-Za-z0-9_.-]{1,128}$/;

describe('federated tool names', () => {
  it('prefix each tool with its upstream name and a double underscore', () => {
    const table = FederatedToolTable.build([upstream('1', 'alpha', ['echo', 'add'])]);

    expect(table.tools().map((t) => t.name)).toEqual(['alpha__echo', 'alpha__add']);
  });

  it('replace characters MCP tool names do not allow, and never leave an empty part', () => {
    expect(sanitizeNamePart('get weather/now?')).toBe('get_weather_now_');
    expect(sanitizeNamePart('')).toBe('_');
    expect(upstreamSlug('  Acme CRM (prod) ')).toBe('Acme_CRM_prod');
    expect(upstreamSlug('***')).toBe('upstream');
  });

  it('keep the separator out of upstream slugs, so the first double underscore ends the prefix', () => {
    expect(upstreamSlug('my__server__')).toBe('my_server');
    const [tool] = FederatedToolTable.build([upstream('1', 'my__server', ['do__it'])]).tools();

    expect(tool.name).toBe('my_server__do__it');
    expect(tool.name.slice(0, tool.name.indexOf('__'))).toBe('my_server');
  });

  it('give a later upstream whose name sanitises to a taken slug a suffix derived from its id', () => {
    const table = FederatedToolTable.build([upstream('1', 'acme crm', ['echo']), upstream('2', 'acme/crm', ['echo'])]);
    const names = table.tools().map((t) => t.name);

    expect(names[0]).toBe('acme_crm__echo');
    expect(names[1]).toMatch(/^acme_crm-[0-9a-f]{8}__echo$/);
    expect(table.resolve(names[1])?.upstream.id).toBe('2');
  });

  it('keep names stable for existing upstreams when a colliding one is added later', () => {
    const before = FederatedToolTable.build([upstream('1', 'acme', ['echo'])]);
    const after = FederatedToolTable.build([upstream('1', 'acme', ['echo']), upstream('2', 'acme', ['echo'])]);

    expect(after.resolve('acme__echo')?.upstream.id).toBe(before.resolve('acme__echo')?.upstream.id);
  });

  it('disambiguate tools of one upstream that sanitise to the same name', () => {
    const table = FederatedToolTable.build([upstream('1', 'alpha', ['a b', 'a_b'])]);
    const [first, second] = table.tools();

    expect(first.name).toBe('alpha__a_b');
    expect(second.name).toMatch(/^alpha__a_b-[0-9a-f]{8}$/);
    expect(table.resolve(first.name)?.tool.name).toBe('a b');
    expect(table.resolve(second.name)?.tool.name).toBe('a_b');
  });

  it('shorten over-long names to the 128-character limit, still reversibly', () => {
    const long = 'x'.repeat(200);
    const table = FederatedToolTable.build([upstream('1', 'y'.repeat(100), [long, `${long}2`])]);

    for (const tool of table.tools()) {
      expect(tool.name.length).toBeLessThanOrEqual(MAX_TOOL_NAME_LENGTH);
      expect(tool.name).toMatch(VALID);
      expect(table.resolve(tool.name)?.tool).toBe(tool.tool);
    }
    expect(new Set(table.tools().map((t) => t.name)).size).toBe(2);
  });

  it('resolve every exposed name back to its upstream and original tool name, and nothing else', () => {
    const upstreams = [upstream('1', 'alpha', ['echo', 'with space']), upstream('2', 'beta', ['echo'])];
    const table = FederatedToolTable.build(upstreams);

    expect(table.resolve('alpha__with_space')).toMatchObject({ upstream: { id: '1' }, tool: { name: 'with space' } });
    expect(table.resolve('beta__echo')).toMatchObject({ upstream: { id: '2' }, tool: { name: 'echo' } });
    expect(table.resolve('gamma__echo')).toBeUndefined();
    expect(table.resolve('echo')).toBeUndefined();
    for (const tool of table.tools()) expect(tool.name).toMatch(VALID);
  });
});
