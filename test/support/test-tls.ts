/**
 * A self-signed certificate for the test servers (Dovecot's STARTTLS, the SMTP capture, the
 * token server), made once per machine with openssl. The bot trusts it the way an admin
 * trusts a private CA: NODE_EXTRA_CA_CERTS, never by turning certificate checks off.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  /** PEM file of the certificate: what NODE_EXTRA_CA_CERTS points at. */
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

const DIR = path.join(os.tmpdir(), 'mailroom-test-tls-v1');

/** The certificate for 127.0.0.1 and localhost, made if missing (safe from several workers). */
export function testCertificate(): TestCertificate {
  const certFile = path.join(DIR, 'cert.pem');
  const keyFile = path.join(DIR, 'key.pem');
  if (!existsSync(certFile)) {
    mkdirSync(path.dirname(DIR), { recursive: true });
    const work = mkdtempSync(`${DIR}-making-`);
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '3650',
        '-sha256',
        '-keyout',
        path.join(work, 'key.pem'),
        '-out',
        path.join(work, 'cert.pem'),
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    try {
      renameSync(work, DIR);
    } catch {
      rmSync(work, { recursive: true, force: true }); // another worker made it first
    }
  }
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
