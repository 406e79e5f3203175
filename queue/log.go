package queue

import (
	"fmt"
	"log/slog"
)

// natsLogger passes the embedded server's log to slog.
type natsLogger struct{ log *slog.Logger }

func (l natsLogger) Noticef(format string, v ...any) {
	l.log.Debug(fmt.Sprintf(format, v...), "component", "jetstream")
}
func (l natsLogger) Warnf(format string, v ...any) {
	l.log.Warn(fmt.Sprintf(format, v...), "component", "jetstream")
}
func (l natsLogger) Fatalf(format string, v ...any) {
	l.log.Error(fmt.Sprintf(format, v...), "component", "jetstream")
}
func (l natsLogger) Errorf(format string, v ...any) {
	l.log.Error(fmt.Sprintf(format, v...), "component", "jetstream")
}
func (l natsLogger) Debugf(string, ...any) {}
func (l natsLogger) Tracef(string, ...any) {}
