import { STDIO_SERVER_NAME } from '@app/registry';
import { z } from 'zod';

/** The operator's allow-list of stdio servers (STDIO_SERVERS), parsed once at start-up. */
export const STDIO_SERVER_CATALOG = Symbol('STDIO_SERVER_CATALOG');

/** How to start one allow-listed stdio server. `env` values are secrets: never logged or shown. */
export interface StdioServerSpec {
  name: string;
  command: string;
  args: readonly string[];
  /** Set over the SDK's minimal inherited environment (HOME, LOGNAME, PATH, SHELL, TERM, USER). */
  env: Readonly<Record<string, string>>;
  cwd?: string;
}

/** The stdio servers an upstream may name as `stdio:<name>`. */
export class StdioServerCatalog {
  private readonly byName: ReadonlyMap<string, StdioServerSpec>;

  constructor(specs: readonly StdioServerSpec[] = []) {
    this.byName = new Map(specs.map((spec) => [spec.name, spec]));
  }

  get(name: string): StdioServerSpec | undefined {
    return this.byName.get(name);
  }

  /** The allowed names, sorted, for error messages. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** "a, b" or a sentence saying that there are none; for error messages. */
  describeAllowed(): string {
    const names = this.names();
    return names.length === 0 ? 'STDIO_SERVERS allows none' : `STDIO_SERVERS allows: ${names.join(', ')}`;
  }
}

/** The STDIO_SERVERS text is unusable; the message says where, never quoting a value. */
export class StdioServersConfigError extends Error {
  override readonly name = 'StdioServersConfigError';
}

// Shell-style names; anything else (an "=" or a NUL) cannot be passed to a process.
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const text = (what: string) =>
  z
    .string({ invalid_type_error: `${what} must be a string`, required_error: `${what} is required` })
    .refine((value) => !value.includes('\0'), `${what} must not contain NUL`);

// Zod messages never quote the offending value (env values are secrets).
const specSchema = z
  .object(
    {
      command: text('command').refine((value) => value.trim() !== '', 'command must not be empty'),
      args: z.array(text('each of args'), { invalid_type_error: 'args must be an array of strings' }).default([]),
      env: z
        .record(text('each env value'), { invalid_type_error: 'env must be an object of strings' })
        .default({})
        .superRefine((env, ctx) => {
          if (Object.keys(env).some((key) => !ENV_NAME.test(key))) {
            ctx.addIssue({
              code: z.ZodIssueCode.custom,
              message: 'env names must be letters, digits and "_", not starting with a digit',
            });
          }
        }),
      cwd: text('cwd')
        .refine((value) => value.trim() !== '', 'cwd must not be empty')
        .optional(),
    },
    { invalid_type_error: 'must be an object with command, args, env, cwd' },
  )
  .strict();

/**
 * Parses STDIO_SERVERS: a JSON object `{"<name>": {"command", "args"?, "env"?, "cwd"?}}`.
 * Undefined or empty allows no stdio server. Throws a StdioServersConfigError listing every
 * problem; no message quotes the JSON text, an argument or an env value.
 */
export function parseStdioServers(raw: string | undefined): StdioServerCatalog {
  if (raw === undefined || raw.trim() === '') return new StdioServerCatalog();
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    // The parser's message quotes the text around the error: give the position only.
    const position = error instanceof Error ? /position (\d+)/.exec(error.message)?.[1] : undefined;
    throw new StdioServersConfigError(`is not valid JSON${position === undefined ? '' : ` (at position ${position})`}`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new StdioServersConfigError('must be a JSON object of {"<name>": {"command": ..., "args": [...]}}');
  }
  const problems: string[] = [];
  const specs: StdioServerSpec[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (!STDIO_SERVER_NAME.test(name)) {
      problems.push(
        `server names must be 1 to 64 letters, digits, ".", "_" or "-" starting with a letter or digit (got ${JSON.stringify(name.slice(0, 80))})`,
      );
      continue;
    }
    const parsed = specSchema.safeParse(value);
    if (!parsed.success) {
      const messages = [...new Set(parsed.error.issues.map(issueText))];
      problems.push(`server "${name}": ${messages.join('; ')}`);
      continue;
    }
    specs.push({ name, ...parsed.data });
  }
  if (problems.length > 0) throw new StdioServersConfigError(problems.join('; '));
  return new StdioServerCatalog(specs);
}

/** The problem with STDIO_SERVERS, for the configuration check; null when it parses. */
export function stdioServersProblem(raw: string | undefined): string | null {
  try {
    parseStdioServers(raw);
    return null;
  } catch (error) {
    if (error instanceof StdioServersConfigError) return error.message;
    throw error;
  }
}

function issueText(issue: z.ZodIssue): string {
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k.slice(0, 40))).join(', ')} (allowed: command, args, env, cwd)`;
  }
  if (issue.code === z.ZodIssueCode.invalid_type && issue.path.length > 0 && issue.message.startsWith('Expected')) {
    return `${String(issue.path[0])} has the wrong type`;
  }
  return issue.message;
}
