// Package queue is the OCR work queue: an embedded NATS JetStream server
// that holds the jobs the store's transactional outbox publishes, the
// results workers send back and the originals they read. bbolt stays the
// record; everything here can be rebuilt from it.
package queue

// The names of the JetStream streams, subjects, consumer and bucket the box
// and its workers share. Permissions (one user per worker) are built from
// these too.
const (
	// StreamJobs is the work-queue stream of OCR jobs: one message per
	// document and attempt, removed when a worker acknowledges it.
	StreamJobs = "JOBS"
	// SubjectJobPrefix + "<docID>" is a job's subject.
	SubjectJobPrefix = "tillroll.job."
	// SubjectJobs is every job's subject (the stream's filter).
	SubjectJobs = SubjectJobPrefix + ">"
	// ConsumerOCR is the one durable pull consumer that local and remote
	// workers share: a job goes to whichever worker asks first.
	ConsumerOCR = "ocr"

	// StreamResults holds what remote workers read, until the box has
	// recorded it.
	StreamResults = "RESULTS"
	// SubjectResultPrefix + "<worker>.<docID>" is a result's subject; a
	// worker may publish only under its own name.
	SubjectResultPrefix = "tillroll.result."
	// SubjectResults is every result's subject (the stream's filter).
	SubjectResults = SubjectResultPrefix + ">"
	// ConsumerResults is the box's durable consumer of RESULTS.
	ConsumerResults = "box"

	// BucketOriginals is the object store bucket of uploaded originals; an
	// object's name is the document id in decimal. Its stream is
	// "OBJ_originals" (StreamOriginals), its subjects "$O.originals.>".
	BucketOriginals = "originals"
	// StreamOriginals is the stream under BucketOriginals.
	StreamOriginals = "OBJ_" + BucketOriginals
	// SubjectOriginals is every subject of BucketOriginals' stream (chunks
	// "$O.originals.C.<nuid>", metadata "$O.originals.M.<name>").
	SubjectOriginals = "$O." + BucketOriginals + ".>"

	// HeaderToken carries a job's token (an HMAC of the document id and
	// attempt with the box's secret); a result must carry it back.
	HeaderToken = "Tillroll-Token"
	// HeaderDigest carries the original's SHA-256 in hex.
	HeaderDigest = "Tillroll-Digest"
	// HeaderAttempt carries a result's attempt number, which its token
	// signs with the document id.
	HeaderAttempt = "Tillroll-Attempt"
	// HeaderStage says what a result message reports: StageStarted (the
	// worker begins reading: the box counts the attempt) or StageDone.
	HeaderStage  = "Tillroll-Stage"
	StageStarted = "started"
	StageDone    = "done"

	// Dir is the JetStream store's folder inside the data directory.
	Dir = "jetstream"
	// SecretFile, inside the data directory, holds the box's job-token key.
	SecretFile = "queue.secret"
	// BoxUser is the box's own user when the server listens for workers.
	BoxUser = "tillroll-box"
)
