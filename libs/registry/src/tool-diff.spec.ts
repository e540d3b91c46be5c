import { planToolChanges, stableJson } from './tool-diff';

const schema = (props: Record<string, unknown>) => ({ type: 'object', properties: props });

describe('planToolChanges', () => {
  const stored = [
    { id: 't1', name: 'echo', description: 'Echo', inputSchema: schema({ text: { type: 'string' } }) },
    { id: 't2', name: 'add', description: null, inputSchema: schema({ a: { type: 'number' } }) },
    { id: 't3', name: 'gone', description: 'Old', inputSchema: schema({}) },
  ];

  it('reports added, updated and removed tools by name, sorted', () => {
    const plan = planToolChanges(stored, [
      { name: 'echo', description: 'Echo', inputSchema: schema({ text: { type: 'string' } }) },
      { name: 'add', description: 'Adds', inputSchema: schema({ a: { type: 'number' } }) },
      { name: 'zeta', inputSchema: schema({}) },
      { name: 'beta', inputSchema: schema({}) },
    ]);
    expect(plan.added).toEqual(['beta', 'zeta']);
    expect(plan.updated).toEqual(['add']);
    expect(plan.removed).toEqual(['gone']);
    expect(plan.deleteIds).toEqual(['t3']);
    expect(plan.update.map((u) => u.id)).toEqual(['t2']);
  });

  it('treats a schema with reordered keys as unchanged', () => {
    const plan = planToolChanges(
      [{ id: 't1', name: 'echo', description: null, inputSchema: { type: 'object', required: ['a'], properties: {} } }],
      [{ name: 'echo', inputSchema: { properties: {}, required: ['a'], type: 'object' } }],
    );
    expect(plan).toMatchObject({ added: [], updated: [], removed: [] });
  });

  it('counts a changed schema as an update', () => {
    const plan = planToolChanges(stored.slice(0, 1), [
      { name: 'echo', description: 'Echo', inputSchema: schema({ text: { type: 'number' } }) },
    ]);
    expect(plan.updated).toEqual(['echo']);
  });

  it('keeps the first of two tools reported under one name', () => {
    const plan = planToolChanges(
      [],
      [
        { name: 'dup', description: 'first', inputSchema: {} },
        { name: 'dup', description: 'second', inputSchema: {} },
      ],
    );
    expect(plan.insert).toEqual([{ name: 'dup', description: 'first', inputSchema: {} }]);
  });

  it('serializes JSON with sorted keys at every depth, arrays untouched', () => {
    expect(stableJson({ b: 1, a: { d: [3, 1], c: null } })).toBe('{"a":{"c":null,"d":[3,1]},"b":1}');
  });
});
