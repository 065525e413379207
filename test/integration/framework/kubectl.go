package framework

import (
	"bytes"
	"context"
	"os/exec"
	"testing"
	"time"
)

// Kubectl runs the real kubectl against the server with the admin
// kubeconfig and returns stdout, stderr and the exit error.
func (s *Server) Kubectl(t testing.TB, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	path, lookErr := exec.LookPath("kubectl")
	if lookErr != nil {
		t.Fatalf("kubectl is required for the user-facing tests: %v", lookErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append([]string{"--kubeconfig", s.KubeconfigPath}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}
