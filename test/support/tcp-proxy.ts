// A TCP proxy a test can cut: pause() drops every open connection and
// refuses new ones (a database that went away), resume() lets them through
// again. The server behind it never notices.

import { connect, createServer, type Server, type Socket } from "node:net";

export class TcpProxy {
  private paused = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static start(target_host: string, target_port: number): Promise<TcpProxy> {
    let proxy: TcpProxy;
    const server = createServer((client) => {
      if (proxy.paused) {
        client.destroy();
        return;
      }
      const upstream = connect(target_port, target_host);
      proxy.sockets.add(client);
      proxy.sockets.add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        proxy.sockets.delete(client);
        proxy.sockets.delete(upstream);
      };
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        const a = server.address();
        proxy = new TcpProxy(server, typeof a === "object" && a !== null ? a.port : 0);
        resolve(proxy);
      });
    });
  }

  pause(): void {
    this.paused = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  resume(): void {
    this.paused = false;
  }

  close(): Promise<void> {
    this.pause();
    return new Promise((r) => this.server.close(() => r()));
  }
}
