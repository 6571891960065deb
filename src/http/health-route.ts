/**
 * GET /healthz on PORT, beside Slack's endpoint and so reachable by anyone who can reach
 * Slack's: 200 or 503 and `{"healthy": …}` only, the details (mailboxes, their problems)
 * for a caller that presents METRICS_TOKEN. GET /metrics and a detailed /healthz are on a
 * listener of their own (METRICS_PORT, 127.0.0.1 unless METRICS_HOST says otherwise),
 * behind the token when one is set. Served by Bolt's HTTP receiver in HTTP mode, and by a
 * server of our own in Socket Mode (Bolt's Socket Mode receiver starts its HTTP server
 * without waiting for it or handling its errors).
 */
import { timingSafeEqual } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { HealthReport } from '../services/health/check-health.js';

export const HEALTH_PATH = '/healthz';
export const METRICS_PATH = '/metrics';

/** The caller presented `Authorization: Bearer <token>` (compared in constant time). */
export function presentsToken(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return false;
  const given = Buffer.from(/^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '');
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** Prometheus' text format; a failing collector answers 500 rather than half a page. */
async function answerMetrics(res: ServerResponse, registry: Registry): Promise<void> {
  try {
    const text = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(text);
  } catch {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable');
  }
}

/** 200 or 503; the whole report only with `details`. */
export async function answerHealth(
  res: ServerResponse,
  health: () => Promise<HealthReport>,
  details: boolean,
): Promise<void> {
  const report = await health().catch(() => null);
  res.writeHead(report?.healthy ? 200 : 503, { 'content-type': 'application/json' });
  res.end(JSON.stringify(details && report ? report : { healthy: report?.healthy ?? false }));
}

function listen(server: http.Server, port: number, host?: string): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

const isGet = (req: IncomingMessage, path: string) => req.method === 'GET' && req.url?.split('?')[0] === path;

/** Socket Mode's listener on PORT: /healthz only; rejects when the port cannot be had. */
export function startHealthServer(
  port: number,
  health: () => Promise<HealthReport>,
  token: string | undefined,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (isGet(req, HEALTH_PATH)) void answerHealth(res, health, presentsToken(req, token));
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  return listen(server, port);
}

export interface MetricsListener {
  port: number;
  host: string;
  token?: string;
}

/** GET /metrics and a detailed /healthz, for the operator's monitoring, behind the token if one is set. */
export function startMetricsServer(
  listener: MetricsListener,
  health: () => Promise<HealthReport>,
  registry: Registry,
): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    if (listener.token && !presentsToken(req, listener.token)) {
      res
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
        .end('a bearer token is required');
      return;
    }
    if (isGet(req, METRICS_PATH)) void answerMetrics(res, registry);
    else if (isGet(req, HEALTH_PATH)) void answerHealth(res, health, true);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  return listen(server, listener.port, listener.host);
}
