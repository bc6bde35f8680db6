import { ThreadingSettings } from '../threading/threading-settings';
import { AnswerSettings } from './answer-settings';

/**
 * A channel's answer and threading settings with their defaults filled in. The channel
 * record carries both (prefault {}), but a record read from storage may predate them, and
 * a caller may hold a partial channel (a test, the dry run's input): reading through
 * these accessors gives every caller the same defaults.
 */
export function answerSettingsOf(channel: { answers?: unknown }): AnswerSettings {
  return AnswerSettings.parse(channel.answers ?? {});
}

export function threadingSettingsOf(channel: { threading?: unknown }): ThreadingSettings {
  return ThreadingSettings.parse(channel.threading ?? {});
}
