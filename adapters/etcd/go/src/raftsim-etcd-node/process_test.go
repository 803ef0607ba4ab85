package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The built binaries over pipes, as raftsim runs them. ctest passes their paths (adapters/etcd/CMakeLists.txt);
// a plain `go test` without them skips these tests.

type processStepper struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout io.ReadCloser
	stderr bytes.Buffer
	err    error // the first failure; later inputs get empty outputs
}

func startProcess(t *testing.T, env string, extraEnv []string, args ...string) *processStepper {
	path := os.Getenv(env)
	if path == "" {
		t.Skipf("%s is not set (ctest sets it to the built binary)", env)
	}
	p := &processStepper{cmd: exec.Command(path, args...)}
	p.cmd.Env = append(os.Environ(), extraEnv...)
	p.cmd.Stderr = &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if p.stdout, err = p.cmd.StdoutPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill(); p.cmd.Wait() })
	return p
}

func (p *processStepper) handle(body []byte) ([]byte, bool, error) {
	empty := (&output{}).encode(0)
	if p.err != nil {
		return empty, false, nil
	}
	if err := writeFrame(p.stdin, body); err != nil {
		p.fail(err)
		return empty, false, nil
	}
	reply, err := readFrame(p.stdout)
	if err != nil {
		p.fail(err)
		return empty, false, nil
	}
	if reply[0] == frameError {
		p.fail(errors.New(string(reply[5:])))
		return empty, false, nil
	}
	return reply, false, nil
}

func (p *processStepper) fail(err error) {
	p.stdin.Close()
	waitErr := p.cmd.Wait()
	p.err = fmt.Errorf("%v (child: %v)", err, waitErr)
}

// shutdown sends SHUTDOWN and expects a clean exit.
func (p *processStepper) shutdown(t *testing.T) {
	if p.err != nil {
		t.Fatalf("the node program failed: %v\nstderr:\n%s", p.err, p.stderr.String())
	}
	if err := writeFrame(p.stdin, []byte{frameShutdown}); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Wait(); err != nil {
		t.Fatalf("exit after SHUTDOWN: %v\nstderr:\n%s", err, p.stderr.String())
	}
}

// exercise runs elections, client requests and crash/restart cycles.
func exercise(c *testCluster) {
	c.runUntil(1000000)
	for i := 0; i < 3; i++ {
		if leader, ok := c.currentLeader(); ok {
			c.request(c.nowUs+1000, leader, command{op: opAppend, clientID: 1, requestID: uint64(i + 1), key: "k", value: "v"})
		}
		c.runUntil(c.nowUs + 100000)
		c.crash(uint32(i))
		c.runUntil(c.nowUs + 300000)
		c.start(uint32(i), uint64(50+i))
		c.runUntil(c.nowUs + 500000)
	}
}

func TestRaceBuildIsCleanOverPipes(t *testing.T) {
	p := startProcess(t, "RAFTSIM_ETCD_NODE_RACE", []string{"GORACE=halt_on_error=1"})
	c := newTestClusterOn(t, p, 3, 5)
	exercise(c)
	p.shutdown(t)
	if strings.Contains(p.stderr.String(), "DATA RACE") {
		t.Fatalf("race report from the etcd node:\n%s", p.stderr.String())
	}
	c.checkLogs()
}

func TestRaceBuildCatchesTheFaultyNode(t *testing.T) {
	p := startProcess(t, "RAFTSIM_ETCD_NODE_RACE", []string{"GORACE=halt_on_error=1"}, "--fault", "race")
	c := newTestClusterOn(t, p, 3, 5)
	exercise(c)
	if p.err == nil {
		t.Fatalf("the racy node ran to the end under the race detector")
	}
	var exit *exec.ExitError
	if !errors.As(p.err, &exit) && p.cmd.ProcessState == nil {
		t.Fatalf("the racy node failed without exiting: %v", p.err)
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 66 {
		t.Fatalf("exit code %d, expected 66 (GORACE halt_on_error); %v\n%s", code, p.err, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "WARNING: DATA RACE") {
		t.Fatalf("no race report on stderr:\n%s", p.stderr.String())
	}
}

func TestBinaryAnswersExactlyLikeTheInProcessHost(t *testing.T) {
	p := startProcess(t, "RAFTSIM_ETCD_NODE", nil)
	overPipes := newTestClusterOn(t, p, 3, 8)
	exercise(overPipes)
	p.shutdown(t)
	inProcess := newTestCluster(t, options{}, 3, 8)
	exercise(inProcess)
	// The task gauges differ (go test runs goroutines of its own): compare everything else.
	if len(overPipes.replies) == 0 || fmt.Sprint(overPipes.obs) != fmt.Sprint(inProcess.obs) ||
		fmt.Sprint(overPipes.replies) != fmt.Sprint(inProcess.replies) {
		t.Fatalf("the binary and the in-process host disagree on the same inputs")
	}
}
