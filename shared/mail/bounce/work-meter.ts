/**
 * Counts the characters the bounce readers look at, so a test can show their work is
 * bounded on hostile input (a 5 MB body, thousands of parts) without timing anything.
 * Every scan of the bounce readers adds what it walked over.
 */
export interface WorkMeter {
  chars: number;
}

export const newWorkMeter = (): WorkMeter => ({ chars: 0 });
