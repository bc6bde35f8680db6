/**
 * The ticketing side the mail channel feeds: templates, offers (silent ones included),
 * tickets and notes. This is the surface the mail pipeline calls.
 */
export { createTicket, addNote, updateTicket, getTicket, listTickets } from './tickets';
export { getTemplate, listTemplates, listOffers, getOffer, ensureSilentOffer, deleteSilentOffer, ensureSeedCatalogue } from './catalogue';
export { Template, TemplateField, TemplateFieldType, FieldValue, checkTicketFields, type FieldIssue } from './template';
export { Offer, silentOfferId } from './offer';
export {
  Ticket, TicketInput, Note, NoteInput, TicketWithNotes, Attachment, Person, MailOrigin, RichText, TicketStatus, TicketPriority,
} from './ticket';
export { sanitizeTicketHtml } from './html';
