/**
 * The part of Bolt's App that listeners register on. Listener modules see only this, so
 * a test can record exactly what the code registers (and compare it with manifest.yml)
 * without starting Bolt.
 */
import type {
  AnyMiddlewareArgs,
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
  /** A modal's submission, or (with type view_closed) its closing. */
  view(
    constraint: string | { callback_id: string; type: 'view_closed' },
    listener: Middleware<SlackViewMiddlewareArgs>,
  ): void;
  /** Runs before every listener (event dedupe). */
  use(middleware: Middleware<AnyMiddlewareArgs>): void;
}

export function boltRegistry(app: App): ListenerRegistry {
  return {
    command: (name, listener) => app.command(name, listener),
    event: (type, listener) => app.event(type, listener),
    action: (actionId, listener) => app.action(actionId, listener),
    view: (constraint, listener) =>
      typeof constraint === 'string' ? app.view(constraint, listener) : app.view(constraint, listener),
    use: (middleware) => app.use(middleware),
  };
}
