import { WebSocket } from 'ws';
import { encode, decode } from '@msgpack/msgpack';
import { Authenticator } from '../../../src/obs/server/auth.js';

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
  readonly closed: Promise<Closed>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) =>
      ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
    ws.on('error', () => {});
    ws.on('message', (data: Buffer, isBinary) => {
      this.messages.push(isBinary ? (decode(data) as any) : JSON.parse(data.toString()));
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async connect(url: string, protocols: string[] = ['obswebsocket.json']): Promise<RawClient> {
    const ws = new WebSocket(url, protocols);
    const client = new RawClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.next((m) => m.op === 0);
    return client;
  }

  /** Connects and identifies (answering the challenge when there is one). */
  static async identified(url: string, password: string | null, protocols?: string[], extra: object = {}): Promise<RawClient> {
    const client = await RawClient.connect(url, protocols);
    const hello = client.messages[0].d;
    const d: Record<string, unknown> = { rpcVersion: 1, ...extra };
    if (hello.authentication && password !== null) {
      d.authentication = Authenticator.answer(password, hello.authentication.salt, hello.authentication.challenge);
    }
    client.send({ op: 1, d });
    await client.next((m) => m.op === 2);
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

  /** Resolves with the first message (already received or coming) that matches. */
  async next(match: (m: { op: number; d: any }) => boolean): Promise<{ op: number; d: any }> {
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (this.ws.readyState !== WebSocket.OPEN) throw new Error('connection closed while waiting for a message');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async request(requestType: string, requestData?: unknown, requestId: string = `${requestType}-${this.messages.length}`): Promise<any> {
    this.send({ op: 6, d: { requestType, requestId, requestData } });
    return (await this.next((m) => m.op === 7 && m.d.requestId === requestId)).d;
  }

  close(): Promise<Closed> {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close();
    return this.closed;
  }
}
