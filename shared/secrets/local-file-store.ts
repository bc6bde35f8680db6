import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { PermanentError } from '../errors';
import type { SecretRef, SecretStore } from './secret-store';

/**
 * Development secret store: every secret in one file, encrypted as a whole with
 * AES-256-GCM under `LOCAL_SECRETS_KEY` (a fresh IV per write; the GCM tag detects a wrong
 * key or a damaged file). Writes go to a temp file that is renamed over the old one, so a
 * crash never leaves a half-written file, and the writes of one process are serialised so
 * concurrent `set`/`delete` calls never lose each other's updates. Several processes
 * writing the same file at once are not coordinated (development only: one host).
 */
const FORMAT = 'mail-channel-secrets/v1';

const EncryptedFile = z.object({
  format: z.literal(FORMAT),
  iv: z.base64(),
  tag: z.base64(),
  data: z.base64(),
});

const Entries = z.record(z.string(), z.object({ value: z.string(), updatedAt: z.iso.datetime() }));
type Entries = z.infer<typeof Entries>;

/** Parses a 32-byte key given as 64 hex digits or base64; a clear error otherwise. */
export function parseLocalSecretsKey(text: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new PermanentError(
      'LOCAL_SECRETS_KEY_INVALID',
      'LOCAL_SECRETS_KEY must be 32 bytes as 64 hex digits or base64 ' +
        '(make one with: node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))")',
    );
  }
  return key;
}

export class LocalFileSecretStore implements SecretStore {
  readonly kind = 'localFile' as const;
  private readonly key: Buffer;
  /** Tail of the chain of pending writes in this process. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly file: string,
    key: string | Buffer,
  ) {
    this.key = typeof key === 'string' ? parseLocalSecretsKey(key) : key;
    if (this.key.length !== 32) throw new PermanentError('LOCAL_SECRETS_KEY_INVALID', 'LOCAL_SECRETS_KEY must be 32 bytes');
  }

  async set(name: string, value: string): Promise<SecretRef> {
    assertName(name);
    const updatedAt = new Date().toISOString();
    await this.mutate((entries) => {
      entries[name] = { value, updatedAt };
    });
    return { ref: name, updatedAt };
  }

  async get(name: string): Promise<string | undefined> {
    assertName(name);
    const entries = await this.read();
    return Object.hasOwn(entries, name) ? entries[name]?.value : undefined;
  }

  async delete(name: string): Promise<void> {
    assertName(name);
    await this.mutate((entries) => {
      delete entries[name];
    });
  }

  /** Read-modify-write under this process's write lock. */
  private mutate(change: (entries: Entries) => void): Promise<void> {
    const run = this.writes.then(async () => {
      const entries = await this.read();
      change(entries);
      await this.write(entries);
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  private async read(): Promise<Entries> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    const parsed = EncryptedFile.safeParse(safeJson(text));
    if (!parsed.success) {
      throw new PermanentError('LOCAL_SECRETS_FILE_INVALID', `LOCAL_SECRETS_FILE ${this.file} is not a ${FORMAT} file`);
    }
    const { iv, tag, data } = parsed.data;
    let plain: string;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAAD(Buffer.from(FORMAT));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      plain = Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new PermanentError(
        'LOCAL_SECRETS_KEY_MISMATCH',
        `cannot decrypt LOCAL_SECRETS_FILE ${this.file}: LOCAL_SECRETS_KEY is not the key it was written with (or the file is damaged)`,
      );
    }
    return Entries.parse(JSON.parse(plain));
  }

  private async write(entries: Entries): Promise<void> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(FORMAT));
    const data = Buffer.concat([cipher.update(JSON.stringify(entries), 'utf8'), cipher.final()]);
    const body: z.infer<typeof EncryptedFile> = {
      format: FORMAT,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    await fs.mkdir(path.dirname(this.file), { recursive: true });
    const temp = `${this.file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await fs.open(temp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify(body), 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(temp, this.file);
    } catch (err) {
      await fs.rm(temp, { force: true });
      throw err;
    }
  }
}

function assertName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) {
    throw new PermanentError('SECRET_NAME_INVALID', 'secret name must be 1-512 characters');
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
