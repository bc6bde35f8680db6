import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../devhost/emulators';

/**
 * `npm start` (scripts/start.ts) as a child process in a throwaway data dir and settings
 * file, on free ports: what the start and demo tests drive. Resolves once it printed
 * "Ctrl-C stops everything"; `interrupt` is Ctrl-C to its process group.
 */
export interface RunningStart {
  child: ChildProcess;
  out: () => string;
  /** The first capture group of `re` in the output so far, or a failed assertion. */
  grab: (re: RegExp) => string;
  hostUrl: string;
  cosmos: string;
  queues: string;
  adminKey: string;
}

export async function startNpmStart(dir: string, extra: string[] = [], timeoutMs = 120_000): Promise<RunningStart> {
  fs.mkdirSync(dir, { recursive: true });
  const child = spawn(process.execPath, [
    '--import', 'tsx', path.join(repoRoot, 'scripts', 'start.ts'),
    '--port', '0', '--free-ports', '--data-dir', path.join(dir, 'data'), '--settings', path.join(dir, 'local.settings.json'), ...extra,
  ], { cwd: repoRoot, detached: true, env: { ...process.env, LOCAL_SECRETS_FILE: path.join(dir, 'data', 'secrets.enc.json') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { output += d.toString(); });
  const deadline = Date.now() + timeoutMs;
  while (!/Ctrl-C stops everything/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      if (child.exitCode === null) process.kill(-(child.pid ?? 0), 'SIGKILL');
      throw new Error(`npm start did not come up:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const grab = (re: RegExp) => re.exec(output)?.[1] ?? assert.fail(`no ${re} in:\n${output}`);
  return {
    child,
    out: () => output,
    grab,
    hostUrl: grab(/Functions host\s+(http:\/\/\S+?)\/api\//),
    cosmos: grab(/Cosmos emulator\s+(http:\/\/\S+)/),
    queues: grab(/Azurite\s+queues (http:\/\/\S+)/),
    adminKey: grab(/admin API key\s+(\S+)/),
  };
}

/** Ctrl-C: SIGINT to the whole process group; resolves with the exit code. */
export async function interrupt(r: RunningStart): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
  process.kill(-(r.child.pid ?? 0), 'SIGINT');
  return exited;
}
