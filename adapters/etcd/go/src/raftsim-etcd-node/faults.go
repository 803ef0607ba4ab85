package main

// Deliberately faulty variants of the node (--fault), the Go pitfalls raftsim must flag:
//
//   race: every input starts a goroutine that updates a node counter without a lock while the input loop
//         updates it too, a data race the race detector reports ("WARNING: DATA RACE"; with
//         GORACE=halt_on_error=1 the process exits with status 66).
//   leak: every start of a node and every change of its role or term starts a goroutine that waits on a
//         channel nobody closes (a per-term "role worker" that a crash or a step-down never stops): the
//         goroutine count reported after each input grows with restarts and role changes.
// The healthy node starts no goroutine at all.

type faultState struct {
	mode    string
	counter int           // race: touched by the input loop and, unlocked, by a goroutine per input
	stop    chan struct{} // leak: never closed
}

func (f *faultState) onStart(n *node, mode string) {
	f.mode = mode
	if mode == "leak" {
		f.stop = make(chan struct{})
		go waitForever(f.stop)
	}
}

func (f *faultState) onInput(n *node) {
	if f.mode != "race" {
		return
	}
	go func() { f.counter++ }()
	f.counter++
}

func (f *faultState) onRoleChange(n *node, role uint64) {
	if f.mode == "leak" {
		go waitForever(f.stop)
	}
}

// onStop is where a correct node would close(f.stop); the leaky one forgets.
func (f *faultState) onStop(n *node) {}

func waitForever(stop chan struct{}) { <-stop }
