/**
 * GET /healthz: 200 with the report when healthy, 503 with it otherwise. Served by Bolt's
 * HTTP receiver in HTTP mode, and by a server of our own in Socket Mode (Bolt's Socket
 * Mode receiver starts its HTTP server without waiting for it or handling its errors).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthReport } from '../services/check-health.js';

export const HEALTH_PATH = '/healthz';
export const METRICS_PATH = '/metrics';

/** Prometheus' text format; a failing collector answers 500 rather than half a page. */
export async function answerMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  try {
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(text);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable');
  }
}

export async function answerHealth(res: ServerResponse, health: () => Promise<HealthReport>): Promise<void> {
  const report = await health();
  res.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify(report));
}

/** Listens on `port` for /healthz and /metrics only; rejects when the port cannot be had. */
export async function startHealthServer(port: number, health: () => Promise<HealthReport>, registry?: Registry): Promise<http.Server> {
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    if (registry && req.method === 'GET' && req.url?.split('?')[0] === METRICS_PATH) {
      void answerMetrics(res, registry);
      return;
    }
    if (req.method === 'GET' && req.url?.split('?')[0] === HEALTH_PATH) {
      answerHealth(res, health).catch(() => {
        res.writeHead(500).end();
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server;
}
