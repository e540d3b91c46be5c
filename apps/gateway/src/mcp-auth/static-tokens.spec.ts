import { StaticTokens } from './static-tokens';

describe('StaticTokens', () => {
  const tokens = new StaticTokens([
    { principal: 'alice', token: 'alice-token-0123456789' },
    { principal: 'bob', token: 'bob-token-0123456789ab' },
  ]);

  it('names the principal of a listed token', () => {
    expect(tokens.principalOf('alice-token-0123456789')).toBe('alice');
    expect(tokens.principalOf('bob-token-0123456789ab')).toBe('bob');
  });

  it('names nobody for a prefix, an extension, another case or an empty token', () => {
    for (const candidate of ['alice-token-012345678', 'alice-token-01234567890', 'ALICE-TOKEN-0123456789', '']) {
      expect(tokens.principalOf(candidate)).toBeNull();
    }
  });
});
