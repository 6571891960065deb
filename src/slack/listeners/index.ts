import type { ListenerRegistry } from '../listener-registry.js';
import type { MailCommandDeps } from '../../services/answer-mail-command.js';
import type { HomeDeps } from '../../services/publish-home.js';
import { registerMailCommand } from './commands/mail-command.js';
import { registerAppHomeOpened } from './events/app-home-opened.js';

export type ListenerDeps = MailCommandDeps & HomeDeps;

/** Every listener of the app, per Slack surface. */
export function registerListeners(registry: ListenerRegistry, deps: ListenerDeps): void {
  registerMailCommand(registry, deps);
  registerAppHomeOpened(registry, deps);
}
