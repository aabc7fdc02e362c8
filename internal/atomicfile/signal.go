package atomicfile

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// While temporary files or directories exist, SIGINT and SIGTERM are
// caught: the temporary paths are removed, then the signal is raised again
// with its default action, so that the process ends as the signal says.
// Outside writes, signals keep their default action.
var temps struct {
	mu    sync.Mutex
	paths map[string]bool
	sigs  chan os.Signal
	// swap is held while a set of renames must not be cut short: the
	// handler waits for it.
	swap sync.Mutex
}

var caught = []os.Signal{syscall.SIGINT, syscall.SIGTERM}

// track records a temporary path to remove on a signal.
func track(p string) {
	temps.mu.Lock()
	defer temps.mu.Unlock()
	if temps.paths == nil {
		temps.paths = map[string]bool{}
	}
	if len(temps.paths) == 0 {
		temps.sigs = make(chan os.Signal, 1)
		var sigs []os.Signal
		for _, s := range caught {
			// A signal the parent ignores (nohup) stays ignored.
			if !signal.Ignored(s) {
				sigs = append(sigs, s)
			}
		}
		if len(sigs) > 0 {
			signal.Notify(temps.sigs, sigs...)
			go onSignal(temps.sigs)
		}
	}
	temps.paths[p] = true
}

// untrack forgets a temporary path: it was renamed into place or removed.
func untrack(p string) {
	temps.mu.Lock()
	defer temps.mu.Unlock()
	if !temps.paths[p] {
		return
	}
	delete(temps.paths, p)
	if len(temps.paths) == 0 {
		signal.Stop(temps.sigs)
		close(temps.sigs)
	}
}

func onSignal(sigs chan os.Signal) {
	sig, ok := <-sigs
	if !ok {
		return
	}
	temps.swap.Lock()
	temps.mu.Lock()
	for p := range temps.paths {
		os.RemoveAll(p)
	}
	temps.mu.Unlock()
	signal.Reset(sig)
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Signal(sig)
	}
	select {} // the signal ends the process
}
