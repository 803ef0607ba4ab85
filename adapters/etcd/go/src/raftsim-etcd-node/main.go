// raftsim-etcd-node: etcd's Raft (go.etcd.io/etcd/raft 3.4) as a raftsim node program. It speaks the
// raftsim process protocol, version 1 (docs/protocol.md) on standard input and output, hosts every node
// of one simulated cluster, and logs to standard error.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"go.etcd.io/etcd/raft"
)

func main() {
	var opts options
	flag.StringVar(&opts.fault, "fault", "", "a deliberately faulty node: race or leak (tests of raftsim's Go pitfall detectors)")
	flag.BoolVar(&opts.checkQuorum, "check-quorum", false, "etcd's CheckQuorum (a leader steps down without a quorum)")
	flag.BoolVar(&opts.preVote, "pre-vote", false, "etcd's PreVote")
	flag.Parse()
	if opts.fault != "" && opts.fault != "race" && opts.fault != "leak" {
		fmt.Fprintf(os.Stderr, "raftsim-etcd-node: --fault %q: expected race or leak\n", opts.fault)
		os.Exit(3)
	}
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "raftsim-etcd-node: unexpected argument %q\n", flag.Arg(0))
		os.Exit(3)
	}
	raft.SetLogger(stderrLogger{prefix: "etcd raft"})
	if err := serve(newHost(opts), os.Stdin, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "raftsim-etcd-node: %v\n", err)
		os.Exit(1)
	}
}

// serve answers input frames until SHUTDOWN or the end of input. An input the node cannot handle (a
// malformed frame, a panic inside etcd) is answered with an ERROR frame, and so is every later input:
// raftsim stops the run at the first one.
func serve(h *host, in io.Reader, outw io.Writer) error {
	r := bufio.NewReaderSize(in, 1<<16)
	w := bufio.NewWriterSize(outw, 1<<16)
	var broken error
	for {
		body, err := readFrame(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		var reply []byte
		done := false
		if broken == nil {
			reply, done, broken = handleSafely(h, body)
		}
		if done {
			return w.Flush()
		}
		if broken != nil {
			reply = encodeError(broken.Error())
		}
		if err := writeFrame(w, reply); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
}

func handleSafely(h *host, body []byte) (reply []byte, done bool, err error) {
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "raftsim-etcd-node: panic: %v\n%s", p, debug.Stack())
			reply, done, err = nil, false, fmt.Errorf("panic: %v", p)
		}
	}()
	return h.handle(body)
}
