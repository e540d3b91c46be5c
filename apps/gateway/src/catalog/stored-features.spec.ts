import { parseStoredFeatures, parseStoredTool } from './stored-features';

describe('stored MCP features read back from the registry', () => {
  it('keeps valid values as stored, unknown keys included', () => {
    const problems: string[] = [];
    const stored = {
      capabilities: { tools: { listChanged: true }, resources: { subscribe: true } },
      resources: [{ uri: 'a://1', name: 'one', _meta: { x: 1 } }],
      resourceTemplates: [{ uriTemplate: 'a://{id}', name: 'ids' }],
      prompts: [{ name: 'p', arguments: [{ name: 'q' }] }],
    };
    expect(parseStoredFeatures(JSON.stringify(stored), (f) => problems.push(f))).toEqual(stored);
    expect(problems).toEqual([]);
  });

  it('skips what does not validate, says what, and serves the rest', () => {
    const problems: string[] = [];
    const features = parseStoredFeatures(
      JSON.stringify({
        capabilities: 'all',
        resources: [{ uri: 'a://1', name: 'one' }, { name: 'no uri' }, 7],
        prompts: { name: 'not a list' },
      }),
      (f) => problems.push(f),
    );
    expect(features).toEqual({ resources: [{ uri: 'a://1', name: 'one' }] });
    expect(problems).toEqual(['capabilities', 'resources item', 'resources item', 'prompts']);

    expect(parseStoredFeatures('{not json', (f) => problems.push(f))).toEqual({});
    expect(parseStoredFeatures(null, (f) => problems.push(f))).toEqual({});
  });

  it('accepts a stored tool definition only when it is a valid tool of the same name', () => {
    const problems: string[] = [];
    const tool = { name: 'get', inputSchema: { type: 'object' }, annotations: { readOnlyHint: true } };
    expect(parseStoredTool(JSON.stringify(tool), 'get', (f) => problems.push(f))).toEqual(tool);
    expect(parseStoredTool(JSON.stringify(tool), 'other', (f) => problems.push(f))).toBeUndefined();
    expect(parseStoredTool('{"name":"get"}', 'get', (f) => problems.push(f))).toBeUndefined();
    expect(parseStoredTool(null, 'get', (f) => problems.push(f))).toBeUndefined();
    expect(problems).toEqual(['tool other', 'tool get']);
  });
});
