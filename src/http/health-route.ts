/**
 * GET /healthz: 200 with the report when healthy, 503 with it otherwise. Served by Bolt's
 * HTTP receiver in HTTP mode, and by a server of our own in Socket Mode (Bolt's Socket
 * Mode receiver starts its HTTP server without waiting for it or handling its errors).
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { HealthReport } from '../services/check-health.js';

export const HEALTH_PATH = '/healthz';

export async function answerHealth(res: ServerResponse, health: () => Promise<HealthReport>): Promise<void> {
  const report = await health();
  res.writeHead(report.healthy ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify(report));
}

/** Listens on `port` for /healthz only; rejects when the port cannot be had. */
export async function startHealthServer(port: number, health: () => Promise<HealthReport>): Promise<http.Server> {
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
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
