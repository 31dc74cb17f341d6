// One connection per address, reused; a connection that sat idle too long is replaced before use.
// The broker closes channels idle for 120 s (serverChannelMaxIdleTimeSeconds) and NAT entries go
// at 350 s, and neither can be noticed while a Lambda is frozen: wall-clock idle age is the only
// signal, so it is checked on every use.
import { rocketError } from '../errors.ts';
import type { RemotingCommand, RequestCommand } from './command.ts';
import { signRequest, type AclCredentials } from './acl.ts';
import { Connection, type ConnectionOptions, type RequestHandler } from './connection.ts';

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  maxInFlightPerConnection?: number;
  /** Replace a connection idle longer than this; default 60 s, well below the broker's 120 s. */
  idleLimitMs?: number;
  closeOnTimeoutAfterMs?: number;
  onRequest?: RequestHandler;
  /** Signs every request (ACL) when set. */
  credentials?: AclCredentials;
}


export const REMOTING_DEFAULTS = {
  connectTimeoutMs: 3000,
  maxInFlightPerConnection: 65535,
  idleLimitMs: 60_000,
  closeOnTimeoutAfterMs: 1000,
} as const;

export class RemotingClient {
  private readonly connections = new Map<string, Connection>();
  private readonly connectionOptions: ConnectionOptions;
  private readonly idleLimitMs: number;
  private shut = false;
  private readonly credentials: AclCredentials | undefined;
  /** Connections replaced because they sat idle past the limit. */
  staleReplaced = 0;

  constructor(options: RemotingClientOptions = {}) {
    this.idleLimitMs = options.idleLimitMs ?? REMOTING_DEFAULTS.idleLimitMs;
    this.credentials = options.credentials;
    this.connectionOptions = {
      connectTimeoutMs: options.connectTimeoutMs ?? REMOTING_DEFAULTS.connectTimeoutMs,
      maxInFlight: options.maxInFlightPerConnection ?? REMOTING_DEFAULTS.maxInFlightPerConnection,
      closeOnTimeoutAfterMs: options.closeOnTimeoutAfterMs ?? REMOTING_DEFAULTS.closeOnTimeoutAfterMs,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    };
  }

  /** The live connection to `address`, opening or replacing one as needed. */
  connection(address: string): Connection {
    if (this.shut) throw rocketError('CLIENT_CLOSED', undefined, { address });
    const existing = this.connections.get(address);
    if (existing && !existing.closed) {
      if (!this.isStale(existing)) return existing;
      this.retire(existing);
    }
    const fresh = new Connection(address, this.connectionOptions);
    this.connections.set(address, fresh);
    return fresh;
  }

  /** Idle past the limit with nothing in flight (a connection carrying requests is in use). */
  isStale(connection: Connection, now = Date.now()): boolean {
    return connection.pendingCount === 0 && now - connection.lastIoAt > this.idleLimitMs;
  }

  invoke(address: string, command: RequestCommand, timeoutMs: number): Promise<RemotingCommand> {
    return this.connection(address).request(this.credentials ? signRequest(command, this.credentials) : command, timeoutMs);
  }

  invokeOneway(address: string, command: RequestCommand): Promise<void> {
    return this.connection(address).oneway(this.credentials ? signRequest(command, this.credentials) : command);
  }

  /** Closes every connection that sat idle too long; returns how many. For the start of an invocation. */
  closeStale(now = Date.now()): number {
    let closed = 0;
    for (const [address, connection] of this.connections) {
      if (connection.closed || this.isStale(connection, now)) {
        if (!connection.closed) {
          this.retire(connection);
          closed += 1;
        }
        this.connections.delete(address);
      }
    }
    return closed;
  }

  private retire(connection: Connection): void {
    this.staleReplaced += 1;
    connection.close(`idle for more than ${this.idleLimitMs} ms`);
  }

  addresses(): string[] {
    return [...this.connections.entries()].filter(([, c]) => !c.closed).map(([a]) => a);
  }

  shutdown(): void {
    this.shut = true;
    for (const connection of this.connections.values()) connection.close('client shut down');
    this.connections.clear();
  }
}
