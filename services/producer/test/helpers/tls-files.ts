import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files of a throwaway CA and of one certificate it signed for 127.0.0.1. */
export interface TlsFiles {
  dir: string;
  ca: string;
  cert: string;
  key: string;
}

/** Makes them with the openssl CLI (about a second); the caller removes `dir`. */
export function makeTlsFiles(): TlsFiles {
  const dir = mkdtempSync(join(tmpdir(), 'producer-tls-'));
  const at = (name: string) => join(dir, name);
  writeFileSync(at('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const steps = [
    `req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=producer-test-ca -keyout ${at('ca.key')} -out ${at('ca.crt')}`,
    `req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout ${at('tls.key')} -out ${at('tls.csr')}`,
    `x509 -req -in ${at('tls.csr')} -CA ${at('ca.crt')} -CAkey ${at('ca.key')} -CAcreateserial -days 1 -extfile ${at('san.cnf')} -out ${at('tls.crt')}`,
  ];
  for (const step of steps) execFileSync('openssl', step.split(' '), { stdio: 'pipe' });
  return { dir, ca: at('ca.crt'), cert: at('tls.crt'), key: at('tls.key') };
}
