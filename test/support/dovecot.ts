/**
 * A private Dovecot IMAP server for one test run, on loopback with its own directory.
 * Any user name logs in with DOVECOT_PASSWORD (static passdb), so each test can use a
 * fresh mailbox of its own without setup. Runs as root the way ENVIRONMENT.md describes:
 * mail and homes owned by dovecot, login processes as dovenull.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { freePort, waitFor } from './net.js';
import { testCertificate } from './test-tls.js';

export const DOVECOT_PASSWORD = 'secret';
/** A password Dovecot refuses, for login-failure tests. */
export const DOVECOT_WRONG_PASSWORD = 'wrong-password';

export interface DovecotInfo {
  host: string;
  port: number;
  /** For doveadm against this instance. */
  configFile: string;
}

export function dovecotInstalled(): boolean {
  return spawnSync('sh', ['-c', 'command -v dovecot && command -v doveadm'], { stdio: 'ignore' }).status === 0;
}

export interface DovecotOptions {
  /**
   * Accept only OAuth2 bearer tokens (XOAUTH2, OAUTHBEARER), checked by Dovecot itself
   * against this RFC 7662 introspection endpoint: no password can sign in.
   */
  oauthIntrospectionUrl?: string;
}

/**
 * STARTTLS with the test certificate, as a real server offers it; plain-text login stays
 * allowed for the tests' own helper clients, which do not test TLS.
 */
function config(dir: string, port: number, options: DovecotOptions): string {
  const tls = testCertificate();
  const passdb = options.oauthIntrospectionUrl
    ? `auth_mechanisms = xoauth2 oauthbearer
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${dir}/oauth2.conf.ext
}`
    : `auth_mechanisms = plain login
passdb {
  driver = static
  args = password=${DOVECOT_PASSWORD}
}`;
  return `protocols = imap
listen = 127.0.0.1
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
ssl = yes
ssl_cert = <${tls.certFile}
ssl_key = <${tls.keyFile}
disable_plaintext_auth = no
mail_location = maildir:${dir}/mail/%u
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
${passdb}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  # No implicit-TLS listener: the default 993 would clash between instances.
  inet_listener imaps {
    port = 0
  }
  chroot =
}
service anvil {
  chroot =
}
`;
}

function dovecotIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'dovecot']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'dovecot']).toString().trim());
  return { uid, gid };
}

/** Starts Dovecot; returns where it listens and how to stop it. */
export async function startDovecot(options: DovecotOptions = {}): Promise<DovecotInfo & { stop(): Promise<void> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mailroom-dovecot-'));
  const port = await freePort();
  const { uid, gid } = dovecotIds();
  for (const sub of ['run', 'state', 'mail', 'home']) mkdirSync(path.join(dir, sub));
  for (const sub of ['mail', 'home']) chownSync(path.join(dir, sub), uid, gid);
  // The temp dir is private to root by default; Dovecot's workers must reach mail/ below it.
  execFileSync('chmod', ['755', dir]);
  const confFile = path.join(dir, 'dovecot.conf');
  writeFileSync(confFile, config(dir, port, options));
  if (options.oauthIntrospectionUrl) {
    writeFileSync(
      path.join(dir, 'oauth2.conf.ext'),
      `introspection_mode = post\nintrospection_url = ${options.oauthIntrospectionUrl}\nusername_attribute = username\nactive_attribute = active\nactive_value = true\n`,
    );
  }
  // stdio ignored: the daemon keeps inherited pipes open, which would block execFileSync.
  execFileSync('dovecot', ['-c', confFile], { stdio: 'ignore' });
  await waitFor(async () => canConnect(port), 10_000, `Dovecot on port ${port} (log: ${dir}/dovecot.log)`);
  return {
    host: '127.0.0.1',
    port,
    configFile: confFile,
    stop: async () => {
      spawnSync('doveadm', ['-c', confFile, 'stop'], { stdio: 'ignore' });
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An IMAP client logged in as `user` on the test server. */
/** Drops every session of `user`, as a server restart or an expired session does. */
export function kickUser(info: DovecotInfo, user: string): void {
  spawnSync('doveadm', ['-c', info.configFile, 'kick', user], { stdio: 'ignore' });
}

export async function openImap(info: DovecotInfo, user: string, password = DOVECOT_PASSWORD): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: info.host,
    port: info.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user, pass: password },
    logger: false,
  });
  await client.connect();
  return client;
}

/** Appends raw mails to a user's folder, as a mail server delivering them would. */
export async function appendMail(
  info: DovecotInfo,
  user: string,
  raws: (string | Buffer)[],
  folder = 'INBOX',
): Promise<void> {
  const client = await openImap(info, user);
  try {
    for (const raw of raws) await client.append(folder, raw);
  } finally {
    await client.logout();
  }
}

/** Gives a folder a new UIDVALIDITY, as a server migration or mailbox rebuild does. */
export function changeUidValidity(info: DovecotInfo, user: string, uidValidity: number, folder = 'INBOX'): void {
  execFileSync(
    'doveadm',
    ['-c', info.configFile, 'mailbox', 'update', '-u', user, '--uid-validity', String(uidValidity), folder],
    { stdio: 'pipe' },
  );
}
