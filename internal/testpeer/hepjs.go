package testpeer

import (
	"context"
	"os/exec"
	"testing"
	"time"
)

// HEPJSVersion is the version of the npm package hep-js that HEPJS
// installs: the independent HEP3 decoder the HEP export tests check
// gossip's packets against.
const HEPJSVersion = "1.0.22"

// HEPJS installs hep-js from the npm registry into a temporary directory
// that the test owns and returns the path of node and that directory
// (scripts written there can require('hep-js')). Without node or npm, or
// when the install fails, it skips the test (fails it in CI).
func HEPJS(t testing.TB) (node, dir string) {
	t.Helper()
	node, err := exec.LookPath("node")
	Require(t, err == nil, "node is not installed (the HEP oracle runs the npm package hep-js)")
	npm, err := exec.LookPath("npm")
	Require(t, err == nil, "npm is not installed (the HEP oracle installs the npm package hep-js)")
	dir = t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund", "--no-save",
		"--loglevel=error", "hep-js@"+HEPJSVersion)
	cmd.Dir = dir
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	Require(t, err == nil, "npm install hep-js@"+HEPJSVersion+" failed: "+string(out))
	return node, dir
}
