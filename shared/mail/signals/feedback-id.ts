import { header, hit, type Signal } from './signal';

/**
 * `Feedback-ID` is how bulk senders (Amazon SES, SendGrid, Mailchimp …) label their
 * campaigns for Gmail's feedback loop (Google's bulk sender guidelines): mail a sending
 * platform mass-produced, not a person's client — counted as mass mail.
 */
export const feedbackId: Signal = {
  name: 'feedback-id',
  test: ({ mail }) => {
    const value = header(mail, 'feedback-id');
    return value ? hit('list', `Feedback-ID: ${value.length > 80 ? `${value.slice(0, 77)}...` : value} (a bulk sender's campaign label)`) : undefined;
  },
};
