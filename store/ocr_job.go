package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"tillroll/capture"
)

// Job states. A finished job is deleted; its document keeps the outcome.
const (
	JobQueued  = "queued"
	JobRunning = "running"
)

// Job is a document's OCR job.
type Job struct {
	DocID     uint64    `json:"doc_id"`
	State     string    `json:"state"`
	Attempts  int       `json:"attempts"`
	NotBefore time.Time `json:"not_before"`
	LastError string    `json:"last_error,omitempty"`
	// Published is the attempt whose queue message the relay has published
	// (the transactional outbox): a queued job with Published <= Attempts
	// still needs one.
	Published int `json:"published,omitempty"`
}

// ClaimOCRJob marks the oldest due queued job running, counts the attempt
// and commits, before any OCR work starts. ok is false when nothing is due.
func (s *Store) ClaimOCRJob() (d Document, j Job, ok bool, err error) {
	now := s.now().UTC()
	err = s.db.Update(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketOCRJobs)
		c := jobs.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := jsonUnmarshal(v, &j); err != nil {
				return err
			}
			if j.State != JobQueued || j.NotBefore.After(now) {
				continue
			}
			var err error
			d, err = startJob(tx, append([]byte(nil), k...), &j, now)
			ok = err == nil
			return err
		}
		return nil
	})
	return d, j, ok && err == nil, err
}

// ClaimOCRJobID claims the job of document id as ClaimOCRJob claims the
// oldest: marks it running, counts the attempt and commits. ok is false
// when there is nothing to read: the job is finished (or the document
// deleted), another worker holds it, or it is not due yet.
func (s *Store) ClaimOCRJobID(id uint64) (d Document, j Job, ok bool, err error) {
	return s.claimOCRJobID(id, false)
}

// TakeOverOCRJob claims the job of document id as ClaimOCRJobID does, and
// also when it is running: the worker that held it went silent and the
// queue delivered it anew (or a worker on another machine began reading
// it). ok is false when the job is finished, or queued and not due.
func (s *Store) TakeOverOCRJob(id uint64) (d Document, j Job, ok bool, err error) {
	return s.claimOCRJobID(id, true)
}

func (s *Store) claimOCRJobID(id uint64, running bool) (d Document, j Job, ok bool, err error) {
	now := s.now().UTC()
	err = s.db.Update(func(tx *bolt.Tx) error {
		jobs, key := tx.Bucket(bucketOCRJobs), itob(id)
		v := jobs.Get(key)
		if v == nil {
			return nil
		}
		if err := jsonUnmarshal(v, &j); err != nil {
			return err
		}
		if !(running && j.State == JobRunning) && (j.State != JobQueued || j.NotBefore.After(now)) {
			return nil
		}
		var err error
		d, err = startJob(tx, key, &j, now)
		ok = err == nil
		return err
	})
	return d, j, ok && err == nil, err
}

// startJob marks job j (stored under key) running, counts its attempt and
// marks its document processing, inside tx.
func startJob(tx *bolt.Tx, key []byte, j *Job, now time.Time) (d Document, err error) {
	j.State = JobRunning
	j.Attempts++
	if err := putJSON(tx.Bucket(bucketOCRJobs), key, *j); err != nil {
		return d, err
	}
	docs := tx.Bucket(bucketDocuments)
	if err := getJSON(docs, key, &d); err != nil {
		return d, fmt.Errorf("document of job %d: %w", j.DocID, err)
	}
	d.Status, d.Updated = capture.StatusProcessing, now
	return d, putJSON(docs, key, d)
}

// UnpublishedOCRJobs lists up to limit queued, due jobs whose next attempt
// has no queue message yet: the relay publishes them, then marks them.
func (s *Store) UnpublishedOCRJobs(limit int) ([]Job, error) {
	now := s.now().UTC()
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketOCRJobs).Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var j Job
			if err := jsonUnmarshal(v, &j); err != nil {
				return err
			}
			if j.State == JobQueued && !j.NotBefore.After(now) && j.Published <= j.Attempts {
				out = append(out, j)
			}
		}
		return nil
	})
	return out, err
}

// MarkOCRJobsPublished records that the message of each job's next attempt
// (Attempts+1, as UnpublishedOCRJobs listed it) was published; a job that
// changed since, or finished, is left as it is.
func (s *Store) MarkOCRJobsPublished(list []Job) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketOCRJobs)
		for _, p := range list {
			var j Job
			key := itob(p.DocID)
			if v := jobs.Get(key); v == nil {
				continue
			} else if err := jsonUnmarshal(v, &j); err != nil {
				return err
			}
			if j.Attempts != p.Attempts || j.Published > j.Attempts {
				continue
			}
			j.Published = j.Attempts + 1
			if err := putJSON(jobs, key, j); err != nil {
				return err
			}
		}
		return nil
	})
}

// OCRJobs lists every unfinished job, for the reconciler.
func (s *Store) OCRJobs() ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketOCRJobs).ForEach(func(_, v []byte) error {
			var j Job
			if err := jsonUnmarshal(v, &j); err != nil {
				return err
			}
			out = append(out, j)
			return nil
		})
	})
	return out, err
}

// UnmarkOCRJobPublished says the queue does not hold the message of the
// job's next attempt after all, so the relay publishes it again.
func (s *Store) UnmarkOCRJobPublished(id uint64) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		jobs, key := tx.Bucket(bucketOCRJobs), itob(id)
		var j Job
		if v := jobs.Get(key); v == nil {
			return nil
		} else if err := jsonUnmarshal(v, &j); err != nil {
			return err
		}
		if j.Published <= j.Attempts {
			return nil
		}
		j.Published = j.Attempts
		return putJSON(jobs, key, j)
	})
}

// Notify makes the outbox messages for a finished document. It runs inside
// the finishing transaction, so it must only build values: no I/O.
type Notify func(d Document, a Account) []Message

// CompleteOCRJob stores a document's result, decides whether it is a
// duplicate (the same bytes uploaded earlier, or the same recognised text as
// another of the account's documents), applies what the account's
// corrections taught (applyLessons), deletes its job and queues its
// notifications, all in one transaction.
func (s *Store) CompleteOCRJob(id uint64, r capture.Result, textHash string, notify Notify) (Document, error) {
	return s.finish(id, func(tx *bolt.Tx, d *Document) error {
		bySHA, byText := tx.Bucket(bucketDocumentsBySHA), tx.Bucket(bucketDocumentsByText)
		earlier := func(other uint64) bool { return other < id }
		anyDoc := func(uint64) bool { return true }
		dup := hasOther(bySHA, d.Account, d.SHA256, id, earlier) ||
			(textHash != "" && hasOther(byText, d.Account, textHash, id, anyDoc))
		if textHash != "" {
			if err := byText.Put(indexKey(d.Account, textHash, id), nil); err != nil {
				return fmt.Errorf("index text: %w", err)
			}
		}
		r.Is_Duplicate = 0
		if dup {
			r.Is_Duplicate = 1
		}
		r.Status, r.Reason = capture.StatusCompleted, ""
		taught, err := applyLessons(tx, d.Account, &r, d.DocType)
		if err != nil {
			return err
		}
		d.Taught = taught
		d.Boxes, r.Boxes = r.Boxes, nil
		d.Status, d.Reason, d.TextHash, d.Result = capture.StatusCompleted, "", textHash, &r
		return nil
	}, notify)
}

// FailOCRJob ends a document as failed with a reason a person can read.
func (s *Store) FailOCRJob(id uint64, reason string, notify Notify) (Document, error) {
	return s.finish(id, func(_ *bolt.Tx, d *Document) error {
		r := capture.Placeholder(capture.StatusFailed, reason, d.Created)
		d.Status, d.Reason, d.Result = capture.StatusFailed, reason, &r
		return nil
	}, notify)
}

func (s *Store) finish(id uint64, set func(*bolt.Tx, *Document) error, notify Notify) (Document, error) {
	var d Document
	err := s.db.Update(func(tx *bolt.Tx) error {
		key := itob(id)
		docs := tx.Bucket(bucketDocuments)
		if err := getJSON(docs, key, &d); err != nil {
			return fmt.Errorf("document %d: %w", id, err)
		}
		if d.Status == capture.StatusCompleted || d.Status == capture.StatusFailed {
			return fmt.Errorf("document %d already finished: %w", id, ErrExists)
		}
		if err := set(tx, &d); err != nil {
			return err
		}
		d.Updated = s.now().UTC()
		if err := putJSON(docs, key, d); err != nil {
			return err
		}
		if err := tx.Bucket(bucketOCRJobs).Delete(key); err != nil {
			return fmt.Errorf("delete job: %w", err)
		}
		if notify == nil {
			return nil
		}
		a, err := txAccount(tx, d.Account)
		if err != nil {
			return fmt.Errorf("account %q: %w", d.Account, err)
		}
		return addMessages(tx, notify(d, a), s.now().UTC())
	})
	if err != nil {
		return Document{}, err
	}
	return d, nil
}

// RetryOCRJob puts a job that failed for a passing reason back in the queue.
func (s *Store) RetryOCRJob(id uint64, notBefore time.Time, lastErr string) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		key := itob(id)
		jobs, docs := tx.Bucket(bucketOCRJobs), tx.Bucket(bucketDocuments)
		var j Job
		if err := getJSON(jobs, key, &j); err != nil {
			return fmt.Errorf("job %d: %w", id, err)
		}
		j.State, j.NotBefore, j.LastError = JobQueued, notBefore.UTC(), lastErr
		if err := putJSON(jobs, key, j); err != nil {
			return err
		}
		var d Document
		if err := getJSON(docs, key, &d); err != nil {
			return fmt.Errorf("document %d: %w", id, err)
		}
		d.Status, d.Updated = capture.StatusPending, s.now().UTC()
		return putJSON(docs, key, d)
	})
}

// ReasonServerStopped is the last error of a job that was running when the
// server stopped: its attempt was counted when it was claimed, so a file
// that takes the whole server down is tried no more than the others.
const ReasonServerStopped = "the server stopped while reading this file"

// RequeueRunning puts every job that was running when the process stopped
// back in the queue, with ReasonServerStopped as its last error; the
// attempt stays counted. Call it once at start-up, before any worker runs.
func (s *Store) RequeueRunning() (int, error) {
	n := 0
	err := s.db.Update(func(tx *bolt.Tx) error {
		jobs, docs := tx.Bucket(bucketOCRJobs), tx.Bucket(bucketDocuments)
		type entry struct {
			key []byte
			job Job
		}
		var running []entry
		err := jobs.ForEach(func(k, v []byte) error {
			var j Job
			if err := jsonUnmarshal(v, &j); err != nil {
				return err
			}
			if j.State == JobRunning {
				running = append(running, entry{append([]byte(nil), k...), j})
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, e := range running {
			e.job.State, e.job.LastError = JobQueued, ReasonServerStopped
			if err := putJSON(jobs, e.key, e.job); err != nil {
				return err
			}
			var d Document
			if err := getJSON(docs, e.key, &d); err != nil {
				if errors.Is(err, ErrNotFound) {
					continue
				}
				return err
			}
			d.Status = capture.StatusPending
			if err := putJSON(docs, e.key, d); err != nil {
				return err
			}
		}
		n = len(running)
		return nil
	})
	return n, err
}

// OCRJob returns a document's unfinished job (ErrNotFound once finished).
func (s *Store) OCRJob(id uint64) (Job, error) {
	var j Job
	err := s.db.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketOCRJobs), itob(id), &j)
	})
	if err != nil {
		return Job{}, fmt.Errorf("job %d: %w", id, err)
	}
	return j, nil
}

// QueueDepth counts unfinished OCR jobs.
func (s *Store) QueueDepth() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketOCRJobs).Stats().KeyN
		return nil
	})
	return n, err
}
