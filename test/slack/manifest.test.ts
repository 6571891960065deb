import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ACTION_IDS, CALLBACK_IDS, SLASH_COMMAND, SUBSCRIBED_EVENTS } from '../../src/slack/ids.js';
import type { ListenerRegistry } from '../../src/slack/listener-registry.js';
import { registerListeners, type ListenerDeps } from '../../src/slack/listeners/index.js';
import { ROOT } from '../support/mailroom-process.js';

interface Manifest {
  features: { app_home: { home_tab_enabled: boolean }; slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: {
    event_subscriptions: { bot_events: string[] };
    interactivity: { is_enabled: boolean };
    socket_mode_enabled: boolean;
  };
}

const manifest = parseYaml(readFileSync(path.join(ROOT, 'manifest.yml'), 'utf8')) as Manifest;

/** What the code registers, recorded without starting Bolt. */
function registered() {
  const seen = { commands: [] as string[], events: [] as string[], actions: [] as string[], views: [] as string[] };
  const registry: ListenerRegistry = {
    command: (name) => seen.commands.push(name),
    event: (type) => seen.events.push(type),
    action: (id) => seen.actions.push(id),
    view: (constraint) => seen.views.push(typeof constraint === 'string' ? constraint : constraint.callback_id),
    use: () => {},
  };
  const unused = new Proxy(
    {},
    {
      get: () => () => {
        throw new Error('not called while registering');
      },
    },
  );
  registerListeners(registry, {
    userLocales: { localeOf: async () => 'en' },
    mailboxes: [],
    search: unused as ListenerDeps['search'],
    dashboard: unused as ListenerDeps['dashboard'],
    ticketActions: unused as ListenerDeps['ticketActions'],
    replies: unused as ListenerDeps['replies'],
    review: unused as ListenerDeps['review'],
    templates: unused as ListenerDeps['templates'],
    processedEvents: unused as ListenerDeps['processedEvents'],
    originals: unused as ListenerDeps['originals'],
    privacy: unused as ListenerDeps['privacy'],
    exports: unused as ListenerDeps['exports'],
  });
  return seen;
}

/** Manifest event names a Bolt event type arrives under. */
const MANIFEST_EVENTS_OF: Record<string, string[]> = { message: ['message.channels', 'message.groups'] };

/** Scopes a Web API method needs (Slack's method reference). */
const METHOD_SCOPES: Record<string, string[]> = {
  'auth.test': [],
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.getPermalink': [],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'users.info': ['users:read'],
  'conversations.info': ['channels:read', 'groups:read'],
  'conversations.members': ['channels:read', 'groups:read'],
  'conversations.history': ['channels:history', 'groups:history'],
  'conversations.replies': ['channels:history', 'groups:history'],
  'conversations.open': ['im:write'],
  'usergroups.users.list': ['usergroups:read'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
  'files.info': ['files:read'],
  'files.delete': ['files:write'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    if (name === 'generated') return [];
    return statSync(file).isDirectory() ? sourceFiles(file) : file.endsWith('.ts') ? [file] : [];
  });
}

describe('manifest.yml', () => {
  const code = registered();

  it('asks for no scope the README does not name beside the feature that needs it', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const paragraph = readme.slice(readme.indexOf('The manifest asks for what the whole product needs'));
    const listed = paragraph.slice(0, paragraph.indexOf('\n\n'));
    for (const scope of manifest.oauth_config.scopes.bot) {
      // Each scope in backticks, followed by what needs it in brackets (a/b pairs share theirs).
      expect(listed, scope).toMatch(new RegExp(`\`${scope.replace(/[.:]/g, '\\$&')}\`(/\`[^\`]+\`)*\\s\\(`));
    }
  });

  it('declares exactly the slash commands the code handles', () => {
    expect(manifest.features.slash_commands.map((command) => command.command)).toEqual([SLASH_COMMAND]);
    expect(code.commands).toEqual([SLASH_COMMAND]);
  });

  it('subscribes to every event the code listens for, and to the contract’s list', () => {
    const subscribed = manifest.settings.event_subscriptions.bot_events;
    expect([...subscribed].sort()).toEqual([...SUBSCRIBED_EVENTS].sort());
    const handled = code.events.flatMap((type) => MANIFEST_EVENTS_OF[type] ?? [type]);
    for (const event of handled) expect(subscribed, `${event} is handled but not subscribed`).toContain(event);
    // Nothing subscribed that no listener handles (Slack would send it for nothing).
    expect(subscribed.filter((event) => !handled.includes(event))).toEqual([]);
  });

  it('has the scopes its events need', () => {
    const scopes = manifest.oauth_config.scopes.bot;
    const eventScopes: Record<string, string[]> = {
      'message.channels': ['channels:history'],
      'message.groups': ['groups:history'],
      member_joined_channel: ['channels:read', 'groups:read'],
      member_left_channel: ['channels:read', 'groups:read'],
      app_home_opened: [],
    };
    for (const event of manifest.settings.event_subscriptions.bot_events) {
      for (const scope of eventScopes[event] ?? ['unknown event'])
        expect(scopes, `${event} needs ${scope}`).toContain(scope);
    }
    expect(scopes).toContain('commands');
  });

  it('has the scope of every Web API method the code calls', () => {
    const scopes = manifest.oauth_config.scopes.bot;
    const called = new Set<string>();
    for (const file of sourceFiles(path.join(ROOT, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bclient\.((?:[a-z]+\.)+[a-zA-Z]+)\(/g))
        called.add(match[1]!);
    }
    expect(called.size).toBeGreaterThan(0);
    for (const method of called) {
      expect(METHOD_SCOPES, `add ${method} to METHOD_SCOPES with the scope Slack lists for it`).toHaveProperty([
        method,
      ]);
      for (const scope of METHOD_SCOPES[method]!) expect(scopes, `${method} needs ${scope}`).toContain(scope);
    }
  });

  it('turns on interactivity, the Home tab and Socket Mode', () => {
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(code.events).toContain('app_home_opened');
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
  });

  it('registers only the action and callback ids of the contract', () => {
    for (const id of code.actions) expect(Object.values(ACTION_IDS)).toContain(id);
    // Every control on the ticket message answers.
    for (const id of Object.values(ACTION_IDS)) expect(code.actions, `${id} has no listener`).toContain(id);
    for (const id of Object.values(CALLBACK_IDS)) expect(code.views, `${id} has no listener`).toContain(id);
    for (const id of code.views) expect(Object.values(CALLBACK_IDS)).toContain(id);
  });
});
