import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TlsFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** A throwaway CA and one certificate it signed for 127.0.0.1 (used by server and client). */
export function createTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'redstream-tls-'));
  const path = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '1',
    '-subj',
    '/CN=redstream-test-ca',
    '-keyout',
    path('ca.key'),
    '-out',
    path('ca.crt'),
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=127.0.0.1',
    '-keyout',
    path('tls.key'),
    '-out',
    path('tls.csr'),
  );
  const extensions = path('ext.cnf');
  execFileSync('sh', [
    '-c',
    `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > '${extensions}'`,
  ]);
  openssl(
    'x509',
    '-req',
    '-in',
    path('tls.csr'),
    '-CA',
    path('ca.crt'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    extensions,
    '-out',
    path('tls.crt'),
  );
  return {
    dir,
    caFile: path('ca.crt'),
    certFile: path('tls.crt'),
    keyFile: path('tls.key'),
    ca: readFileSync(path('ca.crt')),
    cert: readFileSync(path('tls.crt')),
    key: readFileSync(path('tls.key')),
  };
}
