// Package mailer delivers the notifications of finished documents from the
// outbox in the store: mail through an SMTP relay, webhooks as signed HTTP
// POSTs.
//
// Notifications builds the messages inside the transaction that finishes a
// document, so a notification exists exactly when its document is done. A
// Mailer and a Webhooks each run one sender loop over their kind of message:
// it delivers what is due, records success or the failure and the next
// attempt (30 s after the first failure, doubling up to an hour), and sleeps
// until the next message is due, a poll interval passes or Kick wakes it.
// Nothing is ever dropped: a message waits in the outbox until it is
// delivered. Delivery is at least once; a repeat carries the same
// idempotency key (and, for mail, the same Message-ID).
//
// The Mailer reads the relay settings before each batch (NewMailerFunc;
// SavedOr puts the settings an admin saved on the web page over the serve
// flags), so changed settings apply without a restart.
package mailer
