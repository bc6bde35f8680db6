import crypto from 'node:crypto';
import fs from 'node:fs';
import { z } from 'zod';

/**
 * `local.settings.json`, as Functions Core Tools reads it: the `Values` section becomes
 * app settings; a variable already set in the environment wins ("Skipping 'X' from
 * local settings as it's already defined in current environment variables").
 *
 * On first start the file is made from `local.settings.json.example`, with every
 * placeholder secret ("replace-me…") replaced by a fresh random value; without an
 * example, from sensible defaults.
 */
export const LocalSettingsSchema = z.looseObject({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.string()).default({}),
});
export type LocalSettings = z.infer<typeof LocalSettingsSchema>;

const randomSecret = {
  ADMIN_API_KEY: () => crypto.randomBytes(24).toString('base64url'),
  LOCAL_SECRETS_KEY: () => crypto.randomBytes(32).toString('base64'),
} as const;

export function defaultLocalSettings(): LocalSettings {
  return {
    IsEncrypted: false,
    Values: {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      COSMOS_DATABASE: 'mailchannel',
      ADMIN_API_KEY: randomSecret.ADMIN_API_KEY(),
      LOCAL_SECRETS_FILE: '.local/secrets.json',
      LOCAL_SECRETS_KEY: randomSecret.LOCAL_SECRETS_KEY(),
    },
  };
}

/** Replaces placeholder values of the known secrets with random ones. */
export function fillPlaceholders(settings: LocalSettings): LocalSettings {
  const values = { ...settings.Values };
  for (const [name, make] of Object.entries(randomSecret)) {
    const v = values[name];
    if (v === undefined || v === '' || /replace-?me/i.test(v)) values[name] = make();
  }
  return { ...settings, Values: values };
}

/** Reads local.settings.json, creating it first (from the example or defaults) when missing. */
export function ensureLocalSettings(file: string, exampleFile: string): { settings: LocalSettings; created: boolean } {
  if (fs.existsSync(file)) {
    const parsed = LocalSettingsSchema.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    if (parsed.data.IsEncrypted) throw new Error(`${file}: encrypted local settings are not supported; set "IsEncrypted": false`);
    return { settings: parsed.data, created: false };
  }
  const base = fs.existsSync(exampleFile)
    ? LocalSettingsSchema.parse(JSON.parse(fs.readFileSync(exampleFile, 'utf8')))
    : defaultLocalSettings();
  const settings = fillPlaceholders(base);
  delete (settings as Record<string, unknown>)._comment;
  fs.writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  return { settings, created: true };
}

/** App settings for the host: local settings under the environment (the environment wins). */
export function appSettings(local: LocalSettings, env: NodeJS.ProcessEnv): { values: Record<string, string>; skipped: string[] } {
  const values: Record<string, string> = {};
  const skipped: string[] = [];
  for (const [k, v] of Object.entries(local.Values)) {
    const fromEnv = env[k];
    if (fromEnv !== undefined) { values[k] = fromEnv; skipped.push(k); } else values[k] = v;
  }
  return { values, skipped };
}
