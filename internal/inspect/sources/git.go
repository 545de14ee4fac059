package sources

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path"
	"strings"

	"github.com/parapet-sec/parapet/internal/inspect"
	"github.com/parapet-sec/parapet/internal/inventory"
)

// GitOptions bound what Git reads.
type GitOptions struct {
	// Since is a revision: only commits after it, and only IaC files
	// changed after it, are read. Empty: the whole history (up to
	// MaxCommits) and every IaC file at HEAD.
	Since      string
	MaxCommits int // default 10000
}

// Git reads a repository with the git binary and returns its commit
// messages, the comments and prose fields of IaC files (changed since
// opts.Since, or all of them at HEAD), and its pull-request and issue
// templates.
func Git(ctx context.Context, repo string, opts GitOptions) ([]inspect.Unit, error) {
	if opts.MaxCommits <= 0 {
		opts.MaxCommits = 10000
	}
	if strings.HasPrefix(opts.Since, "-") {
		return nil, fmt.Errorf("--since %q: not a revision", opts.Since)
	}
	run := func(args ...string) ([]byte, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", repo}, args...)...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			if msg := strings.TrimSpace(stderr.String()); msg != "" {
				return nil, fmt.Errorf("git %s in %s: %v: %s", args[0], repo, err, msg)
			}
			return nil, fmt.Errorf("git %s in %s: %v", args[0], repo, err)
		}
		return out, nil
	}
	if _, err := run("rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
		return nil, fmt.Errorf("%s: no commit at HEAD (not a git repository, or one without commits): %w", repo, err)
	}
	rng := "HEAD"
	if opts.Since != "" {
		if _, err := run("rev-parse", "--verify", "--quiet", opts.Since+"^{commit}"); err != nil {
			return nil, fmt.Errorf("--since %q: no such commit in %s (%w)", opts.Since, repo, err)
		}
		rng = opts.Since + "..HEAD"
	}
	// Commit messages: hash NUL author NUL message, records split by RS.
	out, err := run("log", "--no-color", fmt.Sprintf("--max-count=%d", opts.MaxCommits), "--format=%H%x00%an <%ae>%x00%B%x1e", rng, "--")
	if err != nil {
		return nil, err
	}
	var units []inspect.Unit
	for _, rec := range strings.Split(string(out), "\x1e") {
		rec = strings.TrimLeft(rec, "\n")
		parts := strings.SplitN(rec, "\x00", 3)
		if len(parts) != 3 {
			continue
		}
		units = append(units, inspect.Unit{
			ID:     "git:" + parts[0][:min(12, len(parts[0]))] + " (commit message by " + parts[1] + ")",
			Source: inspect.SourceGitCommit,
			Text:   strings.TrimRight(parts[2], "\n"),
		})
	}
	// Files: IaC changed in the range (or all at HEAD), and templates.
	var files []string
	if opts.Since != "" {
		out, err = run("diff", "--name-only", "--diff-filter=AMR", "-z", opts.Since, "HEAD", "--")
	} else {
		out, err = run("ls-tree", "-r", "--name-only", "-z", "HEAD")
	}
	if err != nil {
		return nil, err
	}
	for _, f := range strings.Split(string(out), "\x00") {
		if f != "" && (IaCKind(f) != "" || isTemplate(f)) {
			files = append(files, f)
		}
	}
	if opts.Since != "" {
		// Templates are read whether or not they changed: every new pull
		// request starts from them.
		out, err = run("ls-tree", "-r", "--name-only", "-z", "HEAD")
		if err != nil {
			return nil, err
		}
		for _, f := range strings.Split(string(out), "\x00") {
			if isTemplate(f) && IaCKind(f) == "" && !contains(files, f) {
				files = append(files, f)
			}
		}
	}
	for _, f := range files {
		src, err := run("show", "HEAD:"+f)
		if err != nil {
			return nil, err
		}
		if len(src) > maxIaCFile {
			return nil, fmt.Errorf("%s: %s: more than %d bytes", repo, f, maxIaCFile)
		}
		if kind := IaCKind(f); kind != "" {
			us, err := IaCFile(f, kind, src)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", repo, err)
			}
			units = append(units, us...)
			continue
		}
		units = append(units, inspect.Unit{
			ID: f + " (repository template)", Source: inspect.SourceRepoFile, Text: string(src),
			Location: &inventory.Location{File: f, Line: 1},
		})
	}
	return units, nil
}

// isTemplate reports whether a repository path is a pull-request or issue
// template, or a Copilot or agent instruction file: text that is handed
// to people and agents working on the repository.
func isTemplate(f string) bool {
	lf := strings.ToLower(f)
	base := path.Base(lf)
	dir := path.Dir(lf)
	switch {
	case strings.HasPrefix(base, "pull_request_template"):
		return true
	case strings.HasPrefix(dir, ".github/pull_request_template"), strings.HasPrefix(dir, ".github/issue_template"):
		return true
	case lf == ".github/copilot-instructions.md", base == "agents.md" && dir == ".":
		return true
	}
	return false
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
