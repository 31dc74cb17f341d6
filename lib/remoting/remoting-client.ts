// One connection per address, reused, and this layer alone decides when a socket is stale:
// - idle too long: replaced before use. The broker closes channels idle for 120 s
//   (serverChannelMaxIdleTimeSeconds) and NAT entries go at 350 s, and neither can be noticed
//   while a Lambda is frozen: wall-clock idle age is the only signal, so it is checked on every use;
// - stale on first use: a connection idle for a while whose request fails at the transport (reset,
//   closed under us) was closed while nobody watched; it is replaced and the request sent again,
//   once. That is staleness, not a fault of the peer, and callers never see it.
// With maxConnections (Cloudflare Workers allow 6 open connections per request, name server and
// brokers together) a new socket past the limit first closes the least recently used idle one; with
// every socket carrying a request, it is refused (CONNECTION_LIMIT) instead of being opened.
import { ConnectionError, rocketError } from '../errors.ts';
import { SerializeType, type RemotingCommand, type RequestCommand, type SerializeTypeName } from './command.ts';
import { signRequest, type AclCredentials } from './acl.ts';
import { Connection, type ConnectionOptions, type RequestHandler, type TlsSettings } from './connection.ts';

export interface RemotingClientOptions {
  connectTimeoutMs?: number;
  maxInFlightPerConnection?: number;
  /** Replace a connection idle longer than this; default 60 s, well below the broker's 120 s. */
  idleLimitMs?: number;
  closeOnTimeoutAfterMs?: number;
  onRequest?: RequestHandler;
  /** Signs every request (ACL) when set. */
  credentials?: AclCredentials;
  /** TLS on every connection when set. */
  tls?: TlsSettings;
  /** Header format of every request: ROCKETMQ (binary, the default) or JSON. */
  serializeType?: SerializeTypeName;
  /** At most this many sockets open at once; unbounded by default. */
  maxConnections?: number;
}

export const REMOTING_DEFAULTS = {
  connectTimeoutMs: 3000,
  maxInFlightPerConnection: 65535,
  idleLimitMs: 60_000,
  closeOnTimeoutAfterMs: 1000,
  serializeType: 'ROCKETMQ',
} as const;

/** A connection idle at least this long before a request is suspected stale if that request fails. */
const STALE_AFTER_IDLE_MS = 1000;

export class RemotingClient {
  private readonly connections = new Map<string, Connection>();
  private readonly connectionOptions: ConnectionOptions;
  private readonly idleLimitMs: number;
  private shut = false;
  private readonly credentials: AclCredentials | undefined;
  /** Connections replaced because they sat idle past the limit. */
  staleReplaced = 0;
  /** Requests sent again on a fresh connection because the idle one failed on first use. */
  staleReconnects = 0;
  /** The version code (MQVersion ordinal) each peer put in its last response. */
  private readonly versions = new Map<string, number>();
  private readonly maxConnections: number;
  /** Every connection whose socket the runtime has not reported closed yet, retired ones included. */
  private readonly sockets = new Set<Connection>();
  /** Sockets this client opened. */
  socketsOpened = 0;
  /** Idle sockets closed to make room under maxConnections. */
  socketsEvicted = 0;

  constructor(options: RemotingClientOptions = {}) {
    this.idleLimitMs = options.idleLimitMs ?? REMOTING_DEFAULTS.idleLimitMs;
    this.credentials = options.credentials;
    this.maxConnections = options.maxConnections ?? Number.POSITIVE_INFINITY;
    this.connectionOptions = {
      connectTimeoutMs: options.connectTimeoutMs ?? REMOTING_DEFAULTS.connectTimeoutMs,
      maxInFlight: options.maxInFlightPerConnection ?? REMOTING_DEFAULTS.maxInFlightPerConnection,
      closeOnTimeoutAfterMs: options.closeOnTimeoutAfterMs ?? REMOTING_DEFAULTS.closeOnTimeoutAfterMs,
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
      ...(options.tls ? { tls: options.tls } : {}),
      serializeType: SerializeType[options.serializeType ?? REMOTING_DEFAULTS.serializeType],
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
    this.makeRoom(address);
    const fresh = new Connection(address, this.connectionOptions);
    this.connections.set(address, fresh);
    this.socketsOpened += 1;
    this.sockets.add(fresh);
    void fresh.socketClosed.then(() => this.sockets.delete(fresh));
    return fresh;
  }

  /** Below maxConnections before a new socket: the least recently used idle one goes, or the new one is refused. */
  private makeRoom(address: string): void {
    const open = [...this.connections.values()].filter((c) => !c.closed);
    if (open.length < this.maxConnections) return;
    const idle = open.filter((c) => c.pendingCount === 0).sort((a, b) => a.lastIoAt - b.lastIoAt)[0];
    if (!idle) {
      throw rocketError('CONNECTION_LIMIT', `${open.length} sockets open, each with a request in flight (maxConnections ${this.maxConnections})`, { address });
    }
    idle.close(`closed to stay within ${this.maxConnections} connections`);
    this.connections.delete(idle.address);
    this.socketsEvicted += 1;
  }

  /** Sockets the runtime has not reported closed yet. */
  get socketsOpen(): number {
    return this.sockets.size;
  }

  /** Resolves once the runtime reports every socket closed, or at `timeoutMs`; how many are still open. */
  async socketsClosed(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all([...this.sockets].map((c) => c.socketClosed)), timeout]);
    clearTimeout(timer);
    return this.sockets.size;
  }

  /** Idle past the limit with nothing in flight (a connection carrying requests is in use). */
  isStale(connection: Connection, now = Date.now()): boolean {
    return connection.pendingCount === 0 && now - connection.lastIoAt > this.idleLimitMs;
  }

  async invoke(address: string, command: RequestCommand, timeoutMs: number): Promise<RemotingCommand> {
    const request = this.credentials ? signRequest(command, this.credentials) : command;
    const started = Date.now();
    const connection = this.connection(address);
    const stale = connection.established && !connection.closed && started - connection.lastIoAt >= STALE_AFTER_IDLE_MS;
    let response: RemotingCommand;
    try {
      response = await connection.request(request, timeoutMs);
    } catch (err) {
      if (!stale || !(err instanceof ConnectionError) || err.codeName !== 'CONNECT_BROKER_EXCEPTION') throw err;
      this.staleReconnects += 1;
      connection.close('stale after idle');
      response = await this.connection(address).request(request, Math.max(1, timeoutMs - (Date.now() - started)));
    }
    this.versions.set(address, response.version);
    return response;
  }

  /** The version code `address` answered with last; undefined before its first answer. */
  peerVersion(address: string): number | undefined {
    return this.versions.get(address);
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

  /** Requests sent and not yet answered, over every connection (a leak check's number). */
  get inFlight(): number {
    let n = 0;
    for (const connection of this.connections.values()) n += connection.pendingCount;
    return n;
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
