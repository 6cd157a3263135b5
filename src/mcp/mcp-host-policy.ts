import { lookup as resolve } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Ranges a request must not reach by default: loopback, private, link-local, shared and unique-local addresses. */
const INTERNAL = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  INTERNAL.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  INTERNAL.addSubnet(network, prefix, 'ipv6');

function isInternal(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return INTERNAL.check(mapped[1], 'ipv4');
  return INTERNAL.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/**
 * Which hosts the `server_url` of a request's mcp tool may point to (MCP_ALLOWED_HOSTS): by default those whose
 * addresses are all public, so that a client cannot use the server to reach the network it runs in; otherwise
 * only the hosts listed. The addresses are checked when the server connects (the name may resolve to another one
 * later: a listed host is trusted not to).
 */
export class McpHostPolicy {
  private readonly patterns: string[] | undefined;

  constructor(setting: string | undefined) {
    this.patterns = setting?.split(',').map((pattern) =>
      pattern
        .trim()
        .toLowerCase()
        .replace(/^\[|\]$/g, ''),
    );
  }

  /** Whether mcp tools are offered at all (MCP_ALLOWED_HOSTS=none: not). */
  get enabled(): boolean {
    return !(this.patterns?.length === 1 && this.patterns[0] === 'none');
  }

  /** Why a URL's host may not be reached, before its name is resolved; undefined when it may be tried. */
  refusal(url: URL): string | undefined {
    if (!this.patterns) return undefined;
    const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
    const listed = this.patterns.some((pattern) => pattern === '*' || pattern === host || (pattern.startsWith('*.') && host.endsWith(pattern.slice(1))));
    return listed ? undefined : `The host '${host}' is not among the MCP servers this server may reach (MCP_ALLOWED_HOSTS).`;
  }

  /** Why a URL may not be reached, its name resolved; undefined when it may. */
  async check(url: URL): Promise<string | undefined> {
    const refused = this.refusal(url);
    if (refused || this.patterns) return refused;
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);
    if (addresses.some(isInternal)) {
      return `The host '${host}' is on an internal network, which MCP servers may reach only when MCP_ALLOWED_HOSTS lists them.`;
    }
    return undefined;
  }

  /**
   * Name resolution for the connections to MCP servers. Unless hosts are listed, a name that resolves to an internal
   * address fails to connect, whatever it resolved to when `check` looked: a name that answers a public address to
   * the check and an internal one to the connection (DNS rebinding) reaches nothing.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) =>
    resolve(hostname, options, (error, address, family) => {
      if (error || this.patterns) return callback(error, address, family);
      const addresses = typeof address === 'string' ? [address] : address.map((entry) => entry.address);
      if (!addresses.some(isInternal)) return callback(null, address, family);
      const refused: NodeJS.ErrnoException = new Error(`the host '${hostname}' resolved to an internal address`);
      refused.code = 'EADDRNOTAVAIL';
      callback(refused, address, family);
    });
}
