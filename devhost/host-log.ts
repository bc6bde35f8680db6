/**
 * The host's console output, in the shape Functions Core Tools prints
 * (`[timestamp] message`). Debug lines only with `verbose`.
 */
export interface HostLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

export function consoleLog(verbose = false, write: (line: string) => void = (l) => process.stdout.write(l)): HostLog {
  const line = (msg: string) => write(`[${new Date().toISOString()}] ${msg}\n`);
  return {
    info: line,
    warn: line,
    error: line,
    debug: (msg) => { if (verbose) line(msg); },
  };
}
