import { StdioStderrLog } from './stdio-stderr';

const SECRET = 'sk-live-4242-secret';

function harness(options = { maxLineLength: 40, linesPerWindow: 3, windowMs: 10_000, keepLast: 2 }) {
  const logged: string[] = [];
  const clock = { now: 1_000 };
  const log = new StdioStderrLog(
    (line) => logged.push(line),
    [SECRET, 'ab'],
    options,
    () => clock.now,
  );
  return { log, logged, clock };
}

describe('StdioStderrLog', () => {
  it('logs whole lines with env values masked, however the chunks split them', () => {
    const { log, logged } = harness();
    log.write('token sk-live-');
    log.write(`4242-secret ok\r\nsecond ab line\n`);
    log.write('unterminated');
    log.flush();
    expect(logged).toEqual(['token *** ok', 'second ab line', 'unterminated']);
    expect(log.lastLines()).toEqual(['second ab line', 'unterminated']);
  });

  it('cuts long lines and drops the rest of them, so memory stays bounded', () => {
    const { log, logged } = harness();
    log.write('x'.repeat(100));
    log.write('y'.repeat(100));
    log.write('\nnext\n');
    expect(logged).toEqual([`${'x'.repeat(40)}…`, 'next']);
  });

  it('escapes control characters and skips blank lines', () => {
    const { log, logged } = harness();
    log.write('\u001b[31mred\u001b[0m\n\n   \n');
    expect(logged).toHaveLength(1);
    expect(logged[0]).not.toContain('\u001b');
    expect(logged[0]).toContain('red');
  });

  it('logs at most linesPerWindow lines per window and says how many it left out', () => {
    const { log, logged, clock } = harness();
    for (let i = 0; i < 10; i += 1) log.write(`line ${i}\n`);
    expect(logged).toEqual(['line 0', 'line 1', 'line 2']);
    clock.now += 10_000;
    log.write('later\n');
    expect(logged).toEqual(['line 0', 'line 1', 'line 2', '(7 more stderr lines not logged)', 'later']);
    // Lines left out of the log still count as the last lines.
    expect(log.lastLines()).toEqual(['line 9', 'later']);
  });
});
