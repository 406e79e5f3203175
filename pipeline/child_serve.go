package pipeline

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ChildLimits are the limits a child worker puts on itself before it makes
// its reader, so no input it reads can lift them.
type ChildLimits struct {
	// Memory is how much address space (RLIMIT_AS) the child may take on
	// top of what it holds once its reader is made, in bytes; 0 for no
	// limit. Go and Tesseract reserve address space they never touch (on
	// amd64 about 1.8 GB, of which some 60 MB is resident), so a limit on
	// the whole would say little; this one bounds what a document adds.
	Memory int64
	// CPU is the processor time one document may take (RLIMIT_CPU, raised
	// before each job); 0 for none.
	CPU time.Duration
}

// exitCPU is the child's exit status when a document used up its CPU time.
const exitCPU = 3

// ServeChild is a child worker's whole life: it limits itself, makes its
// reader, says hello on out, then reads each job that arrives on in with
// Process and answers it, until in is closed. It never opens the store.
// SIGINT and SIGTERM are ignored (a terminal's Ctrl-C or systemd's stop
// reach the whole group): the supervisor ends the child by closing in, or
// by killing it.
func ServeChild(in io.Reader, out io.Writer, newReader func() (Reader, error), lim ChildLimits) error {
	signal.Ignore(syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	if err := background(); err != nil {
		fmt.Fprintln(os.Stderr, "tillroll ocr-worker:", err)
	}
	r, err := newReader()
	if err != nil {
		_ = writeFrame(out, hello{Error: err.Error()})
		return fmt.Errorf("start OCR engine: %w", err)
	}
	w := NewLocal(r)
	defer w.Close()
	// Each page's start is told, so the supervisor can time it.
	var doc uint64
	var progressErr error
	w.onPage = func(page, pages int) {
		if progressErr == nil {
			progressErr = writeFrame(out, answer{DocID: doc, Page: page, Pages: pages})
		}
	}
	// The limits go on before the first job can arrive.
	if err := limitChild(lim); err != nil {
		_ = writeFrame(out, hello{Error: err.Error()})
		return err
	}
	if err := writeFrame(out, hello{Ready: true, PID: os.Getpid()}); err != nil {
		return err
	}
	for {
		var j Job
		if err := readFrame(in, &j); err != nil {
			if err == io.EOF {
				return nil
			}
			return fmt.Errorf("read job: %w", err)
		}
		if err := allowCPU(lim.CPU); err != nil {
			return err
		}
		a := answer{DocID: j.DocID}
		doc = j.DocID
		o, err := w.Read(context.Background(), j)
		if progressErr != nil {
			return progressErr
		}
		if err != nil {
			a.Error = remoteError(err)
		} else {
			a.Outcome = &o
		}
		if err := writeFrame(out, a); err != nil {
			return err
		}
	}
}

// limitChild sets the address-space limit and makes SIGXCPU (the CPU
// limit reached) end the process with exitCPU.
func limitChild(lim ChildLimits) error {
	preferOOMKill()
	if lim.Memory > 0 {
		as := uint64(addressSpace() + lim.Memory)
		rl := unix.Rlimit{Cur: as, Max: as}
		if err := unix.Setrlimit(unix.RLIMIT_AS, &rl); err != nil {
			return fmt.Errorf("limit worker memory: %w", err)
		}
	}
	if lim.CPU > 0 {
		xcpu := make(chan os.Signal, 1)
		signal.Notify(xcpu, syscall.SIGXCPU)
		go func() {
			<-xcpu
			fmt.Fprintln(os.Stderr, "tillroll ocr-worker: CPU time limit of the document reached")
			os.Exit(exitCPU)
		}()
	}
	return nil
}

// preferOOMKill has the kernel's OOM killer, should the machine run
// short, take this worker before the server (a process may raise its own
// score). Inside the sandbox the write is refused: Sandbox made it before.
func preferOOMKill() {
	_ = os.WriteFile("/proc/self/oom_score_adj", []byte("500"), 0)
}

// addressSpace is the process's virtual size now (0 where /proc does not
// tell it).
func addressSpace() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data))
	if len(f) == 0 {
		return 0
	}
	pages, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// allowCPU lets the coming document use d more CPU time than the process
// has used so far.
func allowCPU(d time.Duration) error {
	if d <= 0 {
		return nil
	}
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return fmt.Errorf("worker CPU time: %w", err)
	}
	used := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	var rl unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_CPU, &rl); err != nil {
		return fmt.Errorf("worker CPU limit: %w", err)
	}
	rl.Cur = uint64((used + d + time.Second - 1) / time.Second)
	if rl.Max != unix.RLIM_INFINITY && rl.Cur > rl.Max {
		rl.Cur = rl.Max
	}
	if err := unix.Setrlimit(unix.RLIMIT_CPU, &rl); err != nil {
		return fmt.Errorf("worker CPU limit: %w", err)
	}
	return nil
}
