import { ConfigError, loadAppConfig } from './app-config';

describe('loadAppConfig: INSTANCE_ID', () => {
  it('takes a printable instance id', () => {
    expect(loadAppConfig({ INSTANCE_ID: 'worker-1 (eu) ✓' }).instanceId).toBe('worker-1 (eu) ✓');
  });

  it.each([
    ['U+009B', '\u009b', 'a control character'],
    ['U+2028', '\u2028', 'a line separator'],
    ['U+202E', '\u202e', 'a format character (bidi control, zero-width character)'],
  ])('refuses one holding %s, naming it and never writing it raw', (codePoint, character, description) => {
    const load = () => loadAppConfig({ INSTANCE_ID: `worker${character}1` });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow(`INSTANCE_ID: must contain printable characters only: ${codePoint} is ${description}`);
    try {
      load();
    } catch (error) {
      expect((error as Error).message).not.toContain(character);
    }
  });
});
