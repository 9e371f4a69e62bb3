package benchkit

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ResolveBinary makes bin an absolute path: a bare name is looked up on
// PATH, a relative path is taken from the current directory.
func ResolveBinary(bin string) (string, error) {
	if !strings.ContainsRune(bin, filepath.Separator) {
		p, err := exec.LookPath(bin)
		if err != nil {
			return "", fmt.Errorf("%s: %w", bin, err)
		}
		bin = p
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", fmt.Errorf("%s: %w", bin, err)
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("binary: %w", err)
	}
	return abs, nil
}

// ModuleRoot is the directory of the go.mod the harness runs in.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the gossip module (run from the repository, or pass -gossip and -out)")
	}
	return filepath.Dir(mod), nil
}

// BuildGossip builds ./cmd/gossip into dir: from the working tree at root,
// or, when rev is set, from that git revision exported with git archive
// (so that others' uncommitted edits do not end up in the measurement).
// It returns the binary and a description of its source.
func BuildGossip(ctx context.Context, root, dir, rev string) (bin, source string, err error) {
	src := root
	if rev != "" {
		commit, err := gitOutput(ctx, root, "rev-parse", "--short", rev+"^{commit}")
		if err != nil {
			return "", "", fmt.Errorf("-rev %s: %w", rev, err)
		}
		src = filepath.Join(dir, "src")
		if err := gitExport(ctx, root, commit, src); err != nil {
			return "", "", fmt.Errorf("-rev %s: %w", rev, err)
		}
		source = "commit " + commit + " (`-rev " + rev + "`)"
	} else {
		source = "the working tree"
		if commit, err := gitOutput(ctx, root, "rev-parse", "--short", "HEAD"); err == nil {
			source += " at commit " + commit
			if st, err := gitOutput(ctx, root, "status", "--porcelain"); err == nil && st != "" {
				source += ", with uncommitted changes"
			}
		}
	}
	bin = filepath.Join(dir, "gossip")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/gossip")
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build ./cmd/gossip in %s: %w\n%s", src, err, out)
	}
	return bin, source, nil
}

// gitOutput runs git in dir and returns its trimmed output.
func gitOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// gitExport writes the tree of commit (git archive) into dst.
func gitExport(ctx context.Context, root, commit, dst string) error {
	cmd := exec.CommandContext(ctx, "git", "-C", root, "archive", "--format=tar", commit)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("git archive: %w", err)
	}
	xerr := untar(pipe, dst)
	_, _ = io.Copy(io.Discard, pipe)
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("git archive %s: %w: %s", commit, err, strings.TrimSpace(stderr.String()))
	}
	return xerr
}

// untar extracts the directories and regular files of a tar stream into
// dst, refusing names that would leave it.
func untar(r io.Reader, dst string) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read archive: %w", err)
		}
		name := filepath.Clean(filepath.FromSlash(h.Name))
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q leaves the directory", h.Name)
		}
		path := filepath.Join(dst, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(path, 0o755); err != nil {
				return fmt.Errorf("extract %s: %w", h.Name, err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return fmt.Errorf("extract %s: %w", h.Name, err)
			}
			f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, os.FileMode(h.Mode)&0o755|0o600)
			if err != nil {
				return fmt.Errorf("extract %s: %w", h.Name, err)
			}
			_, cerr := io.Copy(f, tr)
			if err := f.Close(); cerr == nil {
				cerr = err
			}
			if cerr != nil {
				return fmt.Errorf("extract %s: %w", h.Name, cerr)
			}
		}
	}
}
