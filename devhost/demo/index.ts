import fs from 'node:fs';
import path from 'node:path';
import { startGraphSimulator, type GraphSimulator } from '../graph-simulator';
import { startDemoWeb, type DemoWeb } from './demo-web';
import { DEMO_CHANNEL_ADDRESS } from './send-test';
import { restoreSnapshot, takeSnapshot, writeSnapshot } from './snapshot';
import { startSmtpIntake, type SmtpIntake } from './smtp-intake';

/**
 * The demo mailbox of `npm start`: the Graph + Entra simulator (a Microsoft 365 tenant in
 * which every address @demo.test, and every recipient of mail the channel sends, is a
 * mailbox), the SMTP intake that delivers into it, and the demo web endpoint that shows
 * its inboxes. Mailboxes are saved in the data folder and come back on the next start.
 */
export interface DemoOptions {
  dataDir: string;
  /** Simulator (https) port; 0 = any. */
  simPort: number;
  /** SMTP intake port; 0 = any. */
  smtpPort: number;
  /** Demo web port; 0 = any. */
  webPort: number;
  /** Origins whose pages may read the demo web endpoint (the local host's). */
  allowedOrigins: string[];
  log(message: string): void;
}

export interface Demo {
  readonly sim: GraphSimulator;
  readonly smtp: SmtpIntake;
  readonly web: DemoWeb;
  /** The demo channel's mailbox. */
  readonly address: string;
  /** PEM file to hand the host as NODE_EXTRA_CA_CERTS (the simulator's CA, plus any the user already trusts). */
  readonly caFile: string;
  readonly markerFile: string;
  stop(): Promise<void>;
}

const SAVE_INTERVAL_MS = 10_000;

/** The demo's files in the data folder (`npm start -- --fresh` removes them). */
export function demoFiles(dataDir: string) {
  return {
    snapshot: path.join(dataDir, 'demo-mailboxes.json'),
    /** Written when the demo channel was made here: it is made once per data folder. */
    channelMarker: path.join(dataDir, 'demo-channel.json'),
    caCerts: path.join(dataDir, 'demo-ca.pem'),
  };
}

export async function startDemo(opts: DemoOptions): Promise<Demo> {
  const files = demoFiles(opts.dataDir);
  const snapshotFile = files.snapshot;
  const sim = await startGraphSimulator({ port: opts.simPort, createRecipientMailboxes: true, mailboxes: [DEMO_CHANNEL_ADDRESS] });
  const restored = await restoreSnapshot(sim, snapshotFile, opts.log);
  if (restored > 0) opts.log(`restored ${restored} demo mail(s) from ${path.basename(snapshotFile)}`);

  const caFile = files.caCerts;
  const userCas = process.env.NODE_EXTRA_CA_CERTS ? fs.readFileSync(process.env.NODE_EXTRA_CA_CERTS, 'utf8') : '';
  fs.mkdirSync(opts.dataDir, { recursive: true });
  fs.writeFileSync(caFile, `${sim.caCertPem.trim()}\n${userCas}`);

  const smtp = await startSmtpIntake({ port: opts.smtpPort, deliver: async (mailbox, raw) => void (await sim.deliver(mailbox, 'Inbox', raw)), log: opts.log });
  const web = await startDemoWeb({ sim, smtpPort: smtp.port, address: DEMO_CHANNEL_ADDRESS, port: opts.webPort, allowedOrigins: opts.allowedOrigins });

  let saved = '';
  const save = () => {
    const snapshot = takeSnapshot(sim);
    const text = JSON.stringify(snapshot);
    if (text === saved) return;
    writeSnapshot(snapshotFile, snapshot);
    saved = text;
  };
  const timer = setInterval(() => {
    try {
      save();
    } catch (err) {
      opts.log(`could not save the demo mailboxes: ${String(err)}`);
    }
  }, SAVE_INTERVAL_MS);
  timer.unref();

  return {
    sim,
    smtp,
    web,
    address: DEMO_CHANNEL_ADDRESS,
    caFile,
    markerFile: files.channelMarker,
    async stop() {
      clearInterval(timer);
      await Promise.allSettled([smtp.stop(), web.stop()]);
      try {
        save();
      } catch (err) {
        opts.log(`could not save the demo mailboxes: ${String(err)}`);
      }
      await sim.stop();
    },
  };
}
