/**
 * The part of Bolt's App that listeners register on. Listener modules see only this, so
 * a test can record exactly what the code registers (and compare it with manifest.yml)
 * without starting Bolt.
 */
import type {
  App,
  Middleware,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

export interface ListenerRegistry {
  command(name: string, listener: Middleware<SlackCommandMiddlewareArgs>): void;
  event<E extends string>(type: E, listener: Middleware<SlackEventMiddlewareArgs<E>>): void;
  action(actionId: string, listener: Middleware<SlackActionMiddlewareArgs>): void;
  view(callbackId: string, listener: Middleware<SlackViewMiddlewareArgs>): void;
}

export function boltRegistry(app: App): ListenerRegistry {
  return {
    command: (name, listener) => app.command(name, listener),
    event: (type, listener) => app.event(type, listener),
    action: (actionId, listener) => app.action(actionId, listener),
    view: (callbackId, listener) => app.view(callbackId, listener),
  };
}
