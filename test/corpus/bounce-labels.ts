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
const set = at(path.join(root, 'test/corpus/sisimai-set'));
const heldout2 = at(path.join(root, 'test/corpus/sisimai-heldout2'));
const heldout3 = at(path.join(root, 'test/corpus/sisimai-heldout3'));

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

/**
 * The bounces of the classifier's later sisimai folders (sisimai-set, sisimai-heldout2,
 * sisimai-heldout3), added by the classifier work after the reader was written, and run
 * blind on it once. Labels from each mail's own fields (DSN Final-Recipient and Status,
 * X-Failed-Recipients, the returned or quoted Message-ID), read in the mails.
 */
export const laterSisimaiBounces: readonly BounceLabel[] = [
  { file: set('ced-us-amazonses-02.eml'), recipient: 'kijitora@neko.example.org', status: '5.1.1', failed: true },
  { file: set('courier-03.eml'), originalMessageId: '201012100421.oBA4LJFU042012@1jo.example.org', recipient: 'kijitora@example.jp', status: '5.0.0', failed: true },
  { file: set('dos-email-exchange-01.eml'), recipient: 'kijitora@example.jp', failed: true },
  { file: set('dos-email-mailfoundry-01.eml'), originalMessageId: '000000000.0000000000000.neko@gw.example.jp', recipient: 'kijitora@example.org', failed: true },
  { file: set('dos-email-messagelabs-01.eml'), originalMessageId: '000000000222.0000.0000000000000000202@NEKO.NYAAN', recipient: 'kijitora@example.org', status: '5.0.0', failed: true },
  { file: set('dos-email-mxlogic-01.eml'), originalMessageId: '0AE85451-E088-48AE-804E-1F4B713B6C63@example.jp', recipient: 'kijitora@example.co.jp', status: '5.1.1', failed: true },
  { file: set('dos-email-notes-01.eml'), originalMessageId: '000000000.0000000000000.notes@example.co.jp', recipient: 'kijitora@u1.example.co.jp', failed: true },
  { file: set('dos-email-powermta-01.eml'), originalMessageId: '68b329da9893e34099c7d8ad59d65e762ff.20110917110726@mail22.neko.example.net', recipient: 'kijitora@example.jp', status: '5.2.1', failed: true },
  { file: set('dos-email-zoho-01.eml'), originalMessageId: '14a3e1b4b5a.10b1a4c5610175.8588386083425091336@zoho.example.com', recipient: 'kijitora@example.co.jp', status: '5.1.1', failed: true },
  { file: set('dos-exchange2007-01.eml'), recipient: 'mikeneko@example.co.jp', status: '5.1.1', failed: true },
  { file: set('dos-lhost-ezweb-01.eml'), originalMessageId: '20080907124011.12ABCD8@lsean.ezweb.ne.jp', recipient: 'this-message-rejected-by-the-domain-filter@ezweb.ne.jp', failed: true },
  { file: set('dos-lhost-x4-01.eml'), originalMessageId: '1d487c58d0faacf5c0cc6519bd15395f@example.com', recipient: 'kijitora@example.com', failed: true },
  { file: set('dos-lhost-x6-01.eml'), originalMessageId: '68b329da9893e34099c7d8ad5cb9c940@x6.example.co.jp', recipient: 'kijitora@nyaan.example.org', status: '5.4.6', failed: true },
  { file: set('dos-msp-jp-kddi-01.eml'), originalMessageId: '2013000000000000@example.jp', recipient: 'kijitora@x0000000000000.dion.ne.jp', failed: true },
  { file: set('dos-mta-mcafee-01.eml'), originalMessageId: '000000000000000000000.shironeko@example.jp', recipient: 'kijitora@example.co.jp', failed: true },
  { file: set('dos-opensmtpd-01.eml'), recipient: 'apdugoaidugoaidugoaeiudggadi@gmail.com', status: '5.1.1', failed: true },
  { file: set('dos-rhost-exchangeonline-01.eml'), originalMessageId: '00000000000000000000000000000000000000000000000@example.net', recipient: 'kijitora@example.com', status: '5.7.606', failed: true },
  { file: set('dos-rhost-iua-01.eml'), originalMessageId: '20190429233445.0E1D4CDC0054@mail.example.co.jp', recipient: 'neko@email.example.ua', status: '5.0.0', failed: true },
  { file: set('dos-rhost-tencentqq-01.eml'), originalMessageId: '20180429233445.1BFAC0EE7C9F@mail.example.net', recipient: 'nekochan@qq.example.cn', status: '5.0.0', failed: true },
  { file: set('dos-surfcontrol-01.eml'), originalMessageId: '20100429233445.00000000000@mx4.example.co.jp', recipient: 'kijitora@example.com', status: '5.0.0', failed: true },
  { file: set('email-amavis-01.eml'), originalMessageId: 'Qdmail.0.0.0e_8ed60e1eb3e559f02254e3437c3110b1@example.net', recipient: 'neko@example.co.jp', status: '5.1.1', failed: true },
  { file: set('email-amazonses-08.eml'), originalMessageId: '01010157b3d66b47-d620f4e1-14ae-4cad-8005-3fcf2ce695c9-000000@us-west-2.amazonses.com', recipient: 'e@neko.nyaan.example.org', status: '5.7.9', failed: true },
  { file: set('email-amazonworkmail-03.eml'), originalMessageId: '000001523f20aeff-9f2bb10f-0500-407a-9f92-3b319a7f6a55-000000@us-west-2.amazonses.com', recipient: 'kuroneko@example.org', status: '5.3.5', failed: true },
  { file: set('email-exim-38.eml'), recipient: 'kijitora@example.co.jp', failed: false },
  { file: set('email-exim-56.eml'), originalMessageId: 'nekochan-nyaaan-22@node2.example.net', recipient: 'kijitora@example.com', failed: true },
  { file: set('lhost-googlegroups-01.eml'), originalMessageId: 'D0E3D626-1C96-4749-8101-62C0CE13B1D5@example.jp', recipient: 'libsisimai@googlegroups.com', failed: true },
  { file: set('lhost-googlegroups-02.eml'), originalMessageId: 'C49550E2-5112-44DD-9976-042A766A412C@example.jp', recipient: 'libsisimai@googlegroups.com', failed: true },
  { file: set('lhost-postfix-70.eml'), originalMessageId: '20201113004243.AF578C0196A@smtp.example.jp', recipient: 'kijitora@google.example.com', status: '5.7.26', failed: true },
  { file: set('mac-email-einsundeins-01.eml'), originalMessageId: '2014122.Horde.aVib3NKNmpMSMBPv_KPp-w9@mail.xxxxxxxxxxxxxxxxxxx.pt', recipient: 'general@example.eu', failed: true },
  { file: set('mac-email-x1-01.eml'), originalMessageId: '000000000000000000000000000000000000@example.jp', recipient: 'kijitora@example.co.jp', failed: true },
  { file: set('mac-lhost-mailru-01.eml'), originalMessageId: '8F3CE2D8-D60E-48C3-B9AF-BED628EE2CA5@mail.example.ru', recipient: 'kijitora@example.jp', status: '5.1.1', failed: true },
  { file: set('mac-mta-v5sendmail-01.eml'), failed: true },
  { file: set('mac-rfc3464-01.eml'), originalMessageId: 'E1C50F1B-1C83-4820-BC36-AC6FBFBE8568@example.org', recipient: 'userunknown@bouncehammer.jp', status: '5.1.1', failed: true },
  { file: set('rhost-franceptt-12.eml'), originalMessageId: 'xxxx.xxxx@xxxx.net', recipient: 'xxxx@xxxx.net', status: '5.7.1', failed: true },
  { file: heldout2('dos-email-messagingserver-01.eml'), originalMessageId: 'CD8C6134-C312-41D5-B083-366F7FA1D752@me.example.com', recipient: 'kijitora@example.jp', status: '5.1.1', failed: true },
  { file: heldout2('dos-email-x3-01.eml'), originalMessageId: 'fffffffffffffffffffffffffffffff@xample.org', recipient: 'kijitora@example.com', status: '5.3.0', failed: true },
  { file: heldout2('dos-lhost-verizon-01.eml'), recipient: 'kijitora@example.jp', failed: true },
  { file: heldout2('dos-msp-ru-yandex-01.eml'), originalMessageId: '446281417885946@web20h.yandex.ru', recipient: 'kijitora@example.jp', status: '5.1.1', failed: true },
  { file: heldout2('dos-rhost-franceptt-01.eml'), originalMessageId: '20FA40A8-4F88-4453-953D-B7038769D040@example.co.jp', recipient: 'pseudo-local-part-kijitora-nyaaan@orange.fr', status: '5.1.1', failed: true },
  { file: heldout2('dos-us-office365-01.eml'), originalMessageId: 'FFFFFFFF.EEEEEEEE@example.ed.jp', recipient: 'kijitora@example.com', status: '5.1.10', failed: true },
  { file: heldout2('email-courier-05.eml'), originalMessageId: 'courier.B0C4BDCB.FEA457B3.6DB10FBB@example.org', recipient: 'kijitora@neko.nyaan.jp', status: '4.0.0', failed: false },
  { file: heldout2('email-ezweb-08.eml'), recipient: 'kijitora-neko-nyaan-22222-cats@hotmail.com', failed: true },
  { file: heldout2('email-gsuite-06.eml'), originalMessageId: 'CAByYQsFyrGN=Aa73R9b-3-tiR7uFpUan+9CAWRmKP4z_GriF5Q@mail.gmail.example.com', recipient: 'sotoneko@nora.nyaan.jp', status: '4.4.1', failed: false },
  { file: heldout2('lhost-postfix-72.eml'), originalMessageId: '20201113005007.61B70C0196A@smtp.example.jp', recipient: 'kijitora@mail.example.ru', status: '5.7.1', failed: true },
  { file: heldout2('mac-msp-us-sendgrid-01.eml'), originalMessageId: 'F9B4AEED-722D-47FD-929E-3625AF2161BB@example.jp', recipient: 'kijitora@example.jp', status: '5.1.1', failed: true },
  { file: heldout2('rhost-outlook-01.eml'), originalMessageId: 'BLU436-SMTP6645ECA6E7FEFFE86D040BBA770@phx.gbl', recipient: 'kijitora@example.jp', status: '5.2.2', failed: true },
  { file: heldout3('courier-04.eml'), originalMessageId: '201012101706.oBAH5rXu026630@mx.example.co.jp', recipient: 'kijitora@example.cat', status: '5.0.0', failed: true },
  { file: heldout3('dos-email-google-01.eml'), originalMessageId: 'D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com', recipient: 'userunknown@example.jp', status: '5.1.1', failed: true },
  { file: heldout3('dos-rhost-kddi-01.eml'), originalMessageId: 'EB892F31-5CBB-41C3-8365-0F71CBEF83BA@libsisimai.org', recipient: 'otsu-sakaba-hunter-neko-nyaaaaaaan@ezweb.ne.jp', status: '5.2.0', failed: true },
  { file: heldout3('email-amazonses-16.eml'), originalMessageId: '20222244efee00-2022eefe-e2ee-eee0-aaef-2022eaaf0000-000000@email.amazonses.com', recipient: 'kijitora@example.com', status: '5.7.1', failed: true },
  { file: heldout3('email-exim-59.eml'), originalMessageId: 'd111875269acf00cb339571a5a2ce349.squirrel@example.com', recipient: 'kijitora@icloud.example.com', status: '5.1.1', failed: true },
  { file: heldout3('email-google-19.eml'), originalMessageId: '20170429233445.9C8036C2E7D8@mail.example.com', recipient: 'neko-nyaan@google.example.com', failed: true },
  { file: heldout3('lhost-postfix-30.eml'), recipient: 'kijitora@example.br', status: '5.4.1', failed: true },
  { file: heldout3('mac-postfix-01.eml'), recipient: 'r@p351355.pool.example.ne.jp', status: '5.1.1', failed: true },
  { file: heldout3('rhost-outlook-02.eml'), originalMessageId: 'BLU436-SMTP6688F46CFBFB4294F252B1BA770@phx.gbl', recipient: 'kijitora@example.jp', status: '5.1.1', failed: true },
];
