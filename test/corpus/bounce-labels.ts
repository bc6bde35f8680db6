import path from 'node:path';

/**
 * What each bounce of the corpora says about the mail that failed, written by reading the
 * mails (not by running the reader): the original's Message-ID when the copy here still
 * carries it, the failed recipient, the enhanced status code when the bounce gives one, and
 * whether it is a failure or a delay warning. Scored by `bounce-report.test.ts`.
 */
export interface BounceLabel {
  file: string;
  /** Undefined where the returned original (or its Message-ID) is not in the mail. */
  originalMessageId?: string;
  /** Undefined where the bounce names no failed address at all. */
  recipient?: string;
  status?: string;
  /** False for a delay warning. */
  failed: boolean;
}

const root = path.resolve(__dirname, '../..');
const at = (dir: string) => (name: string) => path.join(dir, name);
const machine = at(path.join(root, 'test/corpus/sisimai-machine'));
const heldout = at(path.join(root, 'test/corpus/sisimai-heldout'));
const publicSisimai = at(path.join(root, 'test/fixtures/mail/public/sisimai'));
const zammad = at('/work/shared/corpus/zammad-mail');
const bounces = at(path.join(root, 'test/corpus/sisimai-bounces'));

/** The bounces the reader was written against (the classifier's corpora). */
export const knownBounces: readonly BounceLabel[] = [
  { file: machine('email-apachejames-01.eml'), originalMessageId: '00000000000000.00000.qmail@example.com', recipient: '000000000000@vtext.example.com', failed: true },
  { file: machine('email-bigfoot-01.eml'), originalMessageId: '20141229021705.Horde.ht6XOg3pMXT2XD9vNBMt1A6@mail.xxxxxxxxxx.com', recipient: 'destinaion@example.net', status: '5.7.1', failed: true },
  { file: machine('email-courier-01.eml'), recipient: 'kijitora@example.co.jp', status: '5.0.0', failed: true },
  { file: machine('email-exchange2003-03.eml'), originalMessageId: '00000000000.ffffffffffff.ff@example.net', recipient: 'kijitora@example.jp', failed: true },
  { file: machine('email-imailserver-01.eml'), originalMessageId: '00000000.ffffffff@example.org', recipient: 'kijitora@example.com', failed: true },
  { file: heldout('email-amazonworkmail-01.eml'), recipient: 'kijitora@example.jp', status: '5.1.1', failed: true },
  { file: heldout('email-barracuda-01.eml'), originalMessageId: 'ad4be1052982bf7aa5558be760abbf74@neko.example.com', recipient: 'kijitora@example.org', status: '5.7.1', failed: true },
  { file: heldout('email-einsundeins-02.eml'), originalMessageId: 'eeeeeeee.neko.000000000nyaaan-00@smtp.example.jp', recipient: 'kijitora@example.org', failed: true },
  { file: heldout('email-ezweb-03.eml'), recipient: 'this-local-part-does-not-exist-on-the-site@ezweb.ne.jp', failed: true },
  { file: heldout('email-ezweb-06.eml'), recipient: 'foobarbaz@ezweb.ne.jp', failed: true },
  { file: heldout('email-facebook-02.eml'), recipient: 'postmaster@facebook.com', status: '5.1.1', failed: true },
  { file: heldout('email-gmx-03.eml'), originalMessageId: 'trinity-a789f317-7b04-44ee-a4e7-bb102ff02906-1417217561570@3capp-mailcom-lxa02', recipient: 'mikeneko@example.co.jp', status: '5.2.1', failed: true },
  { file: heldout('email-imailserver-02.eml'), originalMessageId: '00000000000000000000000@smtp5.example.ne.jp', recipient: 'kijitora@example.co.jp', failed: true },
  { file: publicSisimai('email-activehunter-01.eml'), originalMessageId: '0000000000.00000000000@mx4.example.org', recipient: 'kijitora@example.org', status: '5.1.1', failed: true },
  { file: publicSisimai('email-domino-01.eml'), recipient: 'kijitora@example.jp', failed: true },
  { file: publicSisimai('email-exchange2007-02.eml'), originalMessageId: '20100629141825.BC9AC16586D3@server4.example.co.uk', recipient: 'john.smith@eu.a.b.c', status: '5.2.3', failed: true },
  { file: publicSisimai('email-exim-02.eml'), originalMessageId: 'E1X58pB-0004bW-2s@marutamachi.example.org', recipient: 'kijitora@example.jp', status: '5.1.1', failed: true },
  { file: publicSisimai('email-gmx-02.eml'), originalMessageId: 'trinity-fde69d4e-12a0-462b-9dcd-7312ce506d03-1417194013122@3capp-mailcom-lxa07', recipient: 'shironeko@example.jp', status: '5.1.1', failed: true },
  { file: publicSisimai('email-qmail-01.eml'), originalMessageId: '000000000.9999999999999.JavaMail.postmaster@mailhub', recipient: 'kijitora@example.ne.jp', status: '5.5.0', failed: true },
  { file: publicSisimai('email-sendmail-01.eml'), originalMessageId: 'E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org', recipient: 'userunknown@bouncehammer.jp', status: '5.1.1', failed: true },
  { file: path.join(root, 'test/fixtures/mail/public/mailparser/delivery-status.eml'), originalMessageId: 'xxxxx@email.amazonses.com', recipient: 'xxxx@xxxx.com', status: '5.1.1', failed: true },
  { file: path.join(root, 'test/fixtures/mail/dsn-postfix.eml'), originalMessageId: 'ticket-1047-1717485160@example.com', recipient: 'nobody@fabrikam.example', status: '5.1.1', failed: true },
  {
    file: zammad('mail033-undelivered-mail-returned-to-sender-notification.box'),
    originalMessageId: 'notification.20150830145600.1.4.5f4fd063-f69b-4e64-a92d-5e7128bd6682@127.0.0.1:3000',
    recipient: 'not_existing@znuny.com',
    status: '5.1.1',
    failed: true,
  },
  { file: zammad('mail052.box'), failed: true },
  { file: zammad('mail055.box'), originalMessageId: '20170526150141.232.13312@example.zammad.loc', recipient: 'ticket-bounce-trigger2@example.com', status: '5.1.1', failed: true },
  { file: zammad('mail078.box'), originalMessageId: '20150830145601.30.608881@example.com', recipient: 'bob.smith@example.de', status: '4.4.1', failed: false },
  { file: zammad('mail092.box'), recipient: 'receiver@example.org', status: '5.2.2', failed: true },
];

/** Bounces taken after the reader was written (see sisimai-bounces/README.md). */
export const heldOutBounces: readonly BounceLabel[] = [
  { file: bounces('email-google-02.eml'), originalMessageId: '45B7FBD7-1218-4FCD-ACA1-4706F111E682@gmail.com', recipient: 'aougoueioaldljgoiuiorghladkgke@example.fr', status: '5.1.1', failed: true },
  { file: bounces('email-google-09.eml'), originalMessageId: '2F5AEFBF-6E99-4DDC-A664-6BC1D7CCF3D4@gmail.example.com', recipient: 'kijitora@9jo.example.jp', failed: false },
  { file: bounces('email-gsuite-01.eml'), originalMessageId: '00222222-2222-2222-2222-FF00FFFF0000@example.jp', recipient: 'kijitora@example.de', status: '5.0.0', failed: true },
  { file: bounces('email-exim-04.eml'), originalMessageId: 'E1P1ce6-000Egt-GZ@e1.example.org', recipient: 'kijitora@example.ed.jp', status: '5.7.0', failed: true },
  { file: bounces('email-exim-30.eml'), originalMessageId: '22222222-2222-2222-2222-222222222222@example.de', recipient: 'kijitora@exmaple.ch', status: '5.7.1', failed: true },
  { file: bounces('email-exchange2003-07.eml'), originalMessageId: '2005042923344500.R00031@example.jp', recipient: 'kijitora@example.org', failed: true },
  { file: bounces('email-exchange2007-03.eml'), originalMessageId: '20111025192847.DF7B710E6F4@zapp.lnstar.com', recipient: 'jh1669@txstate.edu', status: '5.2.2', failed: true },
  { file: bounces('email-exchange2007-04.eml'), originalMessageId: '78f44d2b2ea5763064d21edacd9d8d18@example.net', recipient: 'neko-nyaan@example.jp', status: '5.7.1', failed: true },
  { file: bounces('email-amazonses-03.eml'), originalMessageId: '00000132d6ca0cd4-ff6d8ee5-29a0-4501-a68a-3ff8695254bb-000000@email.amazonses.com', recipient: 'kijitora@example.jp', status: '5.0.0', failed: true },
  { file: bounces('email-amazonworkmail-02.eml'), originalMessageId: '000001523f20aeff-9f2bb10f-0500-407a-9f92-3b319a7f6a55-000000@us-west-2.amazonses.com', recipient: 'sabineko@example.jp', status: '5.2.1', failed: true },
  { file: bounces('courier-02.eml'), originalMessageId: '201012100421.oBA4LJFU042012@1jo.example.org', recipient: 'kijitora@example.jp', status: '5.0.0', failed: true },
  { file: bounces('email-imailserver-04.eml'), recipient: 'kijitora@example.com', failed: true },
  { file: bounces('email-google-03.eml'), originalMessageId: 'CBA48452-0888-4AAC-AA4E-0F54D382117F@gmail.com', recipient: 'kijitora@example.co.jp', status: '5.7.0', failed: true },
  { file: bounces('email-gsuite-02.eml'), originalMessageId: '002b01d2a4bb$028be941$b756c59a@example', recipient: 'kijitora@example.it', status: '5.0.0', failed: true },
  { file: bounces('email-exim-32.eml'), originalMessageId: 'neko222-nyaaan-22@neko.example.com', recipient: 'kijitora@example.net', failed: true },
  { file: bounces('email-exim-34.eml'), originalMessageId: 'neko222-nyaaan-22@neko.example.com', recipient: 'kijitora@example.net', status: '5.7.1', failed: true },
  { file: bounces('email-facebook-03.eml'), recipient: 'kijitora@facebook.com', status: '5.1.1', failed: true },
  { file: bounces('email-ezweb-07.eml'), recipient: 'this-local-part-does-not-exist@ezweb.ne.jp', failed: true },
  { file: bounces('email-amazonses-04.eml'), originalMessageId: '00000132e227401e-8b219a82-5a72-41d9-87a7-5077a1286043-000000@email.amazonses.com', recipient: 'kijitora@example.com', status: '5.0.0', failed: true },
];
