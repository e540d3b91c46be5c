import { InvalidUpstreamUrlError } from './errors';
import { registryMessages as messages } from './registry.messages';
import type { UpstreamTransport } from './types';
import { isStdioUrl } from './upstream-url';

/** The transport an upstream registered without one gets: `stdio` for `stdio:<name>`, else Streamable HTTP. */
export function defaultTransportFor(url: string): UpstreamTransport {
  return isStdioUrl(url) ? 'stdio' : 'streamablehttp';
}

/** A `stdio:` URL goes with the `stdio` transport and only with it; the error is about the URL. */
export function assertTransportFitsUrl(transport: UpstreamTransport, url: string): void {
  const stdioUrl = isStdioUrl(url);
  if (stdioUrl && transport !== 'stdio') throw new InvalidUpstreamUrlError(messages.stdioUrlNeedsStdio());
  if (!stdioUrl && transport === 'stdio') throw new InvalidUpstreamUrlError(messages.stdioTransportNeedsStdioUrl());
}
