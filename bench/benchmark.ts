/** What bench/run.ts knows of a benchmark: a name for the command line, a title, and a run that prints and returns its figures. */
export interface BenchContext {
  /** Prints one human-readable line. */
  print(line: string): void;
  /** Figures of the benchmarks that already ran in this invocation, by name. */
  earlier: Record<string, unknown>;
}

export interface Benchmark {
  name: string;
  title: string;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}
