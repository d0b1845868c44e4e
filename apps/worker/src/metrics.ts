import { createServer, type Server } from "node:http";

import { collectDefaultMetrics, Registry } from "prom-client";

export function createWorkerRegistry(): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: "worker" });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Serves GET /metrics (Prometheus text) and GET /healthz on the worker's own port. */
export async function serveMetrics(registry: Registry, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url === "/metrics") {
      registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { "content-type": registry.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "0.0.0.0", () => resolve());
  });
  return server;
}
