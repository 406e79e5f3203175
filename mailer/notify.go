package mailer

import (
	"encoding/json"
	"fmt"
	"strings"

	"tillroll/capture"
	"tillroll/store"
)

// Subject is the subject of every notification mail.
const Subject = "Tillroll - The document has been processed"

// Notifications builds the outbox messages for a finished document: a mail
// to the account's address, if it has one, a reply to the sender of the
// mail it came in, when the mail server allowed one (Source.ReplyTo), and
// a webhook to the upload's webhook URL, else the account's, if either is set. It has the type
// store.Notify and runs inside the store's transaction, so it only builds
// values.
func Notifications(d store.Document, a store.Account) []store.Message {
	var msgs []store.Message
	if a.Email != "" {
		key := idempotencyKey(d, store.KindMail)
		msgs = append(msgs, store.Message{
			Kind:           store.KindMail,
			Account:        d.Account,
			DocID:          d.ID,
			IdempotencyKey: key,
			To:             a.Email,
			Subject:        Subject,
			Body:           mailBody(d),
		})
	}
	if src := d.Source; src != nil && src.Via == "smtp" && src.ReplyTo != "" {
		// The mail server set ReplyTo only where a reply is allowed
		// (intake.SMTPConfig.Reply): the sender is in the account's domain.
		msgs = append(msgs, store.Message{
			Kind:           store.KindMail,
			Account:        d.Account,
			DocID:          d.ID,
			IdempotencyKey: idempotencyKey(d, "reply"),
			To:             src.ReplyTo,
			Subject:        replySubject(src.Subject),
			Body:           replyBody(d),
		})
	}
	url := d.WebhookURL
	if url == "" {
		url = a.WebhookURL
	}
	if url != "" {
		key := idempotencyKey(d, store.KindWebhook)
		msgs = append(msgs, store.Message{
			Kind:           store.KindWebhook,
			Account:        d.Account,
			DocID:          d.ID,
			IdempotencyKey: key,
			URL:            url,
			Payload:        webhookPayload(d, key),
			AuthToken:      d.AuthToken,
		})
	}
	return msgs
}

// idempotencyKey names one notification of one document. It is the same
// every time it is built for that document, and the document's creation
// time in it keeps it apart from a document with the same id in another
// (or a recreated) data directory.
func idempotencyKey(d store.Document, kind string) string {
	return fmt.Sprintf("doc-%d-%x-%s", d.ID, uint64(d.Created.UnixMicro()), kind)
}

func mailBody(d store.Document) string {
	var b strings.Builder
	b.WriteString("Tillroll has finished processing a document.\n\n")
	fmt.Fprintf(&b, "Photon key: %s\n", d.Key)
	fmt.Fprintf(&b, "File: %s\n", d.FileName)
	writeStatus(&b, d)
	b.WriteString("\nFetch the result with this photon key.\n")
	return b.String()
}

// writeStatus writes a document's status, and why it failed.
func writeStatus(b *strings.Builder, d store.Document) {
	fmt.Fprintf(b, "Status: %s\n", d.Status)
	if d.Status == capture.StatusFailed && d.Reason != "" {
		fmt.Fprintf(b, "Reason: %s\n", d.Reason)
	}
}

// replySubject answers the sender's mail ("Re: Scan from MFP").
func replySubject(subject string) string {
	subject = strings.Join(strings.Fields(subject), " ")
	if subject == "" {
		return Subject
	}
	if len(subject) > 200 {
		subject = strings.ToValidUTF8(subject[:200], "")
	}
	if strings.HasPrefix(strings.ToLower(subject), "re:") {
		return subject
	}
	return "Re: " + subject
}

// replyBody tells the sender what became of one document of its mail.
func replyBody(d store.Document) string {
	var b strings.Builder
	b.WriteString("Tillroll has processed a document of the mail you sent.\n\n")
	if d.Source.Part != "" && d.Source.Part != "text" {
		fmt.Fprintf(&b, "Attachment: %s\n", d.Source.Part)
	} else {
		b.WriteString("Attachment: none (the mail's own text was read)\n")
	}
	if d.Source.MessageID != "" {
		fmt.Fprintf(&b, "Your mail: <%s>\n", d.Source.MessageID)
	}
	fmt.Fprintf(&b, "Photon key: %s\n", d.Key)
	writeStatus(&b, d)
	b.WriteString("\nThis is an automatic reply; the account's owner sees the result in Tillroll.\n")
	return b.String()
}

// webhookBody is the JSON a webhook receiver gets.
type webhookBody struct {
	PhotonKey      string         `json:"photon_key"`
	Data           capture.Result `json:"data"`
	IdempotencyKey string         `json:"idempotency_key"`
	// ID is the client's own ID given with the upload, echoed back.
	ID string `json:"ID,omitempty"`
}

// webhookPayload is the body of the document's webhook. "data" is the
// document as the capture API shows it by default (without confidences).
func webhookPayload(d store.Document, key string) []byte {
	body := webhookBody{PhotonKey: d.Key, Data: d.Data().WithoutConfidence(), IdempotencyKey: key, ID: d.RefID}
	p, err := json.Marshal(body)
	if err != nil {
		// Unreachable in practice: the store encoded the same result as
		// JSON in this transaction. Still, the receiver gets the outcome.
		body.Data = capture.Placeholder(d.Status, d.Reason, d.Created)
		p, _ = json.Marshal(body)
	}
	return p
}
