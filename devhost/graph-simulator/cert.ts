import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  /** PEM certificate: serve it, and trust it as the CA (it signs itself). */
  certPem: string;
  keyPem: string;
}

/**
 * A throw-away self-signed certificate for 127.0.0.1 / localhost, made with the system's
 * `openssl` (an EC P-256 key: fast to generate). @azure/identity refuses an authority that
 * is not https, and the Graph client only authenticates requests to https hosts, so the
 * simulator needs TLS; clients trust this certificate explicitly.
 */
export async function makeSelfSignedCert(): Promise<SelfSignedCert> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'graph-sim-cert-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-nodes',
      '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
      '-keyout', keyFile, '-out', certFile,
      '-days', '2',
      '-subj', '/CN=graph-simulator.local',
      '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext', 'basicConstraints=critical,CA:TRUE',
    ]);
    const [certPem, keyPem] = await Promise.all([fs.readFile(certFile, 'utf8'), fs.readFile(keyFile, 'utf8')]);
    return { certPem, keyPem };
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
