// A TCP relay in front of a real server (dynalite) that can stall either
// direction, as a network or a DynamoDB endpoint in trouble does: held
// requests never reach the server (nothing is applied), held replies come
// after the server has applied the request (the client cannot know). A
// connection the client closes while its bytes are held loses them, as
// bytes in flight are lost with a reset connection.
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';

/** What the relay does with new bytes. */
export type StallMode = 'pass' | 'hold-requests' | 'hold-replies';

export interface StallingProxy {
  /** `http://127.0.0.1:<port>`, for DYNAMODB_ENDPOINT. */
  readonly endpoint: string;
  /** Sets the mode; back to `pass`, bytes held on connections still open go on. */
  set(mode: StallMode): void;
  close(): Promise<void>;
}

/** One direction of one connection: forwards, or holds while its mode says so. */
class Pipe {
  private held: Buffer[] = [];

  constructor(
    private readonly to: Socket,
    private readonly holds: () => boolean,
  ) {}

  write(chunk: Buffer): void {
    if (this.holds() || this.held.length > 0) this.held.push(chunk);
    else this.to.write(chunk);
  }

  flush(): void {
    if (this.holds() || this.to.destroyed) return;
    for (const chunk of this.held) this.to.write(chunk);
    this.held = [];
  }
}

/** Starts a relay on 127.0.0.1, port 0, to `target` (`http://host:port`). */
export async function startStallingProxy(target: string): Promise<StallingProxy> {
  const { hostname, port } = new URL(target);
  let mode: StallMode = 'pass';
  const pipes = new Set<Pipe>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    const requests = new Pipe(upstream, () => mode === 'hold-requests');
    const replies = new Pipe(client, () => mode === 'hold-replies');
    pipes.add(requests).add(replies);
    sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => requests.write(chunk));
    upstream.on('data', (chunk: Buffer) => replies.write(chunk));
    const end = (): void => {
      pipes.delete(requests);
      pipes.delete(replies);
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    set: (next) => {
      mode = next;
      for (const pipe of pipes) pipe.flush();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
