import type { Registration, RpcTypedData } from '../core-api';
import { dotNetDate } from '../dotnet-json';
import type { HostLog } from '../host-log';
import type { Invoker } from '../invoke';
import { NEVER, pastDueMs, type ScheduleMonitor, type ScheduleStatus } from './schedule-monitor';
import { nextOccurrences, type Schedule } from './schedule';

/**
 * A timer trigger, following the Timers extension's TimerListener:
 *
 * - at start, a monitored timer whose recorded next occurrence has passed runs at once
 *   with `isPastDue: true`; otherwise `runOnStartup` runs it at once; then the schedule;
 * - one invocation at a time: the next timer is armed only after a run ends, from the
 *   schedule status, so a run never overlaps itself. Occurrences missed while a run was
 *   going collapse into one immediate run after it (the extension computes `Next` from
 *   the run's start);
 * - the handler gets `{ schedule: { adjustForDST }, scheduleStatus: { last, next,
 *   lastUpdated } | null, isPastDue }` (scheduleStatus only when monitored).
 */
export interface TimerListenerOptions {
  registration: Registration;
  bindingName: string;
  schedule: Schedule;
  runOnStartup: boolean;
  /** Present when the schedule is monitored (persisted status). */
  monitor?: ScheduleMonitor;
  invoker: Invoker;
  log: HostLog;
}

/** setTimeout's limit; longer waits are chained (the extension caps at 24 days too). */
const MAX_TIMER_MS = 24 * 24 * 3600 * 1000;

function dateText(d: Date): string {
  return d.getTime() === NEVER.getTime() ? '0001-01-01T00:00:00' : dotNetDate(d);
}

/** The TimerInfo the host serialises for the worker (PascalCase; the library camel-cases it). */
export function timerInfoData(status: ScheduleStatus | null, isPastDue: boolean): RpcTypedData {
  const info = {
    Schedule: { AdjustForDST: true },
    ScheduleStatus: status ? { Last: dateText(status.last), Next: dateText(status.next), LastUpdated: dateText(status.lastUpdated) } : null,
    IsPastDue: isPastDue,
  };
  return { json: JSON.stringify(info) };
}

export class TimerListener {
  private status: ScheduleStatus | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startup: { isPastDue: boolean; originalSchedule?: Date } | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: TimerListenerOptions) {}

  get name(): string {
    return this.o.registration.metadata.name;
  }

  async start(): Promise<void> {
    const now = new Date();
    const timerName = `Host.Functions.${this.name}`;
    let late = 0;
    if (this.o.monitor) {
      this.status = await this.o.monitor.get(timerName);
      late = pastDueMs(now, this.status, (d) => this.o.schedule.next(d));
    }
    this.status ??= { last: NEVER, next: this.o.schedule.next(now), lastUpdated: NEVER };
    const upcoming = nextOccurrences(this.o.schedule, now, 5).map((d) => d.toISOString()).join('\n  ');
    this.o.log.info(`The next 5 occurrences of the '${this.name}' schedule (Cron: '${this.o.schedule.text}') will be:\n  ${upcoming}`);
    if (late > 0) {
      this.startup = { isPastDue: true, originalSchedule: this.status.next };
      this.arm(1);
    } else if (this.o.runOnStartup) {
      this.startup = { isPastDue: false };
      this.arm(1);
    } else {
      this.armForNext();
    }
  }

  /** Stops the schedule and waits for a running invocation to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private armForNext(): void {
    const next = this.status?.next ?? this.o.schedule.next(new Date());
    this.arm(Math.max(1, next.getTime() - Date.now()));
  }

  private arm(ms: number): void {
    if (this.stopped) return;
    if (ms > MAX_TIMER_MS) {
      this.timer = setTimeout(() => this.arm(ms - MAX_TIMER_MS), MAX_TIMER_MS);
      return;
    }
    this.timer = setTimeout(() => { this.running = this.onTimer(); }, ms);
  }

  private async onTimer(): Promise<void> {
    try {
      const startup = this.startup;
      this.startup = undefined;
      if (startup?.isPastDue) {
        this.o.log.info(`Timer is past due for '${this.name}'.`);
        await this.invokeScheduled(new Date(), { isPastDue: true });
      } else if (startup) {
        await this.invokeScheduled(new Date(), { runOnStartup: true });
      } else {
        await this.invokeScheduled(new Date(), {});
      }
    } catch (err) {
      this.o.log.error(`Error occurred during scheduled invocation for '${this.name}': ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.armForNext();
    }
  }

  private async invokeScheduled(invocationTime: Date, how: { isPastDue?: boolean; runOnStartup?: boolean }): Promise<void> {
    if (this.stopped) return;
    const isPastDue = how.isPastDue ?? false;
    const reason = isPastDue ? `Timer fired at ${invocationTime.toISOString()} (past due)` : `Timer fired at ${invocationTime.toISOString()}`;
    await this.o.invoker.invoke({
      registration: this.o.registration,
      inputData: [{ name: this.o.bindingName, data: timerInfoData(this.o.monitor ? this.status ?? null : null, isPastDue) }],
      triggerMetadata: {},
      reason,
    });
    // A timer that fired a little early counts from its scheduled time, so Next moves on.
    let adjusted = invocationTime;
    if (!isPastDue && !how.runOnStartup && this.status && this.status.next.getTime() > invocationTime.getTime()) adjusted = this.status.next;
    this.status = { last: adjusted, next: this.o.schedule.next(adjusted), lastUpdated: adjusted };
    if (this.o.monitor) await this.o.monitor.update(`Host.Functions.${this.name}`, this.status);
  }
}

/** The admin API's timer input: no status, not past due (TimerTriggerBinding with a string value). */
export function adminTimerInput(): RpcTypedData {
  return timerInfoData(null, false);
}
