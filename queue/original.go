package queue

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"
)

// ErrDigest is what ReadOriginal fails with when the chunks it read do not
// add up to the object the bucket describes.
var ErrDigest = errors.New("original does not match its digest")

// ReadOriginal copies the original of document name from the originals
// bucket into w and checks the bucket's SHA-256 of it. It reads the way a
// worker's permissions allow: the object's metadata and then each chunk by
// direct get, where the object store's own Get would create a consumer.
func ReadOriginal(ctx context.Context, js jetstream.JetStream, name string, w io.Writer) (int64, error) {
	obs, err := js.ObjectStore(ctx, BucketOriginals)
	if err != nil {
		return 0, fmt.Errorf("originals bucket: %w", err)
	}
	info, err := obs.GetInfo(ctx, name)
	if err != nil {
		return 0, fmt.Errorf("original %s: %w", name, err)
	}
	stream, err := js.Stream(ctx, StreamOriginals)
	if err != nil {
		return 0, fmt.Errorf("originals stream: %w", err)
	}
	chunks := "$O." + BucketOriginals + ".C." + info.NUID
	sum := sha256.New()
	var n int64
	seq := uint64(1)
	for i := uint32(0); i < info.Chunks; i++ {
		m, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(chunks))
		if err != nil {
			return n, fmt.Errorf("original %s: chunk %d of %d: %w", name, i+1, info.Chunks, err)
		}
		sum.Write(m.Data)
		k, err := w.Write(m.Data)
		n += int64(k)
		if err != nil {
			return n, fmt.Errorf("original %s: %w", name, err)
		}
		seq = m.Sequence + 1
	}
	want := "SHA-256=" + base64.URLEncoding.EncodeToString(sum.Sum(nil))
	if n != int64(info.Size) || want != info.Digest {
		return n, fmt.Errorf("original %s: %d bytes, %s; bucket says %d, %s: %w", name, n, want, info.Size, info.Digest, ErrDigest)
	}
	return n, nil
}
