// One TCP connection to a broker or name server. It owns the opaque counter and the in-flight map
// (NettyRemotingAbstract.responseTable): a timer per request, every pending request rejected with
// a typed error when the socket closes, late responses for timed-out requests dropped.
import { Socket } from 'node:net';
import { rocketError, type RocketMQError } from '../errors.ts';
import { FrameAccumulator } from './accumulator.ts';
import { ResponseCode } from './codes.ts';
import { CLIENT_LANGUAGE, CLIENT_VERSION, Flag, isOneway, isResponse, type RemotingCommand } from './command.ts';
import { BufferWriter } from './buffer-writer.ts';
import { decodeFrame, encodeFrame } from './frame.ts';

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
}

interface Pending {
  resolve: (response: RemotingCommand) => void;
  reject: (error: RocketMQError) => void;
  timer: NodeJS.Timeout;
  code: number;
}

export class Connection {
  private readonly socket = new Socket();
  private readonly accumulator = new FrameAccumulator();
  private readonly writer = new BufferWriter();
  private readonly inFlight = new Map<number, Pending>();
  private nextOpaque: number;
  private connecting: Promise<void> | null = null;
  private closedWith: RocketMQError | null = null;
  private corked = false;
  /** Wall-clock time of the last byte read or written; it keeps counting while a Lambda is frozen. */
  lastIoAt = Date.now();
  /** True once the socket has connected: a request on it is not the first thing it carries. */
  established = false;
  /** Responses that came after their request had timed out. */
  lateResponses = 0;

  constructor(
    readonly address: string,
    private readonly options: ConnectionOptions,
  ) {
    this.nextOpaque = options.firstOpaque ?? 0;
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(rocketError('CONNECT_BROKER_EXCEPTION', err.message, { address }, err)));
    this.socket.on('close', () => this.fail(rocketError('CONNECT_BROKER_EXCEPTION', 'connection closed', { address })));
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
      this.socket.once('connect', () => {
        clearTimeout(timer);
        this.lastIoAt = Date.now();
        this.established = true;
        resolve();
      });
      this.socket.once('close', () => {
        clearTimeout(timer);
        reject(this.closedWith);
      });
      this.socket.connect({ host: this.address.slice(0, at), port: Number(this.address.slice(at + 1)) });
    });
    return this.connecting;
  }

  /** Sends a request and resolves with its response, whatever its code. */
  async request(command: Omit<RemotingCommand, 'opaque' | 'language' | 'version' | 'flag'>, timeoutMs: number): Promise<RemotingCommand> {
    await this.connect();
    if (this.closedWith) throw this.closedWith;
    if (this.inFlight.size >= this.options.maxInFlight) {
      throw rocketError('TOO_MANY_REQUESTS', `${this.inFlight.size} requests already in flight`, { address: this.address });
    }
    const opaque = this.takeOpaque();
    const frame = encodeFrame({ ...command, opaque, language: CLIENT_LANGUAGE, version: CLIENT_VERSION, flag: 0 }, this.writer);
    return new Promise<RemotingCommand>((resolve, reject) => {
      const timer = setTimeout(() => this.onTimeout(opaque, timeoutMs), Math.max(0, timeoutMs));
      timer.unref();
      this.inFlight.set(opaque, { resolve, reject, timer, code: command.code });
      this.write(frame);
    });
  }

  /** Resolves once the bytes are handed to the socket; no response is awaited or expected. */
  async oneway(command: Omit<RemotingCommand, 'opaque' | 'language' | 'version' | 'flag'>): Promise<void> {
    await this.connect();
    if (this.closedWith) throw this.closedWith;
    const frame = encodeFrame({ ...command, opaque: this.takeOpaque(), language: CLIENT_LANGUAGE, version: CLIENT_VERSION, flag: Flag.ONEWAY }, this.writer);
    await new Promise<void>((resolve, reject) => {
      this.lastIoAt = Date.now();
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
    // Frames written in the same tick leave in one writev: one syscall for many concurrent sends
    // instead of one each (the per-write syscall was the largest cost in a profile of 16 in flight).
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
  }

  private onTimeout(opaque: number, timeoutMs: number): void {
    const pending = this.inFlight.get(opaque);
    if (!pending) return;
    this.inFlight.delete(opaque);
    pending.reject(
      rocketError('ACCESS_BROKER_TIMEOUT', `no response within ${timeoutMs} ms`, {
        address: this.address,
        opaque,
        requestCode: pending.code,
      }),
    );
    if (timeoutMs >= this.options.closeOnTimeoutAfterMs) this.close(`closed after a ${timeoutMs} ms timeout`);
  }

  private onData(chunk: Buffer): void {
    this.lastIoAt = Date.now();
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
    clearTimeout(pending.timer);
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
    if (response && !isOneway(request) && !this.closedWith) this.write(encodeFrame(response, this.writer));
  }

  private fail(error: RocketMQError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.socket.destroy();
    for (const [opaque, pending] of this.inFlight) {
      clearTimeout(pending.timer);
      pending.reject(rocketError('CONNECT_BROKER_EXCEPTION', error.message, { address: this.address, opaque, requestCode: pending.code }, error));
    }
    this.inFlight.clear();
  }
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
