package framework

import "sync"

// WarningRecorder collects the Warning headers of the responses a client
// gets (set it as rest.Config.WarningHandler).
type WarningRecorder struct {
	mu   sync.Mutex
	seen []string
}

// HandleWarningHeader records one warning.
func (w *WarningRecorder) HandleWarningHeader(_ int, _ string, text string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

// Take returns the warnings recorded since the last Take.
func (w *WarningRecorder) Take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := w.seen
	w.seen = nil
	return seen
}
