import type { LookupAddress, LookupOptions } from 'node:dns';
import { CheckedHosts, UpstreamAddressRefusedError } from './checked-hosts';

const open = { blockPrivate: false };

/** A resolver that gives its answers in turn (the last one again once they run out), counting calls. */
function answering(...answers: string[][]) {
  let call = 0;
  return jest.fn(async (_host: string) => answers[Math.min(call++, answers.length - 1)] ?? []);
}

/** net.connect's view of `lookup`: what it hands the socket, or the error. */
function lookup(hosts: CheckedHosts, host: string, options: LookupOptions): Promise<unknown> {
  return new Promise((resolve, reject) => {
    hosts.lookup(host, options, (error, address, family) => {
      if (error) reject(error);
      else resolve(options.all ? (address as LookupAddress[]) : { address, family });
    });
  });
}

describe('CheckedHosts', () => {
  it('hands sockets the answer held for a host, without resolving again', async () => {
    const resolve = answering(['127.0.0.1', '::1'], ['169.254.169.254']);
    const hosts = new CheckedHosts(open, resolve);
    await hosts.hold('upstream.test');

    expect(await lookup(hosts, 'upstream.test', { all: true })).toEqual([
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ]);
    expect(await lookup(hosts, 'upstream.test', {})).toEqual({ address: '127.0.0.1', family: 4 });
    expect(await lookup(hosts, 'upstream.test', { family: 6 })).toEqual({ address: '::1', family: 6 });
    expect(resolve).toHaveBeenCalledTimes(1);
  });

  it('hands out the newest connection’s answer while several hold the host, and lets go after the last', async () => {
    const hosts = new CheckedHosts(open, answering(['127.0.0.1'], ['127.0.0.2'], ['169.254.169.254']));
    const first = await hosts.hold('upstream.test');
    const second = await hosts.hold('upstream.test');
    expect(await lookup(hosts, 'upstream.test', {})).toEqual({ address: '127.0.0.2', family: 4 });

    second();
    second(); // idempotent: the first holder still counts
    expect(hosts.heldCount()).toBe(1);
    first();
    expect(hosts.heldCount()).toBe(0);
    // Nobody holds it now: a socket resolves and checks for itself, and is refused.
    await expect(lookup(hosts, 'upstream.test', {})).rejects.toThrow(
      new UpstreamAddressRefusedError('must not target a link-local or cloud metadata address'),
    );
  });

  it('refuses to hold a host none of whose addresses is allowed', async () => {
    const hosts = new CheckedHosts({ blockPrivate: true }, answering(['10.0.0.7', '169.254.169.254']));
    await expect(hosts.hold('upstream.test')).rejects.toThrow(/upstream address refused: must not target a loopback/);
    expect(hosts.heldCount()).toBe(0);
  });

  it('holds nothing for an IP literal, and refuses a socket to a literal the policy refuses', async () => {
    const resolve = answering();
    const hosts = new CheckedHosts({ blockPrivate: true }, resolve);
    await (
      await hosts.hold('[2001:db8::1]')
    )();
    expect(hosts.heldCount()).toBe(0);
    expect(hosts.literalRefusal('2001:db8::1')).toBeUndefined();
    expect(hosts.literalRefusal('127.0.0.1')).toBeInstanceOf(UpstreamAddressRefusedError);
    expect(hosts.literalRefusal('upstream.test')).toBeUndefined(); // names go through lookup
    expect(resolve).not.toHaveBeenCalled();
  });
});
