/**
 * In-memory event store for one session's Streamable HTTP transport: it makes SSE streams
 * resumable, so a client that lost a stream (or was told to poll) gets the rest with Last-Event-ID.
 */
import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

interface StoredEvent {
  streamId: string;
  seq: number;
  message: JSONRPCMessage;
}

/** Events kept per session; a test session sends far fewer, the bound only stops a runaway. */
const MAX_EVENTS = 10_000;

export class ConformanceEventStore implements EventStore {
  private readonly events = new Map<string, StoredEvent>();
  private seq = 0;

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    this.seq += 1;
    const eventId = `${this.seq}`;
    this.events.set(eventId, { streamId, seq: this.seq, message });
    if (this.events.size > MAX_EVENTS) {
      const oldest = this.events.keys().next().value;
      if (oldest !== undefined) this.events.delete(oldest);
    }
    return eventId;
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return this.events.get(eventId)?.streamId;
  }

  async replayEventsAfter(
    lastEventId: string,
    { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> },
  ): Promise<string> {
    const last = this.events.get(lastEventId);
    if (!last) {
      throw new Error(`Unknown event id ${lastEventId}`);
    }
    for (const [eventId, event] of this.events) {
      // Priming events carry no message; there is nothing to replay for them.
      if (event.streamId === last.streamId && event.seq > last.seq && Object.keys(event.message).length > 0) {
        await send(eventId, event.message);
      }
    }
    return last.streamId;
  }
}
