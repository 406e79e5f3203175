// Package store keeps Tillroll's records in one bbolt file and the uploaded
// originals as files beside it, in the data directory.
//
// The bucket tree (schema version 3):
//
//	meta                          "schema" -> version (uint64, big-endian)
//	identities                    name -> Identity (JSON): one person's web sign-in (User) and capture
//	                              account (Account), either or both (store/identity.go)
//	accounts_by_client            client_id -> name
//	documents                     id (8-byte big-endian) -> Document (JSON)
//	documents_by_key              photon key -> id
//	documents_by_sha              username \x00 sha256 hex \x00 id -> nil
//	documents_by_text             username \x00 text hash \x00 id -> nil
//	ocr_jobs                      id (same as its document) -> Job (JSON); only unfinished jobs
//	outbox                        id -> Message (JSON); waiting messages
//	outbox_done                   id -> Message (JSON); sent messages, kept for the record
//	intake_marks                  mark -> ids of the documents it made (8 bytes each); what the mail
//	                              server, IMAP and watch folders took in (store/intake.go)
//	imap_mailboxes                id -> IMAP mailbox an admin added (JSON; password sealed)
//	watch_folders                 id -> WatchFolder an admin added (JSON; store/intake_watch.go)
//	usage                         owner (account or user name) -> bytes of its originals (uint64)
//	account_phrases               username \x00 normalised phrase -> Lesson (JSON): what corrections of the
//	                              account's documents taught about the vendor it names (store/document_learn.go)
//	account_items                 username \x00 normalised printed description -> Lesson (JSON): what corrections
//	                              of the account's line items taught about that item (store/document_learn.go)
//
// The receipts service (store/user.go, retailer.go, product.go, receipt*.go);
// its users are identities with a User (argon2id password hash):
//
//	tickets                       sha256(ticket) -> {user, created, expires}
//	receipt_images                token -> ReceiptImage (JSON); uploaded receipt images
//	receipts                      id (8-byte big-endian) -> Receipt (JSON)
//	receipts_by_uuid              uuid -> id
//	receipts_by_doc               document id -> receipt id (the receipt an OCR'd image belongs to)
//	receipts_by_user              user \x00 created (8-byte ns) id -> nil
//	receipts_by_user_status       user \x00 status \x00 created id -> nil
//	receipts_by_user_retailer     user \x00 retailer \x00 created id -> nil
//	receipts_by_status            status \x00 id -> nil
//	receipts_by_retailer          retailer \x00 created id -> summary (binary; covers the staff list's filters)
//	receipts_by_retailer_key      retailer \x00 c|u|g|s \x00 code|user|gtin|status \x00 created id -> nil
//	receipts_by_term              user \x00 search term \x00 id -> nil
//	receipts_by_ocr_hash          ocr hash \x00 id -> nil
//	receipts_by_image             image sha256 \x00 id -> nil
//	receipt_counts                user \x00 s|r|a \x00 status|retailer -> count (uint64); a: need attention, by retailer;
//	                              "" \x00 R \x00 retailer -> the retailer's count
//	retailers                     id -> Retailer (JSON)
//	retailer_words                normalised phrase -> retailer id
//	products                      gtin -> Product (JSON)
//	product_names                 normalised printed name -> gtin ("-": users said it is no product)
//	coins_daily                   user \x00 yyyy-mm-dd (retailer's zone) -> coins earned (decimal units)
//	settings                      "coins" -> Rates (JSON)
//	                              "smtp" -> SMTP relay settings saved by an admin (JSON; password sealed)
//
// Records and their index entries change in the same transaction. Each
// method is one short transaction; no OCR, SMTP or HTTP work happens inside
// one. Originals live in <data>/files/ under random names, written and
// fsynced before the transaction that points at them commits.
//
// Migrations run in the Open transaction (Store.init):
//
//	1 -> 2  usage: counts the originals stored so far (migrateUsage)
//	2 -> 3  identities: each name's record in the old users and accounts
//	        buckets becomes one identity; those buckets go (migrateIdentities)
//
// A future schema bumps schemaVersion and adds its step there.
package store

var (
	bucketMeta            = []byte("meta")
	bucketIdentities      = []byte("identities")
	bucketAccountsByID    = []byte("accounts_by_client")
	bucketDocuments       = []byte("documents")
	bucketDocumentsByKey  = []byte("documents_by_key")
	bucketDocumentsBySHA  = []byte("documents_by_sha")
	bucketDocumentsByText = []byte("documents_by_text")
	bucketOCRJobs         = []byte("ocr_jobs")
	bucketOutbox          = []byte("outbox")
	bucketOutboxDone      = []byte("outbox_done")
	bucketIntakeMarks     = []byte("intake_marks")
	bucketIMAPMailboxes   = []byte("imap_mailboxes")
	bucketWatchFolders    = []byte("watch_folders")
	bucketUsage           = []byte("usage")
	bucketAccountPhrases  = []byte("account_phrases")
	bucketAccountItems    = []byte("account_items")

	bucketTickets              = []byte("tickets")
	bucketReceiptImages        = []byte("receipt_images")
	bucketReceipts             = []byte("receipts")
	bucketReceiptsByUUID       = []byte("receipts_by_uuid")
	bucketReceiptsByDoc        = []byte("receipts_by_doc")
	bucketReceiptsByUser       = []byte("receipts_by_user")
	bucketReceiptsByUserStatus = []byte("receipts_by_user_status")
	bucketReceiptsByUserRetail = []byte("receipts_by_user_retailer")
	bucketReceiptsByStatus     = []byte("receipts_by_status")
	bucketReceiptsByRetailer   = []byte("receipts_by_retailer")
	bucketReceiptsByRetailKey  = []byte("receipts_by_retailer_key")
	bucketReceiptsByTerm       = []byte("receipts_by_term")
	bucketReceiptsByOCRHash    = []byte("receipts_by_ocr_hash")
	bucketReceiptsByImage      = []byte("receipts_by_image")
	bucketReceiptCounts        = []byte("receipt_counts")
	bucketRetailers            = []byte("retailers")
	bucketRetailerWords        = []byte("retailer_words")
	bucketProducts             = []byte("products")
	bucketProductNames         = []byte("product_names")
	bucketCoinsDaily           = []byte("coins_daily")
	bucketSettings             = []byte("settings")

	allBuckets = [][]byte{
		bucketMeta, bucketIdentities, bucketAccountsByID, bucketDocuments,
		bucketDocumentsByKey, bucketDocumentsBySHA, bucketDocumentsByText,
		bucketOCRJobs, bucketOutbox, bucketOutboxDone, bucketIntakeMarks, bucketIMAPMailboxes, bucketWatchFolders, bucketUsage, bucketAccountPhrases, bucketAccountItems,
		bucketTickets, bucketReceiptImages, bucketReceipts, bucketReceiptsByUUID, bucketReceiptsByDoc,
		bucketReceiptsByUser, bucketReceiptsByUserStatus, bucketReceiptsByUserRetail,
		bucketReceiptsByStatus, bucketReceiptsByRetailer, bucketReceiptsByRetailKey, bucketReceiptsByTerm,
		bucketReceiptsByOCRHash, bucketReceiptsByImage, bucketReceiptCounts, bucketRetailers,
		bucketRetailerWords, bucketProducts, bucketProductNames, bucketCoinsDaily, bucketSettings,
	}
)

// The buckets of schema 2 and before that migrateIdentities empties.
var (
	oldBucketAccounts = []byte("accounts")
	oldBucketUsers    = []byte("users")
)

const schemaVersion = 3
