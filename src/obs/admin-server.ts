// A small HTTP listener for what operators and orchestrators poll: /metrics,
// /livez and /readyz. Services without an HTTP API of their own (UBSCore, the
// matching engine, settlement) need it; the gateway may mount the same source
// on its own server instead.

import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { MetricsSource } from "./exposition.ts";

export interface AdminServerOptions {
  readonly port: number;
  readonly host?: string;
  readonly source: MetricsSource;
  /** Readiness: true once the service has recovered its state and can take traffic. */
  readonly ready?: () => boolean;
}

export interface AdminServer {
  /** The bound port; differs from the requested one when that was 0. */
  readonly port: number;
  close(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const ready = opts.ready ?? (() => true);
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? "/").split("?", 1)[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      json(res, 405, { code: "METHOD_NOT_ALLOWED", message: "only GET and HEAD" });
      return;
    }
    switch (path) {
      case "/metrics": {
        const body = await opts.source.metrics();
        res.writeHead(200, { "content-type": opts.source.contentType });
        res.end(body);
        return;
      }
      case "/livez":
        json(res, 200, { status: "live" });
        return;
      case "/readyz":
        if (ready()) json(res, 200, { status: "ready" });
        else json(res, 503, { status: "not_ready" });
        return;
      default:
        json(res, 404, { code: "NOT_FOUND", message: `no route ${path}` });
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) json(res, 500, { code: "INTERNAL", message: String(err) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
