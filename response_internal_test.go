package depend

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTrackWriter(t *testing.T) {
	tests := []struct {
		name  string
		do    func(w *trackWriter)
		wrote bool
	}{
		{"nothing", func(w *trackWriter) { w.Header().Set("X", "y") }, false},
		{"103 Early Hints", func(w *trackWriter) { w.WriteHeader(http.StatusEarlyHints) }, false},
		{"101 Switching Protocols", func(w *trackWriter) { w.WriteHeader(http.StatusSwitchingProtocols) }, true},
		{"204", func(w *trackWriter) { w.WriteHeader(http.StatusNoContent) }, true},
		{"Write", func(w *trackWriter) { w.Write([]byte("x")) }, true},
		{"Flush", func(w *trackWriter) { w.Flush() }, true},
		{"ReadFrom", func(w *trackWriter) { w.ReadFrom(http.NoBody) }, true},
		{"ResponseController", func(w *trackWriter) { http.NewResponseController(w).Flush() }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &trackWriter{ResponseWriter: httptest.NewRecorder()}
			tt.do(w)
			assert.Equal(t, tt.wrote, w.wrote)
		})
	}
}

func TestTrackWriterHijackUnsupported(t *testing.T) {
	w := &trackWriter{ResponseWriter: httptest.NewRecorder()}
	_, _, err := w.Hijack()
	assert.ErrorIs(t, err, http.ErrNotSupported)
	assert.False(t, w.wrote)
}
