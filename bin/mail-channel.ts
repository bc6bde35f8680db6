import { runInspect, usage } from '../cli/inspect';
import { runSendTest, sendTestUsage } from '../devhost/demo/send-test';

/**
 * The `mail-channel` command line:
 *   mail-channel inspect FILE... | -  [--channel channel.json] [--template template.json]
 *   mail-channel send-test [--to A] [--from A] [--subject S] [--body B] [--port N]   (npm start's demo)
 * Exit codes: 0 all mails parsed, 1 some failed (each failure is printed as a line),
 * 2 bad usage (unknown option, unreadable channel file).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'inspect') return runInspect(rest, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr });
  if (command === 'send-test') return runSendTest(rest, { stdout: process.stdout, stderr: process.stderr });
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(usage + sendTestUsage);
    return command === undefined ? 2 : 0;
  }
  process.stderr.write(`unknown command "${command}"\n${usage}${sendTestUsage}`);
  return 2;
}

// A reader that stops early (`| head`) is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
