package main

import (
	"fmt"
	"os"
)

// etcd's default logger prints every election at info level to stderr; raftsim passes a child's stderr
// through, so only warnings and errors are printed (prefixed with the node), and Fatal/Panic panic: the
// input loop turns a panic into an ERROR frame, which raftsim reports as an implementation-error finding.
type stderrLogger struct{ prefix string }

func (l stderrLogger) print(level string, s string) {
	fmt.Fprintf(os.Stderr, "%s %s: %s\n", l.prefix, level, s)
}

func (l stderrLogger) Debug(v ...interface{})                 {}
func (l stderrLogger) Debugf(format string, v ...interface{}) {}
func (l stderrLogger) Info(v ...interface{})                  {}
func (l stderrLogger) Infof(format string, v ...interface{})  {}
func (l stderrLogger) Warning(v ...interface{})               { l.print("warning", fmt.Sprint(v...)) }
func (l stderrLogger) Warningf(format string, v ...interface{}) {
	l.print("warning", fmt.Sprintf(format, v...))
}
func (l stderrLogger) Error(v ...interface{}) { l.print("error", fmt.Sprint(v...)) }
func (l stderrLogger) Errorf(format string, v ...interface{}) {
	l.print("error", fmt.Sprintf(format, v...))
}
func (l stderrLogger) Fatal(v ...interface{})                 { l.fail(fmt.Sprint(v...)) }
func (l stderrLogger) Fatalf(format string, v ...interface{}) { l.fail(fmt.Sprintf(format, v...)) }
func (l stderrLogger) Panic(v ...interface{})                 { l.fail(fmt.Sprint(v...)) }
func (l stderrLogger) Panicf(format string, v ...interface{}) { l.fail(fmt.Sprintf(format, v...)) }

func (l stderrLogger) fail(s string) {
	l.print("panic", s)
	panic(fmt.Sprintf("%s: %s", l.prefix, s))
}
