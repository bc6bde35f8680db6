import type { AnswerLanguage, MailTemplate } from './answer-settings';

/**
 * The templates a channel uses until its admin writes its own, per language. Short on
 * purpose: an acknowledgement says the mail arrived, under which number, where to follow
 * it, and how to add to it (answer this mail, keep the number in the subject).
 */
export const DEFAULT_AUTO_RESPONSE: Readonly<Record<AnswerLanguage, MailTemplate>> = {
  en: {
    subject: 'Re: {{customerSubject}}',
    text: [
      'Hello {{requesterName}},',
      '',
      'thank you for your message. We have received it and opened ticket {{ticketNumber}}: "{{ticketTitle}}".',
      '',
      'You can follow it here: {{ticketLink}}',
      '',
      'To add information, reply to this mail and keep the ticket number in the subject.',
      '',
      'This is an automatic confirmation; there is no need to answer it.',
      '',
      '{{channelName}}',
    ].join('\n'),
    html: [
      '<p>Hello {{requesterName}},</p>',
      '<p>thank you for your message. We have received it and opened ticket <strong>{{ticketNumber}}</strong>: &ldquo;{{ticketTitle}}&rdquo;.</p>',
      '<p>You can follow it here: <a href="{{ticketLink}}">{{ticketLink}}</a></p>',
      '<p>To add information, reply to this mail and keep the ticket number in the subject.</p>',
      '<p>This is an automatic confirmation; there is no need to answer it.</p>',
      '<p>{{channelName}}</p>',
    ].join('\n'),
  },
  de: {
    subject: 'Re: {{customerSubject}}',
    text: [
      'Guten Tag {{requesterName}},',
      '',
      'vielen Dank für Ihre Nachricht. Wir haben sie erhalten und das Ticket {{ticketNumber}} angelegt: „{{ticketTitle}}“.',
      '',
      'Den Stand sehen Sie hier: {{ticketLink}}',
      '',
      'Für Ergänzungen antworten Sie bitte auf diese E-Mail und lassen die Ticketnummer im Betreff stehen.',
      '',
      'Dies ist eine automatische Bestätigung; Sie brauchen nicht darauf zu antworten.',
      '',
      '{{channelName}}',
    ].join('\n'),
    html: [
      '<p>Guten Tag {{requesterName}},</p>',
      '<p>vielen Dank für Ihre Nachricht. Wir haben sie erhalten und das Ticket <strong>{{ticketNumber}}</strong> angelegt: &bdquo;{{ticketTitle}}&ldquo;.</p>',
      '<p>Den Stand sehen Sie hier: <a href="{{ticketLink}}">{{ticketLink}}</a></p>',
      '<p>Für Ergänzungen antworten Sie bitte auf diese E-Mail und lassen die Ticketnummer im Betreff stehen.</p>',
      '<p>Dies ist eine automatische Bestätigung; Sie brauchen nicht darauf zu antworten.</p>',
      '<p>{{channelName}}</p>',
    ].join('\n'),
  },
};

export const DEFAULT_STATUS_NOTIFICATION: Readonly<Record<AnswerLanguage, MailTemplate>> = {
  en: {
    subject: 'Ticket {{ticketStatus}}: {{ticketTitle}}',
    text: [
      'Hello {{requesterName}},',
      '',
      'your ticket {{ticketNumber}} "{{ticketTitle}}" has been {{ticketStatus}}.',
      '',
      'Details: {{ticketLink}}',
      '',
      'If something is still open, reply to this mail and keep the ticket number in the subject.',
      '',
      '{{channelName}}',
    ].join('\n'),
    html: [
      '<p>Hello {{requesterName}},</p>',
      '<p>your ticket <strong>{{ticketNumber}}</strong> &ldquo;{{ticketTitle}}&rdquo; has been {{ticketStatus}}.</p>',
      '<p>Details: <a href="{{ticketLink}}">{{ticketLink}}</a></p>',
      '<p>If something is still open, reply to this mail and keep the ticket number in the subject.</p>',
      '<p>{{channelName}}</p>',
    ].join('\n'),
  },
  de: {
    subject: 'Ticket {{ticketStatus}}: {{ticketTitle}}',
    text: [
      'Guten Tag {{requesterName}},',
      '',
      'Ihr Ticket {{ticketNumber}} „{{ticketTitle}}“ wurde {{ticketStatus}}.',
      '',
      'Einzelheiten: {{ticketLink}}',
      '',
      'Falls noch etwas offen ist, antworten Sie bitte auf diese E-Mail und lassen die Ticketnummer im Betreff stehen.',
      '',
      '{{channelName}}',
    ].join('\n'),
    html: [
      '<p>Guten Tag {{requesterName}},</p>',
      '<p>Ihr Ticket <strong>{{ticketNumber}}</strong> &bdquo;{{ticketTitle}}&ldquo; wurde {{ticketStatus}}.</p>',
      '<p>Einzelheiten: <a href="{{ticketLink}}">{{ticketLink}}</a></p>',
      '<p>Falls noch etwas offen ist, antworten Sie bitte auf diese E-Mail und lassen die Ticketnummer im Betreff stehen.</p>',
      '<p>{{channelName}}</p>',
    ].join('\n'),
  },
};

/** How a status reads in a sentence ("has been resolved" / "wurde gelöst"). */
export const STATUS_WORDS: Readonly<Record<AnswerLanguage, Readonly<Record<'resolved' | 'closed', string>>>> = {
  en: { resolved: 'resolved', closed: 'closed' },
  de: { resolved: 'gelöst', closed: 'geschlossen' },
};

