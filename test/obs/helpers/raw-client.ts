import { WebSocket } from 'ws';
import { encode, decode } from '@msgpack/msgpack';
import { Authenticator } from '../../../src/obs/server/auth.js';
import { waitForPromise, waitUntil } from '../../helpers/wait.js';

export interface Closed {
  code: number;
  reason: string;
}

/**
 * A bare `ws` client for the hostile tests: sends whatever bytes it is told to, records every
 * message and the close code, so the tests can check the server's exact answer.
 */
export class RawClient {
  readonly messages: Array<{ op: number; d: any }> = [];
  private readonly closedPromise: Promise<Closed>;

  private constructor(readonly ws: WebSocket) {
    this.closedPromise = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary) => {
      this.messages.push(isBinary ? (decode(data) as any) : JSON.parse(data.toString()));
    });
  }

  /** The close code and reason, once the connection closes (waited for from the moment this is read). */
  get closed(): Promise<Closed> {
    return waitForPromise(this.closedPromise, 'the connection to close', { timeoutMs: 15_000 });
  }

  static async connect(url: string, protocols: string[] = ['obswebsocket.json'], localAddress?: string): Promise<RawClient> {
    const ws = new WebSocket(url, protocols, { localAddress });
    const client = new RawClient(ws);
    const opened = new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await waitForPromise(opened, `a WebSocket connection to ${url}${localAddress ? ` from ${localAddress}` : ''}`);
    await client.next((m) => m.op === 0, 'Hello');
    return client;
  }

  /** Connects and identifies (answering the challenge when there is one). */
  static async identified(url: string, password: string | null, protocols?: string[], extra: object = {}, localAddress?: string): Promise<RawClient> {
    const client = await RawClient.connect(url, protocols, localAddress);
    const hello = client.messages[0].d;
    const d: Record<string, unknown> = { rpcVersion: 1, ...extra };
    if (hello.authentication && password !== null) {
      d.authentication = Authenticator.answer(password, hello.authentication.salt, hello.authentication.challenge);
    }
    client.send({ op: 1, d });
    await client.next((m) => m.op === 2, 'Identified');
    return client;
  }

  /** The encoding the server selected. */
  get msgpack(): boolean {
    return this.ws.protocol === 'obswebsocket.msgpack';
  }

  get hello(): any {
    return this.messages[0].d;
  }

  send(message: unknown): void {
    this.ws.send(this.msgpack ? encode(message) : JSON.stringify(message), { binary: this.msgpack });
  }

  sendRaw(data: string | Buffer, binary: boolean): void {
    this.ws.send(data, { binary });
  }

  /** Resolves with the first message (already received or coming) that matches; `what` names it in a failure. */
  async next(match: (m: { op: number; d: any }) => boolean, what = 'a matching message'): Promise<{ op: number; d: any }> {
    return waitUntil(
      () => {
        const found = this.messages.find(match);
        if (found) return found;
        if (this.ws.readyState !== WebSocket.OPEN) throw new Error(`connection closed while waiting for ${what}`);
        return null;
      },
      what,
      { everyMs: 2, observe: () => `${this.messages.length} messages, the last: ${JSON.stringify(this.messages.at(-1))?.slice(0, 150)}` },
    );
  }

  async request(requestType: string, requestData?: unknown, requestId: string = `${requestType}-${this.messages.length}`): Promise<any> {
    this.send({ op: 6, d: { requestType, requestId, requestData } });
    return (await this.next((m) => m.op === 7 && m.d.requestId === requestId, `the answer to ${requestType} ${requestId}`)).d;
  }

  close(): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }
}
