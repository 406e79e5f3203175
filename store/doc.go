// Package store keeps Tillroll's records in one bbolt file and the uploaded
// originals as files beside it, in the data directory.
//
// The bucket tree (schema version 1):
//
//	meta                          "schema" -> version (uint64, big-endian)
//	accounts                      username -> Account (JSON)
//	accounts_by_client            client_id -> username
//	documents                     id (8-byte big-endian) -> Document (JSON)
//	documents_by_key              photon key -> id
//	documents_by_sha              username \x00 sha256 hex \x00 id -> nil
//	documents_by_text             username \x00 text hash \x00 id -> nil
//	ocr_jobs                      id (same as its document) -> Job (JSON); only unfinished jobs
//	outbox                        id -> Message (JSON); waiting messages
//	outbox_done                   id -> Message (JSON); sent messages, kept for the record
//
// Records and their index entries change in the same transaction. Each
// method is one short transaction; no OCR, SMTP or HTTP work happens inside
// one. Originals live in <data>/files/ under random names, written and
// fsynced before the transaction that points at them commits.
//
// Migrations: none yet. A future schema bumps schemaVersion and adds a step
// to migrate() that runs in the Open transaction.
package store

var (
	bucketMeta            = []byte("meta")
	bucketAccounts        = []byte("accounts")
	bucketAccountsByID    = []byte("accounts_by_client")
	bucketDocuments       = []byte("documents")
	bucketDocumentsByKey  = []byte("documents_by_key")
	bucketDocumentsBySHA  = []byte("documents_by_sha")
	bucketDocumentsByText = []byte("documents_by_text")
	bucketOCRJobs         = []byte("ocr_jobs")
	bucketOutbox          = []byte("outbox")
	bucketOutboxDone      = []byte("outbox_done")

	allBuckets = [][]byte{
		bucketMeta, bucketAccounts, bucketAccountsByID, bucketDocuments,
		bucketDocumentsByKey, bucketDocumentsBySHA, bucketDocumentsByText,
		bucketOCRJobs, bucketOutbox, bucketOutboxDone,
	}
)

const schemaVersion = 1
