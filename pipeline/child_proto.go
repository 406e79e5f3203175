package pipeline

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The protocol between the supervisor and a child worker, over two pipes
// (the child's fd 3 carries jobs in, fd 4 answers out): frames of a 4-byte
// big-endian length and one JSON value. The child first sends a hello,
// then, per job in order, a frame as each page starts and one answer. The child's stdout and stderr are
// only ever read for the log and for the cause of a death.

// maxFrame bounds a frame either way: a reader that went wrong cannot make
// the supervisor allocate more.
const maxFrame = 64 << 20

// hello is the child's first frame: ready, or why it could not start.
type hello struct {
	Ready bool   `json:"ready"`
	Error string `json:"error,omitempty"`
	PID   int    `json:"pid"`
}

// answer is the child's frame for one job: before each page it reads, one
// with Page (and Pages, how many are to be read) alone; then one with the
// Outcome or the Error.
type answer struct {
	DocID   uint64     `json:"doc_id"`
	Page    int        `json:"page,omitempty"`
	Pages   int        `json:"pages,omitempty"`
	Outcome *Outcome   `json:"outcome,omitempty"`
	Error   *ReadError `json:"error,omitempty"`
}

// progress tells whether a is a page's start, not the job's end.
func (a answer) progress() bool { return a.Page > 0 && a.Outcome == nil && a.Error == nil }

var errFrame = errors.New("bad frame")

func writeFrame(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode frame: %w", err)
	}
	if len(data) > maxFrame {
		return fmt.Errorf("%w: %d bytes", errFrame, len(data))
	}
	buf := make([]byte, 4+len(data))
	binary.BigEndian.PutUint32(buf, uint32(len(data)))
	copy(buf[4:], data)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

func readFrame(r io.Reader, v any) error {
	var head [4]byte
	if _, err := io.ReadFull(r, head[:]); err != nil {
		return err // io.EOF: the other side closed between frames
	}
	n := binary.BigEndian.Uint32(head[:])
	if n > maxFrame {
		return fmt.Errorf("%w: %d bytes", errFrame, n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return fmt.Errorf("read frame: %w", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %w", errFrame, err)
	}
	return nil
}
