import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startCosmos, type CosmosHandle } from '../../../devhost/emulators';
import { resetSettingsCache } from '../../../shared/config/settings';
import { resetCosmosClient } from '../../../shared/store/cosmos';
import { resetSecretStore } from '../../../shared/secrets';
import { resetThreadTokenKeys } from '../../../shared/threading/runtime';

/**
 * Points this test process at a fresh in-process Cosmos emulator and a local secret file
 * (the real SDK, the real store), and resets the process-wide clients. One per test file.
 */
export interface EmulatorEnv {
  cosmos: CosmosHandle;
  secretsFile: string;
  secretsKey: string;
  stop(): Promise<void>;
}

export async function useEmulatorEnv(): Promise<EmulatorEnv> {
  const cosmos = await startCosmos();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mc-store-'));
  const secretsFile = path.join(dir, 'secrets.enc.json');
  const secretsKey = randomBytes(32).toString('base64');
  Object.assign(process.env, {
    COSMOS_ENDPOINT: cosmos.endpoint,
    COSMOS_KEY: cosmos.key,
    COSMOS_DATABASE: `t${randomBytes(4).toString('hex')}`,
    LOCAL_SECRETS_FILE: secretsFile,
    LOCAL_SECRETS_KEY: secretsKey,
  });
  delete process.env.KEY_VAULT_URI;
  resetSettingsCache();
  resetCosmosClient();
  resetSecretStore();
  resetThreadTokenKeys();
  return {
    cosmos,
    secretsFile,
    secretsKey,
    async stop() {
      resetCosmosClient();
      await cosmos.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
