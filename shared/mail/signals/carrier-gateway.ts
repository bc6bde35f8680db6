import { hit, splitAddress, type Signal } from './signal';

/**
 * Mobile carriers' SMS/MMS-to-mail gateways. What comes from them is a text message a
 * gateway wrapped, and an automatic answer to it would be texted to a phone (and
 * answered again by some gateways): never answer, at most accept as a notification.
 */
const gatewayDomains = new Set([
  'txt.att.net', 'mms.att.net', 'vtext.com', 'vzwpix.com', 'tmomail.net', 'messaging.sprintpcs.com', 'pm.sprint.com',
  'mms.uscc.net', 'email.uscc.net', 'sms.myboostmobile.com', 'myboostmobile.com', 'mms.cricketwireless.net', 'sms.cricketwireless.net',
  'msg.fi.google.com', 'text.republicwireless.com', 'vmobl.com', 'vmpix.com', 'mymetropcs.com', 'txt.bell.ca', 'txt.bellmobility.ca',
  'pcs.rogers.com', 'msg.telus.com', 'sms.t-mobile.at', 'mms.o2online.de', 'smsmail.lmt.lv', 'sms.vodafone.it', 'mmsviaemail.com',
]);

export const carrierGateway: Signal = {
  name: 'carrier-gateway',
  test: ({ mail }) => {
    const from = splitAddress(mail.from?.address);
    if (!from || !gatewayDomains.has(from.domain)) return undefined;
    return hit('notification', `From ${mail.from!.address} is a mobile carrier's SMS/MMS gateway`);
  },
};
