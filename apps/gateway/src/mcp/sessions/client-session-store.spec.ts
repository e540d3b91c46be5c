import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { ClientSession } from './client-session';
import { ClientSessionStore, type SessionEndReason } from './client-session-store';
import { EndpointError } from './json-rpc-reply';

describe('ClientSessionStore', () => {
  let now = 0;
  let ended: [string, SessionEndReason][];
  let closed: string[];
  let store: ClientSessionStore;

  function session(id: string, user = 'alice', scope = 'mcp'): ClientSession {
    const closeWith = async (): Promise<void> => {
      closed.push(id);
    };
    const server = { close: closeWith } as unknown as Server;
    const transport = { close: async () => undefined } as unknown as StreamableHTTPServerTransport;
    return new ClientSession(id, scope, user, server, transport, now);
  }

  function open(id: string, user?: string, scope?: string): ClientSession {
    store.reserve();
    const opened = session(id, user, scope);
    store.add(opened);
    return opened;
  }

  beforeEach(() => {
    now = 1_000;
    ended = [];
    closed = [];
    store = new ClientSessionStore({
      idleTtlMs: 10_000,
      maxSessions: 2,
      now: () => now,
      onEnd: (s, reason) => ended.push([s.id, reason]),
    });
  });

  it('finds a session only for the endpoint and principal that opened it', () => {
    const a = open('a', 'alice', 'mcp');

    expect(store.find('a', 'mcp', 'alice')).toBe(a);
    expect(store.find('a', 'mcp', 'bob')).toBeUndefined();
    expect(store.find('a', 'servers/x', 'alice')).toBeUndefined();
    expect(store.find('b', 'mcp', 'alice')).toBeUndefined();
    expect(ended).toEqual([]);
  });

  it('ends a session idle past the TTL, but not one with a request in flight', () => {
    const idle = open('idle');
    const busy = open('busy');
    busy.inFlight = 1;
    now += 10_000;

    expect(store.sweep()).toBe(1);
    expect(ended).toEqual([['idle', 'expired']]);
    expect(store.find('idle', 'mcp', 'alice')).toBeUndefined();
    expect(store.find('busy', 'mcp', 'alice')).toBe(busy);
    expect(idle.inFlight).toBe(0);
  });

  it('ends an expired session found before the sweep ran', () => {
    open('a');
    now += 10_001;

    expect(store.find('a', 'mcp', 'alice')).toBeUndefined();
    expect(ended).toEqual([['a', 'expired']]);
  });

  it('makes room by ending the least recently active idle session', () => {
    const older = open('older');
    now += 5;
    open('newer');
    older.lastActivity = now + 1; // used since: `newer` is now the least recently active

    open('third');

    expect(ended).toEqual([['newer', 'evicted']]);
    expect(store.size).toBe(2);
  });

  it('refuses a new session with a 503 when every session is busy, counting those being opened', () => {
    open('a').inFlight = 1;
    store.reserve();

    expect(() => store.reserve()).toThrow(EndpointError);
    try {
      store.reserve();
    } catch (error) {
      expect((error as EndpointError).httpStatus).toBe(503);
      expect((error as EndpointError).message).toMatch(/limit of 2 is reached and every session is busy/);
    }
    store.release();
    expect(() => store.reserve()).not.toThrow();
  });

  it('ends each session once, and every session on endAll', async () => {
    const a = open('a');
    open('b');
    store.end(a, 'deleted');
    store.end(a, 'closed');

    await store.endAll('shutdown');

    expect(ended).toEqual([
      ['a', 'deleted'],
      ['b', 'shutdown'],
    ]);
    expect(closed.sort()).toEqual(['a', 'b']);
    expect(store.size).toBe(0);
  });
});
