package guard

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// Effect is what a command would do to the systems it touches, from least
// to most harmful.
type Effect int

// Effects, ordered so that a higher value is more harmful.
const (
	EffectUnknown     Effect = iota // not a recognised tool or verb: treat with care
	EffectRead                      // reads state only
	EffectWrite                     // creates or changes state
	EffectPrivileged                // changes who may do what (IAM, RBAC) or runs code inside a workload
	EffectDestructive               // deletes, terminates, destroys or force-overwrites state
)

func (e Effect) String() string {
	switch e {
	case EffectRead:
		return "read"
	case EffectWrite:
		return "write"
	case EffectPrivileged:
		return "privileged"
	case EffectDestructive:
		return "destructive"
	}
	return "unknown"
}

// MarshalText makes effects print as words in JSON and Rego input.
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// Command is one recognised cloud or cluster command and what it would do.
type Command struct {
	Tool    string   `json:"tool"`    // aws, kubectl, terraform, gcloud, az, helm
	Verb    string   `json:"verb"`    // the operation: "ec2 terminate-instances", "delete", "destroy"
	Args    []string `json:"args"`    // the words after the tool name
	Effect  Effect   `json:"effect"`  // what it would do
	Reason  string   `json:"reason"`  // why it got that effect
	Command string   `json:"command"` // the command as given, one pipeline stage
}

// maxCommandLen bounds the input the classifier reads; longer lines are
// refused rather than partly read.
const maxCommandLen = 64 << 10

// ClassifyCommandLine splits a shell command line into its commands (across
// ;, &&, ||, | and newlines, and into `sh -c` / `bash -c` strings), and
// classifies every aws, kubectl, terraform, gcloud, az and helm command
// found. Commands of other tools are returned with EffectUnknown and their
// name as Tool, so a policy can decide on them.
func ClassifyCommandLine(line string) ([]Command, error) {
	if len(line) > maxCommandLen {
		return nil, fmt.Errorf("command line of %d bytes is longer than %d", len(line), maxCommandLen)
	}
	return classifyLine(line, 0)
}

func classifyLine(line string, depth int) ([]Command, error) {
	if depth > 4 {
		return nil, fmt.Errorf("shell -c nested more than 4 deep")
	}
	stages, err := splitShell(line)
	if err != nil {
		return nil, err
	}
	var out []Command
	for _, words := range stages {
		cmds, err := classifyWords(words, depth)
		if err != nil {
			return nil, err
		}
		out = append(out, cmds...)
	}
	return out, nil
}

// ClassifyArgv classifies one command given as an argument vector, as an
// exec-style tool passes it.
func ClassifyArgv(argv []string) ([]Command, error) {
	n := 0
	for _, a := range argv {
		n += len(a) + 1
	}
	if n > maxCommandLen {
		return nil, fmt.Errorf("command of %d bytes is longer than %d", n, maxCommandLen)
	}
	return classifyWords(argv, 0)
}

// wrappers run the command that follows them.
var wrappers = map[string]bool{
	"sudo": true, "env": true, "nohup": true, "time": true, "exec": true, "command": true, "xargs": true, "timeout": true,
	"nice": true, "doas": true, "busybox": true, "stdbuf": true, "ionice": true, "chroot": true, "watch": true,
	"setsid": true, "unbuffer": true, "taskset": true, "strace": true, "ltrace": true, "runuser": true, "flock": true,
	"find": true, "parallel": true,
}

// runners are wrappers that are commands of their own when they run
// nothing recognised (find . -name x).
var runners = map[string]bool{"find": true, "parallel": true}

// shellKeywords open or continue a compound command; the command after them
// runs as if they were not there.
var shellKeywords = map[string]bool{"if": true, "then": true, "else": true, "elif": true, "fi": true, "do": true, "done": true, "while": true, "until": true, "{": true, "}": true, "!": true}

var shells = map[string]bool{"sh": true, "bash": true, "zsh": true, "dash": true, "ksh": true, "ash": true}

// classified are the tools classifyWords recognises by name.
var classified = map[string]bool{"aws": true, "kubectl": true, "oc": true, "terraform": true, "tofu": true, "gcloud": true, "az": true, "helm": true}

// commandName is the name a word runs as: its base name, lower-cased (so a
// case-insensitive file system's KUBECTL is kubectl), without ".exe", and
// cut at a redirection ("bash<<EOF").
func commandName(w string) string {
	if i := strings.IndexAny(w, "<>"); i >= 0 {
		w = w[:i]
	}
	return strings.TrimSuffix(strings.ToLower(path.Base(w)), ".exe")
}

func runsCommands(name string) bool {
	return classified[name] || shells[name] || wrappers[name] || name == "eval"
}

func classifyWords(words []string, depth int) ([]Command, error) {
	// Skip environment assignments, shell keywords and wrapper commands
	// with their options.
	i := 0
	for i < len(words) {
		w := words[i]
		if strings.Contains(w, "=") && !strings.HasPrefix(w, "-") && isEnvAssignment(w) {
			i++
			continue
		}
		if shellKeywords[w] {
			i++
			continue
		}
		base := commandName(w)
		if wrappers[base] {
			// Wrapper options may take values (sudo -u root, nice -n 10,
			// timeout -s KILL 10): the command run is the first later word
			// naming a tool that runs commands, if any.
			j := i + 1
			for j < len(words) && !runsCommands(commandName(words[j])) {
				j++
			}
			if j < len(words) {
				i = j
				continue
			}
			if runners[base] {
				break // it runs nothing recognised: it is the command
			}
			i++
			for i < len(words) && strings.HasPrefix(words[i], "-") {
				i++
			}
			if base == "timeout" && i < len(words) { // timeout DURATION CMD
				i++
			}
			continue
		}
		break
	}
	if i >= len(words) {
		return nil, nil
	}
	if strings.ContainsAny(words[i], "$*?[") {
		return nil, fmt.Errorf("the command name %q is expanded when it runs and cannot be checked before", words[i])
	}
	tool := commandName(words[i])
	args := words[i+1:]
	if tool == "eval" {
		return classifyLine(strings.Join(args, " "), depth+1)
	}
	if shells[tool] {
		for j := 0; j < len(args); j++ {
			if args[j] == "-c" && j+1 < len(args) {
				return classifyLine(args[j+1], depth+1)
			}
			if strings.HasPrefix(args[j], "-") && strings.Contains(args[j], "c") && !strings.HasPrefix(args[j], "--") && j+1 < len(args) {
				return classifyLine(args[j+1], depth+1)
			}
		}
		// Without -c a shell runs a script file, or reads its commands
		// from its input (a pipe, a here-document): those cannot be seen.
		script := ""
		for _, a := range args {
			if a == "-s" || a == "-" {
				break
			}
			if !strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "+") {
				script = a
				break
			}
		}
		if script == "" || strings.HasPrefix(script, "<") || strings.ContainsAny(words[i], "<") {
			return nil, fmt.Errorf("%s reads its commands from its input, which cannot be checked before it runs", tool)
		}
	}
	cmd := Command{Tool: tool, Args: args, Command: strings.Join(words, " ")}
	if lang, flag, ok := inlineCode(tool, args); ok {
		// Code given on the command line does whatever it says, and no
		// command line shows what that is: a person should read it.
		cmd.Tool, cmd.Verb, cmd.Effect = lang, flag, EffectPrivileged
		cmd.Reason = fmt.Sprintf("runs inline %s code (%s), which cannot be checked before it runs", lang, flag)
		return []Command{cmd}, nil
	}
	switch tool {
	case "aws":
		classifyAWS(&cmd)
	case "kubectl", "oc":
		classifyKubectl(&cmd)
	case "terraform", "tofu":
		classifyTerraform(&cmd)
	case "gcloud":
		classifyGcloud(&cmd)
	case "az":
		classifyAz(&cmd)
	case "helm":
		classifyHelm(&cmd)
	default:
		cmd.Reason = "not a recognised cloud or cluster tool"
	}
	return []Command{cmd}, nil
}

// interpreter is how a language runtime takes code on its command line.
type interpreter struct {
	lang string
	// flags take the code as their value ("-c CODE", "--eval=CODE").
	flags []string
	// cluster: the code flag may end a cluster of single-letter options
	// ("python -Ic CODE", "perl -lne CODE").
	cluster string
	// subcommand runs code given after it ("deno eval CODE").
	subcommand string
	// valued are other options that take a value ("python -W ignore").
	valued []string
}

var interpreters = map[string]interpreter{
	"python":     {lang: "python", flags: []string{"-c"}, cluster: "c", valued: []string{"-W", "-X"}},
	"pypy":       {lang: "python", flags: []string{"-c"}, cluster: "c", valued: []string{"-W", "-X"}},
	"node":       {lang: "javascript", flags: []string{"-e", "--eval", "-p", "--print"}, cluster: "ep", valued: []string{"-r", "--require", "--import", "--loader"}},
	"nodejs":     {lang: "javascript", flags: []string{"-e", "--eval", "-p", "--print"}, cluster: "ep", valued: []string{"-r", "--require", "--import", "--loader"}},
	"bun":        {lang: "javascript", flags: []string{"-e", "--eval", "-p", "--print"}},
	"deno":       {lang: "javascript", subcommand: "eval"},
	"perl":       {lang: "perl", flags: []string{"-e", "-E"}, cluster: "eE"},
	"ruby":       {lang: "ruby", flags: []string{"-e"}, cluster: "e"},
	"php":        {lang: "php", flags: []string{"-r"}, cluster: "r"},
	"lua":        {lang: "lua", flags: []string{"-e"}},
	"rscript":    {lang: "r", flags: []string{"-e"}},
	"osascript":  {lang: "applescript", flags: []string{"-e"}},
	"pwsh":       {lang: "powershell", flags: []string{"-c", "-command", "-ec", "-encodedcommand", "-e"}},
	"powershell": {lang: "powershell", flags: []string{"-c", "-command", "-ec", "-encodedcommand", "-e"}},
	"awk":        {lang: "awk"},
	"gawk":       {lang: "awk"},
	"mawk":       {lang: "awk"},
}

// inlineCode reports whether tool runs code given in args, in which
// language and through which flag.
func inlineCode(tool string, args []string) (lang, flag string, ok bool) {
	// python3, python3.12, perl5.36, pwsh-preview: the runtime's own name.
	name := strings.TrimRight(tool, "0123456789.")
	name = strings.TrimSuffix(name, "-preview")
	in, known := interpreters[name]
	if !known {
		return "", "", false
	}
	if in.lang == "awk" {
		// awk's program is its first operand, and system() runs commands.
		for _, a := range args {
			if !strings.HasPrefix(a, "-") && strings.Contains(a, "system") {
				return in.lang, "system()", true
			}
		}
		return "", "", false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if slices.Contains(in.valued, a) {
			i++
			continue
		}
		if in.subcommand != "" && a == in.subcommand {
			return in.lang, a, true
		}
		if a == "--" || (!strings.HasPrefix(a, "-") && in.subcommand == "") {
			// A script file, then its own arguments.
			return "", "", false
		}
		la := strings.ToLower(a)
		for _, f := range in.flags {
			if la == f || strings.HasPrefix(la, f+"=") {
				return in.lang, f, i+1 < len(args) || strings.Contains(la, "=")
			}
		}
		if in.cluster != "" && len(a) > 2 && a[0] == '-' && isLetters(a[1:]) && strings.ContainsAny(a[1:], in.cluster) {
			return in.lang, a, true
		}
	}
	return "", "", false
}

func isLetters(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func isEnvAssignment(w string) bool {
	name := w[:strings.IndexByte(w, '=')]
	if name == "" {
		return false
	}
	for i, c := range name {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// positional returns the words that are not flags, skipping the values of
// flags known to take one (so "--region us-east-1" does not read as a verb).
func positional(args []string, valueFlags map[string]bool) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			out = append(out, args[i+1:]...)
			break
		}
		if strings.HasPrefix(a, "-") {
			if !strings.Contains(a, "=") && valueFlags[strings.TrimLeft(a, "-")] {
				i++
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

func hasFlag(args []string, names ...string) bool {
	for _, a := range args {
		for _, n := range names {
			if a == n || strings.HasPrefix(a, n+"=") {
				return true
			}
		}
	}
	return false
}

func prefixed(s string, prefixes ...string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

var awsValueFlags = map[string]bool{"region": true, "profile": true, "output": true, "endpoint-url": true, "query": true, "color": true, "ca-bundle": true, "cli-read-timeout": true, "cli-connect-timeout": true, "cli-binary-format": true, "cli-input-json": true, "cli-input-yaml": true, "page-size": true, "max-items": true, "starting-token": true}

// isAWSName reports whether s can be an AWS CLI service or operation name;
// a value of an option the table above does not know cannot be.
func isAWSName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// awsPrivileged are operations that change who may do what, or hand out
// credentials, whatever their verb.
var awsPrivileged = []string{
	"attach-", "put-user-policy", "put-role-policy", "put-group-policy", "create-policy-version",
	"set-default-policy-version", "update-assume-role-policy", "create-access-key", "create-login-profile",
	"update-login-profile", "add-user-to-group", "pass-role", "assume-role", "put-bucket-policy",
	"put-bucket-acl", "put-key-policy", "create-grant", "add-permission", "set-queue-attributes",
	"put-resource-policy", "put-role-permissions-boundary", "delete-role-permissions-boundary",
	"delete-user-permissions-boundary", "update-function-configuration", "update-function-code",
	"send-command", "start-session", "create-service-linked-role", "put-public-access-block",
	"delete-public-access-block", "modify-instance-metadata-options", "authorize-security-group-ingress",
}

func classifyAWS(c *Command) {
	pos := positional(c.Args, awsValueFlags)
	for len(pos) > 2 && !isAWSName(pos[0]) {
		pos = pos[1:]
	}
	if len(pos) < 2 {
		c.Verb = strings.Join(pos, " ")
		c.Effect, c.Reason = EffectUnknown, "aws command without service and operation"
		return
	}
	svc, op := pos[0], strings.ToLower(pos[1])
	c.Verb = svc + " " + op
	switch {
	case svc == "s3":
		switch op {
		case "rm", "rb":
			c.Effect, c.Reason = EffectDestructive, "aws s3 "+op+" deletes objects or buckets"
		case "sync":
			if hasFlag(c.Args, "--delete") {
				c.Effect, c.Reason = EffectDestructive, "aws s3 sync --delete removes objects missing from the source"
			} else {
				c.Effect, c.Reason = EffectWrite, "aws s3 sync writes objects"
			}
		case "mv":
			c.Effect, c.Reason = EffectDestructive, "aws s3 mv removes the source objects"
		case "cp", "mb", "presign":
			c.Effect, c.Reason = EffectWrite, "aws s3 "+op+" writes or shares objects"
		case "ls":
			c.Effect, c.Reason = EffectRead, "aws s3 ls lists"
		default:
			c.Effect, c.Reason = EffectUnknown, "unrecognised aws s3 command"
		}
	case prefixed(op, awsPrivileged...) || svc == "iam" && !prefixed(op, "get-", "list-", "generate-", "simulate-"):
		if prefixed(op, "delete-", "remove-", "detach-") {
			c.Effect, c.Reason = EffectDestructive, "aws "+c.Verb+" removes identities or permissions"
		} else {
			c.Effect, c.Reason = EffectPrivileged, "aws "+c.Verb+" changes permissions, credentials or code that runs with them"
		}
	case prefixed(op, "delete-", "terminate-", "remove-", "detach-", "deregister-", "revoke-", "disable-", "purge-", "destroy-", "cancel-", "reset-", "disassociate-", "stop-", "reboot-", "schedule-key-deletion", "force-"):
		c.Effect, c.Reason = EffectDestructive, "aws "+c.Verb+" deletes, stops or revokes"
	case prefixed(op, "describe-", "get-", "list-", "head-", "lookup-", "search-", "scan", "query", "select-", "batch-get-", "filter-", "test-", "validate-", "estimate-", "preview-", "wait"):
		c.Effect, c.Reason = EffectRead, "aws "+c.Verb+" reads"
	default:
		c.Effect, c.Reason = EffectWrite, "aws "+c.Verb+" creates or changes resources"
	}
}

var kubectlValueFlags = map[string]bool{"n": true, "namespace": true, "context": true, "cluster": true, "user": true, "kubeconfig": true, "o": true, "output": true, "l": true, "selector": true, "f": true, "filename": true, "c": true, "container": true, "s": true, "server": true, "token": true, "as": true, "as-group": true, "field-selector": true, "template": true, "type": true,
	"v": true, "request-timeout": true, "certificate-authority": true, "client-certificate": true, "client-key": true,
	"tls-server-name": true, "username": true, "password": true, "cache-dir": true, "as-uid": true, "profile": true, "profile-output": true}

// kubectlVerbs are the verbs classifyKubectl knows.
var kubectlVerbs = map[string]bool{}

func init() {
	for _, v := range strings.Fields("get describe logs top explain api-resources api-versions version cluster-info diff events wait auth delete drain replace apply exec attach cp debug port-forward proxy run create scale cordon uncordon taint patch edit label annotate set rollout autoscale expose certificate") {
		kubectlVerbs[v] = true
	}
}

func classifyKubectl(c *Command) {
	pos := positional(c.Args, kubectlValueFlags)
	if len(pos) == 0 {
		c.Effect, c.Reason = EffectUnknown, "kubectl without a verb"
		return
	}
	// A value of an option the table does not know reads as a verb: take
	// the first word that is one.
	for len(pos) > 1 && !kubectlVerbs[pos[0]] {
		pos = pos[1:]
	}
	verb := pos[0]
	c.Verb = verb
	target := ""
	if len(pos) > 1 {
		target = strings.ToLower(pos[1])
	}
	switch verb {
	case "get", "describe", "logs", "top", "explain", "api-resources", "api-versions", "version", "cluster-info", "diff", "events", "wait":
		c.Effect, c.Reason = EffectRead, "kubectl "+verb+" reads"
	case "auth":
		if target == "can-i" || target == "whoami" {
			c.Effect, c.Reason = EffectRead, "kubectl auth "+target+" reads"
		} else {
			c.Effect, c.Reason = EffectPrivileged, "kubectl auth "+target+" changes RBAC"
		}
	case "delete", "drain":
		c.Effect, c.Reason = EffectDestructive, "kubectl "+verb+" removes workloads or objects"
	case "replace":
		if hasFlag(c.Args, "--force") {
			c.Effect, c.Reason = EffectDestructive, "kubectl replace --force deletes and recreates objects"
		} else {
			c.Effect, c.Reason = EffectWrite, "kubectl replace overwrites objects"
		}
	case "apply":
		if hasFlag(c.Args, "--prune", "--force") {
			c.Effect, c.Reason = EffectDestructive, "kubectl apply --prune/--force deletes objects"
		} else {
			c.Effect, c.Reason = EffectWrite, "kubectl apply changes objects"
		}
	case "exec", "attach", "cp", "debug", "port-forward", "proxy", "run":
		c.Effect, c.Reason = EffectPrivileged, "kubectl "+verb+" runs code in or reaches into workloads"
	case "create":
		if prefixed(target, "clusterrolebinding", "rolebinding", "clusterrole", "role", "serviceaccount", "token", "secret") {
			c.Effect, c.Reason = EffectPrivileged, "kubectl create "+target+" changes RBAC or credentials"
		} else {
			c.Effect, c.Reason = EffectWrite, "kubectl create makes objects"
		}
	case "scale":
		if hasFlag(c.Args, "--replicas=0") || flagValue(c.Args, "--replicas") == "0" {
			c.Effect, c.Reason = EffectDestructive, "kubectl scale --replicas=0 stops a workload"
		} else {
			c.Effect, c.Reason = EffectWrite, "kubectl scale changes replicas"
		}
	case "cordon", "uncordon", "taint", "patch", "edit", "label", "annotate", "set", "rollout", "autoscale", "expose", "certificate":
		c.Effect, c.Reason = EffectWrite, "kubectl "+verb+" changes objects"
	default:
		c.Effect, c.Reason = EffectUnknown, "unrecognised kubectl verb"
	}
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if strings.HasPrefix(a, name+"=") {
			return a[len(name)+1:]
		}
	}
	return ""
}

func classifyTerraform(c *Command) {
	pos := positional(c.Args, map[string]bool{"chdir": true, "var": true, "var-file": true, "target": true, "state": true})
	if len(pos) == 0 {
		c.Effect, c.Reason = EffectUnknown, "terraform without a subcommand"
		return
	}
	sub := pos[0]
	c.Verb = sub
	switch sub {
	case "plan":
		if hasFlag(c.Args, "-destroy", "--destroy") {
			c.Effect, c.Reason = EffectRead, "terraform plan -destroy only plans"
		} else {
			c.Effect, c.Reason = EffectRead, "terraform plan only plans"
		}
	case "show", "validate", "fmt", "graph", "output", "providers", "version", "init", "console", "get", "login", "metadata", "modules", "test":
		c.Effect, c.Reason = EffectRead, "terraform "+sub+" does not change infrastructure"
	case "destroy":
		c.Effect, c.Reason = EffectDestructive, "terraform destroy deletes every managed resource"
	case "apply":
		if hasFlag(c.Args, "-destroy", "--destroy") {
			c.Effect, c.Reason = EffectDestructive, "terraform apply -destroy deletes resources"
		} else {
			c.Effect, c.Reason = EffectWrite, "terraform apply changes infrastructure"
		}
	case "state":
		op := ""
		if len(pos) > 1 {
			op = pos[1]
		}
		c.Verb = "state " + op
		switch op {
		case "list", "show", "pull":
			c.Effect, c.Reason = EffectRead, "terraform state "+op+" reads state"
		default:
			c.Effect, c.Reason = EffectDestructive, "terraform state "+op+" rewrites state"
		}
	case "force-unlock", "taint", "untaint", "import", "refresh":
		c.Effect, c.Reason = EffectDestructive, "terraform "+sub+" changes state outside a plan"
	case "workspace":
		if len(pos) > 1 && pos[1] == "delete" {
			c.Verb, c.Effect, c.Reason = "workspace delete", EffectDestructive, "terraform workspace delete drops a state"
		} else {
			c.Effect, c.Reason = EffectRead, "terraform workspace selects or lists workspaces"
		}
	default:
		c.Effect, c.Reason = EffectUnknown, "unrecognised terraform subcommand"
	}
}

func classifyGcloud(c *Command) {
	pos := positional(c.Args, map[string]bool{"project": true, "zone": true, "region": true, "format": true, "account": true, "configuration": true, "filter": true, "member": true, "role": true})
	if len(pos) == 0 {
		c.Effect, c.Reason = EffectUnknown, "gcloud without a command"
		return
	}
	c.Verb = strings.Join(pos, " ")
	classifyVerbWords(c, pos, "gcloud")
}

func classifyAz(c *Command) {
	pos := positional(c.Args, map[string]bool{"g": true, "resource-group": true, "n": true, "name": true, "subscription": true, "o": true, "output": true, "query": true, "assignee": true, "role": true, "scope": true, "l": true, "location": true})
	if len(pos) == 0 {
		c.Effect, c.Reason = EffectUnknown, "az without a command"
		return
	}
	c.Verb = strings.Join(pos, " ")
	classifyVerbWords(c, pos, "az")
}

// classifyVerbWords handles gcloud and az, whose command groups end in a verb
// word ("compute instances delete", "role assignment create").
func classifyVerbWords(c *Command, pos []string, tool string) {
	joined := " " + strings.Join(pos, " ") + " "
	last := pos[len(pos)-1]
	verb := last
	for _, w := range pos {
		switch w {
		case "delete", "remove", "purge", "stop", "reset", "deallocate", "disable", "revoke", "detach", "undelete", "rollback", "restart", "suspend", "create", "update", "set", "add", "deploy", "import", "patch", "start", "resize", "list", "describe", "show", "get", "get-iam-policy", "set-iam-policy", "add-iam-policy-binding", "remove-iam-policy-binding", "ssh", "scp", "invoke", "run", "exec", "login":
			verb = w
		}
	}
	iamish := strings.Contains(joined, " iam ") || strings.Contains(joined, " role ") || strings.Contains(joined, " keys ") ||
		strings.Contains(joined, "iam-policy") || strings.Contains(joined, " ad ") || strings.Contains(joined, " identity ") || strings.Contains(joined, " service-accounts ")
	switch {
	case verb == "delete" || verb == "remove" || verb == "purge" || verb == "deallocate" || verb == "revoke" || verb == "detach" || verb == "stop" || verb == "reset" || verb == "remove-iam-policy-binding" || verb == "disable" || verb == "suspend" || verb == "rollback":
		c.Effect, c.Reason = EffectDestructive, tool+" "+c.Verb+" deletes, stops or revokes"
	case verb == "set-iam-policy" || verb == "add-iam-policy-binding" || verb == "ssh" || verb == "scp" || verb == "exec" || verb == "run" || iamish && (verb == "create" || verb == "update" || verb == "add" || verb == "set"):
		c.Effect, c.Reason = EffectPrivileged, tool+" "+c.Verb+" changes permissions or runs code on a machine"
	case verb == "list" || verb == "describe" || verb == "show" || verb == "get" || verb == "get-iam-policy":
		c.Effect, c.Reason = EffectRead, tool+" "+c.Verb+" reads"
	case verb == "create" || verb == "update" || verb == "set" || verb == "add" || verb == "deploy" || verb == "import" || verb == "patch" || verb == "start" || verb == "resize" || verb == "restart" || verb == "undelete" || verb == "invoke" || verb == "login":
		c.Effect, c.Reason = EffectWrite, tool+" "+c.Verb+" creates or changes resources"
	default:
		c.Effect, c.Reason = EffectUnknown, "unrecognised "+tool+" command"
	}
}

func classifyHelm(c *Command) {
	pos := positional(c.Args, map[string]bool{"n": true, "namespace": true, "kube-context": true, "f": true, "values": true, "set": true, "version": true, "repo": true, "o": true, "output": true})
	if len(pos) == 0 {
		c.Effect, c.Reason = EffectUnknown, "helm without a command"
		return
	}
	sub := pos[0]
	c.Verb = sub
	switch sub {
	case "uninstall", "delete", "del", "un":
		c.Effect, c.Reason = EffectDestructive, "helm "+sub+" removes a release and its objects"
	case "rollback":
		c.Effect, c.Reason = EffectDestructive, "helm rollback replaces a release's objects"
	case "install", "upgrade":
		if hasFlag(c.Args, "--force") {
			c.Effect, c.Reason = EffectDestructive, "helm "+sub+" --force deletes and recreates objects"
		} else {
			c.Effect, c.Reason = EffectWrite, "helm "+sub+" changes cluster objects"
		}
	case "list", "ls", "status", "history", "get", "show", "template", "search", "lint", "version", "env", "dependency", "verify", "pull":
		c.Effect, c.Reason = EffectRead, "helm "+sub+" reads"
	case "repo", "plugin", "registry":
		c.Effect, c.Reason = EffectWrite, "helm "+sub+" changes local configuration"
	default:
		c.Effect, c.Reason = EffectUnknown, "unrecognised helm command"
	}
}

// splitShell splits a command line into pipeline stages of words, with the
// quoting rules of POSIX sh: single quotes literal, double quotes with
// backslash escapes, backslash outside quotes. Command substitution is
// refused: its output cannot be known before it runs.
func splitShell(line string) ([][]string, error) {
	var stages [][]string
	var words []string
	var cur strings.Builder
	inWord := false
	flushWord := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	flushStage := func() {
		flushWord()
		if len(words) > 0 {
			stages = append(stages, words)
			words = nil
		}
	}
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case ch == '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote at byte %d", i)
			}
			cur.WriteString(line[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case ch == '"':
			i++
			for ; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' && i+1 < len(line) && strings.IndexByte("\"\\$`\n", line[i+1]) >= 0 {
					i++
				} else if line[i] == '`' || line[i] == '$' && i+1 < len(line) && line[i+1] == '(' {
					return nil, fmt.Errorf("command substitution at byte %d cannot be checked before it runs", i)
				}
				cur.WriteByte(line[i])
			}
			if i >= len(line) {
				return nil, fmt.Errorf("unterminated double quote")
			}
			inWord = true
		case ch == '\\':
			if i+1 < len(line) {
				i++
				if line[i] != '\n' {
					cur.WriteByte(line[i])
					inWord = true
				}
			}
		case ch == '`' || ch == '$' && i+1 < len(line) && line[i+1] == '(':
			return nil, fmt.Errorf("command substitution at byte %d cannot be checked before it runs", i)
		case ch == ' ' || ch == '\t':
			flushWord()
		case ch == ';' || ch == '\n' || ch == '|' || ch == '&' || ch == '(' || ch == ')':
			flushStage()
		case ch == '#' && !inWord:
			j := strings.IndexByte(line[i:], '\n')
			if j < 0 {
				i = len(line)
			} else {
				i += j - 1
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	flushStage()
	return stages, nil
}
