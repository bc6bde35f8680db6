import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Debian packages the tests and the local stack need (Dovecot for real IMAP, Chromium
 * for the admin page). Installed here, by the project, when missing, so a fresh
 * machine needs nothing done by hand. Never downloads a browser of its own.
 */
export const SYSTEM_PACKAGES = [
  { pkg: 'dovecot-imapd', binary: '/usr/sbin/dovecot' },
  { pkg: 'chromium', binary: '/usr/bin/chromium' },
  { pkg: 'openssl', binary: '/usr/bin/openssl' },
] as const;

export function missingSystemPackages(): string[] {
  return SYSTEM_PACKAGES.filter((p) => !fs.existsSync(p.binary)).map((p) => p.pkg);
}

export function ensureSystemPackages(log: (line: string) => void = console.log): void {
  const missing = missingSystemPackages();
  if (missing.length === 0) return;
  const asRoot = process.getuid?.() === 0;
  const sudo = asRoot ? [] : ['sudo', '-n'];
  log(`installing Debian packages: ${missing.join(' ')}`);
  const run = (args: string[]) => {
    const [cmd, ...rest] = [...sudo, ...args];
    const r = spawnSync(cmd!, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (r.status !== 0) throw new Error(`'${args.join(' ')}' failed (exit ${r.status}); install ${missing.join(', ')} by hand`);
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
  execFileSync('true');
}

if (require.main === module) ensureSystemPackages();
