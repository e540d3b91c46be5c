import type { Notification } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamRelay } from '../upstream-relay';
import { federatedRelay } from './federated-relay';
import { scopePromptResult, scopeReadResult, scopeToolResult } from './scoped-results';

describe('the relay of a federated session', () => {
  const sent: Notification[] = [];
  const base: UpstreamRelay = {
    capabilities: { sampling: {} },
    request: async (request) => ({ echoed: request.method }),
    notify: async (notification) => {
      if (notification.method === 'notifications/refused') throw new Error('capability not offered');
      sent.push(notification);
    },
  };
  let listChanges = 0;
  const relay = federatedRelay(base, {
    name: 'alpha',
    toGatewayUri: (uri) => `mcpgw://alpha/${uri}`,
    listChanged: () => (listChanges += 1),
  });

  beforeEach(() => {
    sent.splice(0);
    listChanges = 0;
  });

  it('puts resource updates in gateway scope and names the upstream in log messages', async () => {
    await relay.notify({ method: 'notifications/resources/updated', params: { uri: 'file:///a' } });
    await relay.notify({ method: 'notifications/message', params: { level: 'info', logger: 'db', data: 'x' } });
    await relay.notify({ method: 'notifications/message', params: { level: 'info', data: 'y' } });
    await relay.notify({ method: 'notifications/tools/list_changed' });

    expect(sent).toEqual([
      { method: 'notifications/resources/updated', params: { uri: 'mcpgw://alpha/file:///a' } },
      { method: 'notifications/message', params: { level: 'info', logger: 'alpha/db', data: 'x' } },
      { method: 'notifications/message', params: { level: 'info', logger: 'alpha', data: 'y' } },
      { method: 'notifications/tools/list_changed' },
    ]);
    expect(listChanges).toBe(1);
  });

  it("passes the upstream's requests and the client's capabilities through, and drops what the client cannot take", async () => {
    expect(relay.capabilities).toEqual({ sampling: {} });
    await expect(
      relay.request({ method: 'sampling/createMessage' }, { signal: new AbortController().signal }),
    ).resolves.toEqual({ echoed: 'sampling/createMessage' });
    await expect(relay.notify({ method: 'notifications/refused' })).resolves.toBeUndefined();
  });

  it('rewrites URIs in read results, tool results and prompt messages', () => {
    const scope = (uri: string): string => `mcpgw://alpha/${uri}`;
    expect(scopeReadResult({ contents: [{ uri: 'a://1', text: 't' }] }, scope)).toEqual({
      contents: [{ uri: 'mcpgw://alpha/a://1', text: 't' }],
    });
    expect(
      scopeToolResult(
        {
          content: [
            { type: 'text', text: 'a://1' },
            { type: 'resource_link', uri: 'a://2', name: 'two' },
            { type: 'resource', resource: { uri: 'a://3', text: 'x' } },
          ],
        },
        scope,
      ),
    ).toEqual({
      content: [
        { type: 'text', text: 'a://1' },
        { type: 'resource_link', uri: 'mcpgw://alpha/a://2', name: 'two' },
        { type: 'resource', resource: { uri: 'mcpgw://alpha/a://3', text: 'x' } },
      ],
    });
    expect(
      scopePromptResult(
        { messages: [{ role: 'user', content: { type: 'resource_link', uri: 'a://4', name: 'f' } }] },
        scope,
      ),
    ).toEqual({
      messages: [{ role: 'user', content: { type: 'resource_link', uri: 'mcpgw://alpha/a://4', name: 'f' } }],
    });
  });
});
