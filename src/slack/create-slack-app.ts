/**
 * Bolt, in Socket Mode when an app-level token is configured and otherwise over HTTP with
 * Slack's request signatures checked. Either way GET /healthz is served on PORT.
 */
import type { Server } from 'node:http';
import { App, HTTPReceiver, SocketModeReceiver, type CustomRoute, type Receiver } from '@slack/bolt';
import type { TAppConfig } from '../config/config-schema.js';
import type { Logger } from '../logging/logger.js';
import type { HealthReport } from '../services/health/check-health.js';
import { answerHealth, HEALTH_PATH, presentsToken, startHealthServer } from '../http/health-route.js';
import { boltLogger } from './bolt-logger.js';

export interface SlackAppHandle {
  app: App;
  mode: 'socket' | 'http';
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SlackAppOptions {
  slack: TAppConfig['slack'];
  logger: Logger;
  health: () => Promise<HealthReport>;
  /** Shows /healthz's details to a caller presenting it (METRICS_TOKEN). */
  healthToken?: string;
}

/** GET /healthz beside Slack's endpoint: details only for a caller with the token. */
function healthRoutes(health: () => Promise<HealthReport>, token: string | undefined): CustomRoute[] {
  return [
    { path: HEALTH_PATH, method: ['GET'], handler: (req, res) => answerHealth(res, health, presentsToken(req, token)) },
  ];
}

export function createSlackApp({ slack, logger, health, healthToken }: SlackAppOptions): SlackAppHandle {
  const log = boltLogger(logger);
  const mode = slack.appToken ? 'socket' : 'http';
  const receiver: Receiver = slack.appToken
    ? new SocketModeReceiver({
        appToken: slack.appToken,
        logger: log,
        // clientOptions too, or apps.connections.open would ignore SLACK_API_URL.
        installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl } },
      })
    : new HTTPReceiver({
        // The config check guarantees a signing secret in HTTP mode.
        signingSecret: slack.signingSecret ?? '',
        endpoints: '/slack/events',
        customRoutes: healthRoutes(health, healthToken),
        logger: log,
      });
  let healthServer: Server | undefined;
  const app = new App({
    token: slack.botToken,
    receiver,
    logger: log,
    clientOptions: { slackApiUrl: slack.apiUrl },
  });
  app.error(async (error) => {
    const coded = error as Error & { code?: string };
    logger.error({ code: coded.code ?? 'slack_listener_error', err: coded.message }, 'Slack listener failed');
  });
  return {
    app,
    mode,
    start: async () => {
      if (mode === 'socket') {
        healthServer = await startHealthServer(slack.port, health, healthToken);
        await app.start();
      } else {
        await app.start(slack.port);
      }
    },
    stop: async () => {
      healthServer?.close();
      await app.stop();
    },
  };
}
