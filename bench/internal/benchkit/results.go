package benchkit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"
)

// Harnesses share bench/RESULTS.md: sippbench owns the text outside any
// section, and every other harness writes its results between
// "<!-- NAME:begin -->" and "<!-- NAME:end -->" lines. Rewriting the file
// keeps the sections of the others.

// sectionBegin matches a section's opening marker line and captures its
// name.
var sectionBegin = regexp.MustCompile(`(?m)^<!-- ([a-z0-9_-]+):begin -->$`)

// markers returns the opening and closing marker lines of section name.
func markers(name string) (begin, end string) {
	return "<!-- " + name + ":begin -->", "<!-- " + name + ":end -->"
}

// Section returns section name of doc, marker lines included, and whether
// doc has it (both markers, in order).
func Section(doc, name string) (string, bool) {
	begin, end := markers(name)
	i := strings.Index(doc, begin+"\n")
	if i < 0 {
		return "", false
	}
	j := strings.Index(doc[i:], "\n"+end)
	if j < 0 {
		return "", false
	}
	return doc[i : i+j+1+len(end)], true
}

// ReplaceSection puts body as section name into doc: in place of the
// section doc has, or appended at its end after a blank line.
func ReplaceSection(doc, name, body string) string {
	begin, end := markers(name)
	sec := begin + "\n" + strings.TrimRight(body, "\n") + "\n" + end
	if old, ok := Section(doc, name); ok {
		return strings.Replace(doc, old, sec, 1)
	}
	if doc = strings.TrimRight(doc, "\n"); doc != "" {
		doc += "\n\n"
	}
	return doc + sec + "\n"
}

// KeepSections returns newDoc with every section of oldDoc that newDoc
// lacks appended to it, in oldDoc's order: a harness that rewrites the
// shared results file keeps the other harnesses' sections.
func KeepSections(oldDoc, newDoc string) string {
	for _, m := range sectionBegin.FindAllStringSubmatch(oldDoc, -1) {
		name := m[1]
		if _, ok := Section(newDoc, name); ok {
			continue
		}
		if sec, ok := Section(oldDoc, name); ok {
			if newDoc = strings.TrimRight(newDoc, "\n"); newDoc != "" {
				newDoc += "\n\n"
			}
			newDoc += sec + "\n"
		}
	}
	return newDoc
}

// ReadResults returns the text of a results file, "" when it does not
// exist yet.
func ReadResults(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	return string(b), nil
}

// WriteSection rewrites section name of the results file at path with
// body, leaving the rest of the file as it is (a missing file is created).
func WriteSection(path, name, body string) error {
	doc, err := ReadResults(path)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(ReplaceSection(doc, name, body)), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
