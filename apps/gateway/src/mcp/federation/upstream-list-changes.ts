import { Injectable } from '@nestjs/common';

export type UpstreamListChangeListener = (upstreamId: string) => void;

/**
 * Upstreams that said one of their lists changed (tools, resources or prompts list_changed on a
 * client session's upstream session). Discovery listens, so the stored catalog, and with it
 * every federated session's lists, follows without waiting for the next poll.
 */
@Injectable()
export class UpstreamListChanges {
  private readonly listeners = new Set<UpstreamListChangeListener>();

  /** Returns the function that stops listening. */
  listen(listener: UpstreamListChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(upstreamId: string): void {
    for (const listener of this.listeners) {
      try {
        listener(upstreamId);
      } catch {
        // A listener's failure is its own; the relay that reported the change goes on.
      }
    }
  }
}
