// One TCP connection to a broker or name server, in TLS when asked. It owns the opaque counter and
// the in-flight map (NettyRemotingAbstract.responseTable): each request's deadline, watched by one
// timer per connection armed for the earliest, every pending request rejected with a typed error
// when the socket closes, late responses for timed-out requests dropped. A failure after the TCP
// connect and before the TLS handshake completes is a TLS_HANDSHAKE_FAILED (configuration: a wrong
// CA, a missing client certificate), not a broker fault.
import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { rocketError, type RocketMQError } from '../errors.ts';
import { FrameAccumulator } from './accumulator.ts';
import { ResponseCode } from './codes.ts';
import {
  CLIENT_LANGUAGE,
  CLIENT_VERSION,
  Flag,
  isOneway,
  isResponse,
  SerializeType,
  type RemotingCommand,
  type RequestCommand,
  type SerializeTypeCode,
} from './command.ts';
import { BufferWriter } from './buffer-writer.ts';
import { decodeFrame, encodeFrameAs } from './frame.ts';
import { IN_WORKERD, WORKERD_TLS_FAILURE } from './workerd-tls.ts';

/** Answers a request the peer sends us (e.g. CHECK_TRANSACTION_STATE); undefined sends nothing. */
export type RequestHandler = (request: RemotingCommand, connection: Connection) => Promise<RemotingCommand | undefined>;

export interface ConnectionOptions {
  connectTimeoutMs: number;
  /** Back-pressure: more requests than this in flight fail at once (Java's async semaphore). */
  maxInFlight: number;
  /**
   * A request that times out after waiting at least this long closes the connection: a socket
   * that swallows a whole request timeout is likely black-holed (a NAT entry gone while a Lambda
   * was frozen). Shorter waits, such as the tail of a send budget, leave it open.
   */
  closeOnTimeoutAfterMs: number;
  onRequest?: RequestHandler;
  /** Where the opaque counter starts (0, as in Java); tests set it near the int32 limit. */
  firstOpaque?: number;
  /** TLS on every connection (RocketMQ has one switch for name servers and brokers alike). */
  tls?: TlsSettings;
  /** Header format of what we write; default ROCKETMQ (binary). */
  serializeType?: SerializeTypeCode;
}

/** What a client needs for TLS: whom to trust, and its own certificate for mutual TLS. */
export interface TlsSettings {
  /** CA certificates (PEM) to trust instead of the system ones. */
  ca?: string | Buffer | (string | Buffer)[];
  /** Client certificate chain (PEM), for servers that require one. */
  cert?: string | Buffer;
  /** Client private key (PEM). */
  key?: string | Buffer;
  passphrase?: string;
  /** Name to verify the server certificate against and send as SNI; default the host. */
  servername?: string;
  /** false trusts any server certificate (a test-mode server's self-signed one). Default true. */
  rejectUnauthorized?: boolean;
}

interface Pending {
  resolve: (response: RemotingCommand) => void;
  reject: (error: RocketMQError) => void;
  /** Date.now() past which the request has timed out. */
  deadline: number;
  timeoutMs: number;
  code: number;
}

export class Connection {
  private readonly tcp = new Socket();
  /** The TCP socket, or the TLS socket over it once the handshake starts. */
  private socket: Socket = this.tcp;
  private readonly accumulator = new FrameAccumulator();
  private readonly writer = new BufferWriter();
  private readonly inFlight = new Map<number, Pending>();
  private readonly serializeType: SerializeTypeCode;
  private nextOpaque: number;
  private connecting: Promise<void> | null = null;
  private closedWith: RocketMQError | null = null;
  /** Frames written this tick, not handed to the socket yet. */
  private outgoing: Buffer[] = [];
  private outgoingBytes = 0;
  /**
   * One timer for every request's deadline, armed for the earliest: a timer made and cleared per
   * request cost more than the rest of the response table's bookkeeping. Requests of a send share
   * one timeout, so deadlines mostly come in order and the timer is rarely moved.
   */
  private deadlineTimer: NodeJS.Timeout | null = null;
  private deadlineTimerAt = Number.POSITIVE_INFINITY;
  /** Wall-clock time of the last byte read or written; it keeps counting while a Lambda is frozen. */
  lastIoAt = Date.now();
  /** True once the socket has connected: a request on it is not the first thing it carries. */
  established = false;
  /** Responses that came after their request had timed out. */
  lateResponses = 0;
  /** Settles when the runtime reports the socket closed ('close'), after close() or the peer's. */
  readonly socketClosed: Promise<void>;
  private socketClosedNow!: () => void;

  constructor(
    readonly address: string,
    private readonly options: ConnectionOptions,
  ) {
    this.nextOpaque = options.firstOpaque ?? 0;
    this.serializeType = options.serializeType ?? SerializeType.ROCKETMQ;
    this.tcp.setNoDelay(true);
    this.tcp.on('error', (err) => this.transportFailed(err.message, err));
    this.tcp.on('close', () => this.transportFailed('connection closed'));
    this.socketClosed = new Promise((resolve) => {
      this.socketClosedNow = resolve;
    });
    this.tcp.once('close', () => this.socketClosedNow());
  }

  /** Between the TCP connect and the end of the TLS handshake, a failure is the handshake's. */
  private handshaking = false;

  /** True once a byte came from the peer. */
  private received = false;

  private transportFailed(detail: string, cause?: unknown): void {
    if (!this.options.tls && this.established && !this.received && this.inFlight.size > 0 && !this.closedWith && isPeerClose(cause)) {
      this.plaintextRefused(detail, cause);
      return;
    }
    // TLS 1.3 sends the server's verdict on a client certificate after the client thinks the
    // handshake is done: an alert then is still the handshake's failure.
    const tls = this.handshaking || isTlsAlert(cause);
    const name = tls ? 'TLS_HANDSHAKE_FAILED' : 'CONNECT_BROKER_EXCEPTION';
    this.fail(rocketError(name, tls ? `TLS handshake: ${detail}` : detail, { address: this.address }, cause));
  }

  /**
   * The peer closed a plaintext connection after our first request, without a byte: a RocketMQ
   * server in TLS `enforcing` mode does exactly that, and so does a broker going away. The same
   * address is asked for a TLS handshake (nothing is sent over it): if one completes, the server
   * wants TLS, which is configuration (TLS_HANDSHAKE_FAILED: not retried, no broker isolated).
   * The requests wait for the answer; new ones fail at once meanwhile.
   */
  private plaintextRefused(detail: string, cause: unknown): void {
    const closed = rocketError('CONNECT_BROKER_EXCEPTION', detail, { address: this.address }, cause);
    this.closedWith = closed;
    this.socket.destroy();
    void speaksTls(this.address, Math.min(PLAINTEXT_PROBE_MS, this.options.connectTimeoutMs)).then((tls) => {
      const error = tls
        ? rocketError(
            'TLS_HANDSHAKE_FAILED',
            'the server requires TLS: it closed a plaintext connection without answering, and completes a TLS handshake (set tls)',
            { address: this.address },
          )
        : closed;
      this.closedWith = error;
      this.rejectAll(error);
    });
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  get pendingCount(): number {
    return this.inFlight.size;
  }

  /** Single-flight: concurrent callers share one connect attempt. */
  connect(): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    this.connecting ??= new Promise<void>((resolve, reject) => {
      const at = this.address.lastIndexOf(':');
      const timer = setTimeout(() => {
        const error = rocketError('CONNECT_BROKER_EXCEPTION', `connect timed out after ${this.options.connectTimeoutMs} ms`, {
          address: this.address,
        });
        this.fail(error);
        reject(error);
      }, this.options.connectTimeoutMs);
      timer.unref();
      const host = this.address.slice(0, at);
      const ready = (socket: Socket) => {
        clearTimeout(timer);
        socket.on('data', (chunk: Buffer) => this.onData(chunk));
        this.lastIoAt = Date.now();
        this.established = true;
        resolve();
      };
      if (this.options.tls && IN_WORKERD) {
        this.connectTlsInWorkerd(
          host,
          Number(this.address.slice(at + 1)),
          () => ready(this.socket),
          (error) => {
            clearTimeout(timer);
            reject(error);
          },
        );
        return;
      }
      this.tcp.once('connect', () => {
        if (this.options.tls) this.handshake(host, this.options.tls, () => ready(this.socket));
        else ready(this.tcp);
      });
      this.tcp.once('close', () => {
        clearTimeout(timer);
        reject(this.closedWith);
      });
      this.tcp.connect({ host, port: Number(this.address.slice(at + 1)) });
    });
    return this.connecting;
  }

  /** TLS over the connected TCP socket; until it completes, any failure is the handshake's. */
  private handshake(host: string, settings: TlsSettings, done: () => void): void {
    const options: TlsConnectionOptions = { ...settings, socket: this.tcp, host, servername: settings.servername ?? (isIP(host) ? undefined : host) };
    if (options.servername === undefined) delete options.servername; // no SNI for an IP address
    this.handshaking = true;
    const secure = tlsConnect(options);
    this.socket = secure;
    secure.on('error', (err) => this.transportFailed(err.message, err));
    secure.on('close', () => this.transportFailed(this.handshaking ? 'the server closed the connection' : 'connection closed'));
    secure.once('secureConnect', () => {
      this.handshaking = false;
      done();
    });
  }

  /**
   * workerd's TLS socket, opened as such: upgrading a plain one works, but a failed handshake then
   * shows only as a connect timeout. Opened as TLS, it fails at once with words that also mean an
   * address workerd may not reach (./workerd-tls.ts); a plain TCP connect to the same address
   * tells them apart: when the server answers that, it was the handshake (TLS_HANDSHAKE_FAILED:
   * configuration, not retried). Requests wait for the answer.
   */
  private connectTlsInWorkerd(host: string, port: number, done: () => void, failed: (error: RocketMQError) => void): void {
    const secure = tlsConnect({ host, port });
    this.socket = secure;
    secure.on('error', (err) => {
      if (this.closedWith || !err.message.includes(WORKERD_TLS_FAILURE)) {
        this.transportFailed(err.message, err);
        return;
      }
      const unreachable = rocketError('CONNECT_BROKER_EXCEPTION', err.message, { address: this.address }, err);
      this.closedWith = unreachable;
      secure.destroy();
      void answersTcp(host, port, Math.min(PLAINTEXT_PROBE_MS, this.options.connectTimeoutMs)).then((tcp) => {
        const detail = `TLS handshake: ${err.message}, but the server answers plain TCP: workerd refused its certificate (it trusts public CAs only, and checks it against the host name)`;
        const error = tcp ? rocketError('TLS_HANDSHAKE_FAILED', detail, { address: this.address }, err) : unreachable;
        this.closedWith = error;
        this.rejectAll(error);
        failed(error);
      });
    });
    secure.on('close', () => {
      this.socketClosedNow();
      if (this.closedWith) return;
      this.transportFailed('connection closed');
      failed(this.closedWith!);
    });
    secure.once('secureConnect', done);
  }

  /** Sends a request and resolves with its response, whatever its code. */
  request(command: RequestCommand, timeoutMs: number): Promise<RemotingCommand> {
    // On a connected socket the request is written at once, not a microtask later.
    if (!this.established || this.closedWith) return this.connect().then(() => this.requestNow(command, timeoutMs));
    try {
      return this.requestNow(command, timeoutMs);
    } catch (err) {
      return Promise.reject(err); // a request the codec refuses fails as the caller's promise, as before
    }
  }

  private requestNow(command: RequestCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.inFlight.size >= this.options.maxInFlight) {
      return Promise.reject(rocketError('TOO_MANY_REQUESTS', `${this.inFlight.size} requests already in flight`, { address: this.address }));
    }
    const opaque = this.takeOpaque();
    const frame = this.frameOf(command, opaque, 0);
    // NaN waits nothing; no wait goes past what a timer can hold (about 24.8 days).
    const deadline = Date.now() + (timeoutMs > 0 ? Math.min(timeoutMs, MAX_TIMER_MS) : 0);
    return new Promise<RemotingCommand>((resolve, reject) => {
      this.inFlight.set(opaque, { resolve, reject, deadline, timeoutMs, code: command.code });
      if (deadline < this.deadlineTimerAt) this.armDeadlineTimer(deadline);
      this.write(frame);
    });
  }

  /** The frame of a request of ours: the command with our language and version, built field by field (no spread per send). */
  private frameOf(command: RequestCommand, opaque: number, flag: number): Buffer {
    const header: RemotingCommand = { code: command.code, language: CLIENT_LANGUAGE, version: CLIENT_VERSION, opaque, flag, extFields: command.extFields };
    if (command.remark !== undefined) header.remark = command.remark;
    if (command.body !== undefined) header.body = command.body;
    return encodeFrameAs(this.serializeType, header, this.writer);
  }

  private armDeadlineTimer(at: number): void {
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimerAt = at;
    this.deadlineTimer = setTimeout(() => this.expireDue(), Math.min(MAX_TIMER_MS, Math.max(0, at - Date.now())));
    this.deadlineTimer.unref();
  }

  /** Times out every request past its deadline, and arms the timer for the earliest left. */
  private expireDue(): void {
    this.deadlineTimer = null;
    this.deadlineTimerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    // Every request past its deadline times out before a long one's timeout may close the
    // connection: each gets ACCESS_BROKER_TIMEOUT, as its own timer would have given it.
    let closeAfter = 0;
    for (const [opaque, pending] of this.inFlight) {
      if (pending.deadline <= now) {
        this.onTimeout(opaque, pending);
        if (pending.timeoutMs >= this.options.closeOnTimeoutAfterMs) closeAfter = Math.max(closeAfter, pending.timeoutMs);
      } else if (pending.deadline < next) next = pending.deadline;
    }
    if (closeAfter > 0) this.close(`closed after a ${closeAfter} ms timeout`);
    if (next !== Number.POSITIVE_INFINITY && !this.closedWith) this.armDeadlineTimer(next);
  }

  /** Resolves once the bytes are handed to the socket; no response is awaited or expected. */
  async oneway(command: RequestCommand): Promise<void> {
    await this.connect();
    if (this.closedWith) throw this.closedWith;
    const frame = this.frameOf(command, this.takeOpaque(), Flag.ONEWAY);
    await new Promise<void>((resolve, reject) => {
      this.lastIoAt = Date.now();
      this.flushOutgoing(); // after what was written before it, as a corked socket kept them
      this.socket.write(frame, (err) => (err ? reject(rocketError('CONNECT_BROKER_EXCEPTION', err.message, { address: this.address }, err)) : resolve()));
    });
  }

  close(reason = 'closed by the client'): void {
    this.fail(rocketError('CONNECT_BROKER_EXCEPTION', reason, { address: this.address }));
  }

  private takeOpaque(): number {
    const opaque = this.nextOpaque;
    this.nextOpaque = (this.nextOpaque + 1) | 0; // int32 wrap, as Java's AtomicInteger
    return opaque;
  }

  private write(frame: Buffer): void {
    this.lastIoAt = Date.now();
    // Frames written in the same tick leave together, in one write: one syscall for many
    // concurrent sends instead of one each (the per-write syscall was the largest cost in a profile
    // of 16 in flight), and one pass through the socket's stream instead of one per frame (a
    // corked stream still queues each write with its own bookkeeping).
    this.outgoing.push(frame);
    this.outgoingBytes += frame.length;
    if (this.outgoing.length === 1) process.nextTick(this.flushOutgoing);
  }

  /** Hands the frames of this tick to the socket: copied into one buffer when small, else written corked. */
  private readonly flushOutgoing = (): void => {
    const frames = this.outgoing;
    const bytes = this.outgoingBytes;
    if (frames.length === 0) return;
    this.outgoing = [];
    this.outgoingBytes = 0;
    if (this.closedWith) return; // its requests were rejected with the close
    if (frames.length === 1) {
      this.socket.write(frames[0]!);
    } else if (bytes <= ONE_WRITE_BYTES) {
      this.socket.write(Buffer.concat(frames, bytes));
    } else {
      this.socket.cork();
      for (const frame of frames) this.socket.write(frame);
      this.socket.uncork();
    }
  };

  private onTimeout(opaque: number, pending: Pending): void {
    const timeoutMs = pending.timeoutMs;
    this.inFlight.delete(opaque);
    pending.reject(
      rocketError('ACCESS_BROKER_TIMEOUT', `no response within ${timeoutMs} ms`, {
        address: this.address,
        opaque,
        requestCode: pending.code,
      }),
    );
  }

  private onData(chunk: Buffer): void {
    this.lastIoAt = Date.now();
    this.received = true;
    try {
      this.accumulator.push(chunk, (frame) => this.onFrame(decodeFrame(frame)));
    } catch (err) {
      // The stream can no longer be cut into frames: this connection only is finished.
      this.fail(err as RocketMQError);
    }
  }

  private onFrame(command: RemotingCommand): void {
    if (!isResponse(command)) {
      void this.answer(command);
      return;
    }
    const pending = this.inFlight.get(command.opaque);
    if (!pending) {
      this.lateResponses += 1;
      return;
    }
    this.inFlight.delete(command.opaque);
    pending.resolve(command);
  }

  /** A request from the peer is never taken for a response. */
  private async answer(request: RemotingCommand): Promise<void> {
    let response: RemotingCommand | undefined;
    if (this.options.onRequest) {
      try {
        response = await this.options.onRequest(request, this);
      } catch (err) {
        response = reply(request, ResponseCode.SYSTEM_ERROR, (err as Error).message);
      }
    } else {
      response = reply(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, ` request type ${request.code} not supported`);
    }
    if (response && !isOneway(request) && !this.closedWith) this.write(encodeFrameAs(this.serializeType, response, this.writer));
  }

  private fail(error: RocketMQError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.socket.destroy();
    this.rejectAll(error);
  }

  private rejectAll(error: RocketMQError): void {
    // A TLS failure stays one for the requests it ends: it is configuration, not a broker fault.
    const name = error.codeName === 'TLS_HANDSHAKE_FAILED' ? 'TLS_HANDSHAKE_FAILED' : 'CONNECT_BROKER_EXCEPTION';
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineTimer = null;
    this.deadlineTimerAt = Number.POSITIVE_INFINITY;
    for (const [opaque, pending] of this.inFlight) {
      pending.reject(rocketError(name, error.message, { address: this.address, opaque, requestCode: pending.code }, error));
    }
    this.inFlight.clear();
  }
}

/** The longest setTimeout delay (2^31 - 1 ms): a longer one fires at once, with a warning. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Frames of one tick up to this many bytes in all are copied into one buffer for one write; larger ones go corked. */
const ONE_WRITE_BYTES = 64 * 1024;

/** How long a closed plaintext connection waits to learn whether its server wants TLS. */
const PLAINTEXT_PROBE_MS = 1000;

/** A close the peer made (a FIN, or a reset of what we had written), not a local failure. */
function isPeerClose(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return cause === undefined || code === 'ECONNRESET' || code === 'EPIPE';
}

/** Whether a TLS handshake with `address` completes; any certificate is taken, nothing is sent. */
function speaksTls(address: string, timeoutMs: number): Promise<boolean> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at);
  try {
    const socket = tlsConnect({ host, port: Number(address.slice(at + 1)), rejectUnauthorized: false, ...(isIP(host) ? {} : { servername: host }) });
    return probe(socket, 'secureConnect', timeoutMs);
  } catch {
    return Promise.resolve(false); // workerd cannot take any certificate (ERR_OPTION_NOT_IMPLEMENTED): the close stays a close
  }
}

/** Whether a plain TCP connect to `host:port` succeeds; nothing is sent. */
function answersTcp(host: string, port: number, timeoutMs: number): Promise<boolean> {
  const socket = new Socket();
  const answered = probe(socket, 'connect', timeoutMs);
  socket.connect({ host, port });
  return answered;
}

/** True when `socket` emits `success` within `timeoutMs`, false on an error, a close or the time; the socket is destroyed. */
function probe(socket: Socket, success: 'connect' | 'secureConnect', timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once(success, () => done(true));
    socket.once('error', () => done(false));
    socket.once('close', () => done(false));
  });
}

/** OpenSSL's verdicts on certificates and protocol (ERR_SSL_*, certificate verification codes). */
function isTlsAlert(cause: unknown): boolean {
  const code = (cause as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED|SELF_SIGNED_CERT|HOSTNAME_MISMATCH)/.test(code);
}

/** A response to `request` with our header fields. */
export function reply(request: RemotingCommand, code: number, remark?: string): RemotingCommand {
  const response: RemotingCommand = {
    code,
    language: CLIENT_LANGUAGE,
    version: CLIENT_VERSION,
    opaque: request.opaque,
    flag: Flag.RESPONSE,
    extFields: {},
  };
  if (remark !== undefined) response.remark = remark;
  return response;
}
