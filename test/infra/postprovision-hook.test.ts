import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { bicep, outputs, repoRoot } from './bicep';
import { readPowerShell } from './powershell-source';
import { powershellSyntaxProblems } from './powershell-parser';

/**
 * The azd postprovision hook: azure.yaml runs infra/scripts/postprovision.sh (posix) or
 * .ps1 (Windows). The sh hook runs here for real, with a stub `azd` first on PATH that
 * prints an environment the way `azd env get-values` does; the pwsh one (no pwsh here) is
 * parsed with tree-sitter-powershell and checked for what it prints.
 */
const hookSh = path.join(repoRoot, 'infra', 'scripts', 'postprovision.sh');
const hookPs1 = path.join(repoRoot, 'infra', 'scripts', 'postprovision.ps1');

const principal = '22222222-3333-4444-5555-666666666666';
// What the Bicep outputs look like, the grant command with the quotes azd escapes.
const grantCommand = `az rest --method POST --uri https://graph.microsoft.com/v1.0/servicePrincipals/${principal}/appRoleAssignments --body '{"principalId":"${principal}","resourceId":"r","appRoleId":"a"}'`;
const baseEnv = {
  ADMIN_PAGE_URL: 'https://func-mail-abc.azurewebsites.net/api/admin',
  GRAPH_NOTIFICATION_URL: 'https://func-mail-abc.azurewebsites.net/api/graph/notify',
  SERVICE_API_URI: 'https://func-mail-abc.azurewebsites.net',
  MAIL_APP_PRINCIPAL_ID: principal,
  MAIL_PERMISSIONS_COMMAND: grantCommand,
};

/** `azd env get-values` output: KEY="value", with `"` and `\` escaped by a backslash. */
function dotenv(values: Record<string, string>): string {
  return Object.entries(values).map(([k, v]) => `${k}="${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join('\n') + '\n';
}

/** Runs the sh hook with stub commands (name -> stdout) first on PATH and nothing else from the caller's environment. */
function runHook(stubs: Record<string, string>, env: Record<string, string> = {}) {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'azd-hook-'));
  try {
    for (const [name, out] of Object.entries(stubs)) {
      fs.writeFileSync(path.join(bin, `${name}.out`), out);
      fs.writeFileSync(path.join(bin, name), `#!/bin/sh\necho "$0 $*" >> "${bin}/calls"\ncat "${bin}/${name}.out"\n`, { mode: 0o755 });
    }
    const r = spawnSync('sh', [hookSh], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: `${bin}:/usr/bin:/bin`, HOME: bin, ...env },
    });
    const calls = fs.existsSync(path.join(bin, 'calls')) ? fs.readFileSync(path.join(bin, 'calls'), 'utf8') : '';
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
  } finally {
    fs.rmSync(bin, { recursive: true, force: true });
  }
}

test('azure.yaml runs the postprovision hook: sh on posix, pwsh on Windows, without failing a deploy', () => {
  const doc = parseYaml(fs.readFileSync(path.join(repoRoot, 'azure.yaml'), 'utf8')) as {
    hooks?: { postprovision?: Record<string, { shell?: string; run?: string; continueOnError?: boolean }> };
  };
  const hook = doc.hooks?.postprovision;
  assert.deepEqual(hook?.posix && { shell: hook.posix.shell, run: hook.posix.run }, { shell: 'sh', run: './infra/scripts/postprovision.sh' });
  assert.deepEqual(hook?.windows && { shell: hook.windows.shell, run: hook.windows.run }, { shell: 'pwsh', run: './infra/scripts/postprovision.ps1' });
  assert.equal(hook?.posix?.continueOnError, true);
  assert.equal(hook?.windows?.continueOnError, true);
  assert.ok(fs.statSync(hookSh).mode & 0o100, 'postprovision.sh is executable');
});

test('postprovision.sh parses as POSIX sh', () => {
  const r = spawnSync('sh', ['-n', hookSh], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});

test('not granted: the hook prints both URLs, the exact grant command, and the scope script with the ids filled in', () => {
  const { status, stdout, stderr, calls } = runHook({
    azd: dotenv({ ...baseEnv, MAIL_PERMISSIONS_GRANTED: 'false' }),
    az: 'abcdefab-1111-2222-3333-444444444444\n',
  });
  assert.equal(status, 0, stderr);
  assert.match(calls, /azd env get-values/);
  assert.ok(stdout.includes(`Admin page:                ${baseEnv.ADMIN_PAGE_URL}`), stdout);
  assert.ok(stdout.includes(`Graph notification URL:    ${baseEnv.GRAPH_NOTIFICATION_URL}`), stdout);
  const lines = stdout.split('\n').map((l) => l.trim());
  assert.ok(lines.includes(grantCommand), `the grant command, unescaped, on a line of its own:\n${stdout}`);
  assert.match(calls, new RegExp(`az ad sp show --id ${principal} --query appId -o tsv`));
  assert.ok(
    lines.includes(`pwsh ./infra/scripts/Set-MailboxScope.ps1 -AppId abcdefab-1111-2222-3333-444444444444 -ObjectId ${principal} -Group <helpdesk-group@your-domain> -CreateGroup -Mailboxes <helpdesk@your-domain>`),
    stdout,
  );
  assert.match(stdout, /does NOT run command B/);
});

test('not granted and no az CLI: the scope command line says how to get the app id', () => {
  const { status, stdout } = runHook({ azd: dotenv({ ...baseEnv, MAIL_PERMISSIONS_GRANTED: 'false' }) });
  assert.equal(status, 0);
  assert.ok(stdout.includes(`-AppId $(az ad sp show --id ${principal} --query appId -o tsv) -ObjectId ${principal}`), stdout);
});

test('granted: the hook prints both URLs and no command to run, and says the grant is tenant-wide', () => {
  const { status, stdout } = runHook({ azd: dotenv({ ...baseEnv, MAIL_PERMISSIONS_GRANTED: 'true' }) });
  assert.equal(status, 0);
  assert.ok(stdout.includes(baseEnv.ADMIN_PAGE_URL) && stdout.includes(baseEnv.GRAPH_NOTIFICATION_URL), stdout);
  assert.ok(!stdout.includes(grantCommand), 'no grant command once granted');
  assert.ok(!stdout.includes('Set-MailboxScope.ps1'), 'no scope command once granted');
  assert.match(stdout, /tenant-wide/);
});

test('without azd on PATH the hook reads the environment azd gives hooks; a missing output is named, not left blank', () => {
  const { status, stdout } = runHook({}, { ...baseEnv, MAIL_PERMISSIONS_GRANTED: 'false', GRAPH_NOTIFICATION_URL: '' });
  assert.equal(status, 0);
  assert.ok(stdout.includes(baseEnv.ADMIN_PAGE_URL), stdout);
  assert.match(stdout, /Graph notification URL: +\(not in the azd environment: run azd provision\)/);
  assert.ok(stdout.split('\n').map((l) => l.trim()).includes(grantCommand));
});

test('postprovision.ps1 parses as PowerShell and prints the same things as the sh hook', async () => {
  const source = fs.readFileSync(hookPs1, 'utf8');
  assert.deepEqual(await powershellSyntaxProblems(source), []);
  const ps = readPowerShell(source);
  assert.deepEqual(ps.problems, []);
  const text = ps.strings.join('\n');
  for (const key of ['ADMIN_PAGE_URL', 'GRAPH_NOTIFICATION_URL', 'MAIL_APP_PRINCIPAL_ID', 'MAIL_PERMISSIONS_GRANTED', 'MAIL_PERMISSIONS_COMMAND']) {
    assert.ok(text.includes(key), key);
  }
  assert.match(ps.code, /azd env get-values/);
  assert.ok(text.includes('pwsh ./infra/scripts/Set-MailboxScope.ps1 -AppId $appId -ObjectId $principal -Group <helpdesk-group@your-domain> -CreateGroup -Mailboxes <helpdesk@your-domain>'));
});

test('every value the hooks read is an output of main.bicep, so azd has it after provisioning', () => {
  const provided = new Set(outputs(bicep('main.bicep')));
  for (const file of [hookSh, hookPs1]) {
    const text = fs.readFileSync(file, 'utf8');
    const read = [...text.matchAll(/\bget(?:-Value)? '?([A-Z][A-Z0-9_]+)'?/gi)].map((m) => m[1]!);
    assert.ok(read.length >= 6, `${path.basename(file)} reads the outputs by name`);
    assert.deepEqual(read.filter((k) => !provided.has(k)), [], path.basename(file));
  }
});

test('docs/deploy.md documents every azd variable main.parameters.json reads', () => {
  const parameters = fs.readFileSync(path.join(repoRoot, 'infra', 'main.parameters.json'), 'utf8');
  const variables = [...parameters.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!)
    .filter((v) => v !== 'AZURE_ENV_NAME' && v !== 'AZURE_PRINCIPAL_ID'); // set by azd itself
  const guide = fs.readFileSync(path.join(repoRoot, 'docs', 'deploy.md'), 'utf8');
  assert.deepEqual(variables.filter((v) => !guide.includes(`| \`${v}\` |`)), []);
});
