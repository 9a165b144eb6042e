package server

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestWarnEvery: burst records per period, then silence, then a record
// that says how many were suppressed.
func TestWarnEvery(t *testing.T) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	w := &warnEvery{period: 200 * time.Millisecond, burst: 2}
	for i := 0; i < 10; i++ {
		w.log(log, "refused")
	}
	if n := strings.Count(logs.String(), "refused"); n != 2 {
		t.Fatalf("%d records in one period, want 2:\n%s", n, logs.String())
	}
	time.Sleep(250 * time.Millisecond)
	w.log(log, "refused")
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if last := lines[len(lines)-1]; !strings.Contains(last, "suppressed=8") || !strings.Contains(last, "level=WARN") {
		t.Errorf("first record of the next period: %q, want a WARN with suppressed=8", last)
	}
}
