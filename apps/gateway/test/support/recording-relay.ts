import type { Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamRelay } from '../../src/mcp/upstream-relay';

/** A gateway client session as the pool sees it: answers the upstream's requests like a client would. */
export class RecordingRelay implements UpstreamRelay {
  readonly capabilities = { elicitation: { form: {} }, sampling: {}, roots: { listChanged: true } };
  readonly requests: Request[] = [];
  readonly notifications: Notification[] = [];

  async request(request: Request): Promise<Result> {
    this.requests.push(request);
    switch (request.method) {
      case 'elicitation/create':
        return { action: 'accept', content: { answer: 'yes' } };
      case 'sampling/createMessage':
        return { role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'test-model' };
      case 'roots/list':
        return { roots: [{ uri: 'file:///work', name: 'work' }] };
      default:
        throw new Error(`unexpected ${request.method}`);
    }
  }

  async notify(notification: Notification): Promise<void> {
    this.notifications.push(notification);
  }
}
