package iam

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"
	"time"
)

// baseOp is a condition operator without its set prefix and IfExists suffix.
type baseOp uint8

const (
	opStringEquals baseOp = iota + 1
	opStringNotEquals
	opStringEqualsIgnoreCase
	opStringNotEqualsIgnoreCase
	opStringLike
	opStringNotLike
	opNumericEquals
	opNumericNotEquals
	opNumericLessThan
	opNumericLessThanEquals
	opNumericGreaterThan
	opNumericGreaterThanEquals
	opDateEquals
	opDateNotEquals
	opDateLessThan
	opDateLessThanEquals
	opDateGreaterThan
	opDateGreaterThanEquals
	opBool
	opBinaryEquals
	opIPAddress
	opNotIPAddress
	opArnEquals
	opArnLike
	opArnNotEquals
	opArnNotLike
	opNull
)

var baseOps = map[string]baseOp{
	"stringequals":              opStringEquals,
	"stringnotequals":           opStringNotEquals,
	"stringequalsignorecase":    opStringEqualsIgnoreCase,
	"stringnotequalsignorecase": opStringNotEqualsIgnoreCase,
	"stringlike":                opStringLike,
	"stringnotlike":             opStringNotLike,
	"numericequals":             opNumericEquals,
	"numericnotequals":          opNumericNotEquals,
	"numericlessthan":           opNumericLessThan,
	"numericlessthanequals":     opNumericLessThanEquals,
	"numericgreaterthan":        opNumericGreaterThan,
	"numericgreaterthanequals":  opNumericGreaterThanEquals,
	"dateequals":                opDateEquals,
	"datenotequals":             opDateNotEquals,
	"datelessthan":              opDateLessThan,
	"datelessthanequals":        opDateLessThanEquals,
	"dategreaterthan":           opDateGreaterThan,
	"dategreaterthanequals":     opDateGreaterThanEquals,
	"bool":                      opBool,
	"binaryequals":              opBinaryEquals,
	"ipaddress":                 opIPAddress,
	"notipaddress":              opNotIPAddress,
	"arnequals":                 opArnEquals,
	"arnlike":                   opArnLike,
	"arnnotequals":              opArnNotEquals,
	"arnnotlike":                opArnNotLike,
	"null":                      opNull,
}

// negated operators are true when no value matches (and when the key is
// absent).
func (o baseOp) negated() bool {
	switch o {
	case opStringNotEquals, opStringNotEqualsIgnoreCase, opStringNotLike,
		opNumericNotEquals, opDateNotEquals, opNotIPAddress, opArnNotEquals, opArnNotLike:
		return true
	}
	return false
}

type setMode uint8

const (
	setNone setMode = iota
	setAnyValue
	setAllValues
)

type operator struct {
	base     baseOp
	set      setMode
	ifExists bool
}

// parseOperator reads "ForAnyValue:StringLikeIfExists" and the like.
// Operator names are matched without regard to case.
func parseOperator(name string) (operator, error) {
	var op operator
	s := strings.ToLower(name)
	switch {
	case strings.HasPrefix(s, "foranyvalue:"):
		op.set, s = setAnyValue, s[len("foranyvalue:"):]
	case strings.HasPrefix(s, "forallvalues:"):
		op.set, s = setAllValues, s[len("forallvalues:"):]
	}
	if strings.HasSuffix(s, "ifexists") {
		op.ifExists, s = true, s[:len(s)-len("ifexists")]
	}
	b, ok := baseOps[s]
	if !ok {
		return op, fmt.Errorf("unknown condition operator %q", name)
	}
	if b == opNull && (op.ifExists || op.set != setNone) {
		return op, fmt.Errorf("condition operator %q: Null takes no IfExists or set prefix", name)
	}
	op.base = b
	return op, nil
}

// cond is one compiled condition: an operator applied to one key.
type cond struct {
	opName string // as written
	key    string // as written
	lkey   string // lower case, for lookup
	values []string
	op     operator

	pats  []pattern // string and ARN values (may hold policy variables)
	nums  []float64
	times []time.Time
	nets  []netip.Prefix
	null  bool // Null: true means "key absent"
}

func compileCondition(opName, key string, values []string, path string) (*cond, error) {
	op, err := parseOperator(opName)
	if err != nil {
		return nil, perr(path, "%v", err)
	}
	c := &cond{opName: opName, key: key, lkey: strings.ToLower(key), values: values, op: op}
	for i, v := range values {
		vp := fmt.Sprintf("%s.%s[%d]", path, key, i)
		switch op.base {
		case opBinaryEquals:
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				return nil, perr(vp, "%q is not base64", v)
			}
			c.pats = append(c.pats, pattern{raw: v, exact: true})
		case opStringEquals, opStringNotEquals:
			p, err := compilePattern(v, false, false)
			if err != nil {
				return nil, perr(vp, "%v", err)
			}
			c.pats = append(c.pats, p)
		case opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase:
			p, err := compilePattern(v, false, true)
			if err != nil {
				return nil, perr(vp, "%v", err)
			}
			c.pats = append(c.pats, p)
		case opStringLike, opStringNotLike, opArnEquals, opArnLike, opArnNotEquals, opArnNotLike:
			p, err := compilePattern(v, true, false)
			if err != nil {
				return nil, perr(vp, "%v", err)
			}
			c.pats = append(c.pats, p)
		case opNumericEquals, opNumericNotEquals, opNumericLessThan, opNumericLessThanEquals,
			opNumericGreaterThan, opNumericGreaterThanEquals:
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, perr(vp, "%q is not a number", v)
			}
			c.nums = append(c.nums, n)
		case opDateEquals, opDateNotEquals, opDateLessThan, opDateLessThanEquals,
			opDateGreaterThan, opDateGreaterThanEquals:
			t, ok := parseDate(v)
			if !ok {
				return nil, perr(vp, "%q is not a date (ISO 8601 or epoch seconds)", v)
			}
			c.times = append(c.times, t)
		case opBool:
			if !strings.EqualFold(v, "true") && !strings.EqualFold(v, "false") {
				return nil, perr(vp, "%q is not true or false", v)
			}
		case opIPAddress, opNotIPAddress:
			pfx, err := parseCIDR(v)
			if err != nil {
				return nil, perr(vp, "%q is not an IP address or CIDR block", v)
			}
			c.nets = append(c.nets, pfx)
		case opNull:
			switch strings.ToLower(v) {
			case "true":
				c.null = true
			case "false":
			default:
				return nil, perr(vp, "%q is not true or false", v)
			}
		}
	}
	if op.base == opNull && len(values) != 1 {
		return nil, perr(path+"."+key, "Null takes one value, true or false")
	}
	return c, nil
}

func parseCIDR(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return p, err
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05Z0700",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads the date forms IAM accepts: ISO 8601 variants and epoch
// seconds.
func parseDate(v string) (time.Time, bool) {
	if v != "" && strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return time.Time{}, false
		}
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// tri is a three-valued answer.
type tri uint8

const (
	triNo tri = iota
	triYes
	triUnknown
)

// eval evaluates the condition in ec.
func (c *cond) eval(ec *evalCtx) tri {
	vals, st := ec.lookup(c.lkey)
	if st == keyUnknown {
		if c.lkey == "aws:tokenissuetime" && len(c.times) > 0 {
			return c.evalTokenIssueTime(ec)
		}
		return triUnknown
	}
	present := st == keyKnown
	if present && (c.op.base == opNull || c.op.set == setAllValues) && allEmpty(vals) {
		// AWS: a key whose value is empty is null to the Null operator,
		// and ForAllValues holds on it as on a missing key.
		present = false
	}
	if c.op.base == opNull {
		return boolTri(c.null != present)
	}
	if !present {
		return c.absent()
	}
	neg := c.op.base.negated()
	switch c.op.set {
	case setAllValues:
		// every request value must satisfy the operator
		unknown := false
		for _, v := range vals {
			m, u := c.matchAny(v, ec)
			if u {
				unknown = true
			} else if m == neg {
				return triNo
			}
		}
		if unknown {
			return triUnknown
		}
		return triYes
	case setAnyValue:
		unknown := false
		for _, v := range vals {
			m, u := c.matchAny(v, ec)
			if u {
				unknown = true
			} else if m != neg {
				return triYes
			}
		}
		if unknown {
			return triUnknown
		}
		return triNo
	}
	// A single-valued operator: positive operators hold when any request
	// value matches a policy value, negated ones when none does.
	unknown := false
	for _, v := range vals {
		m, u := c.matchAny(v, ec)
		if u {
			unknown = true
		} else if m {
			return boolTri(!neg)
		}
	}
	if unknown {
		return triUnknown
	}
	return boolTri(neg)
}

// allEmpty reports whether every value is the empty string (or there are
// none).
func allEmpty(vals []string) bool {
	for _, v := range vals {
		if v != "" {
			return false
		}
	}
	return true
}

// absent is the condition's value when its key is not in the request.
func (c *cond) absent() tri {
	switch {
	case c.op.ifExists:
		return triYes
	case c.op.set == setAllValues:
		return triYes
	case c.op.set == setAnyValue:
		return triNo
	}
	return boolTri(c.op.base.negated())
}

// Longest lives of temporary credentials: a role session lasts at most 12
// hours; a federation or session token of a user at most 36.
const (
	maxRoleSession = 12 * time.Hour
	maxUserSession = 36 * time.Hour
)

// evalTokenIssueTime decides a date condition on aws:TokenIssueTime when
// the request does not say it: credentials usable at the analysis time
// were issued within the longest session before it, so a comparison that
// comes out the same over that whole window is decided (a deny of
// "sessions issued before 2023" cannot apply to a token usable in 2026).
// A user's request may also carry no session token at all, so for users
// the answer must also agree with the key being absent.
func (c *cond) evalTokenIssueTime(ec *evalCtx) tri {
	hi := ec.m.at
	window := maxUserSession
	isRole := ec.kind == callerPrincipal && ec.p.Kind == KindRole
	if isRole {
		window = maxRoleSession
	}
	lo := hi.Add(-window)
	any := triNo // does some policy value match (positive form) over the window?
	for _, x := range c.times {
		var m tri
		switch c.op.base {
		case opDateLessThan:
			m = span(hi.Before(x), !lo.Before(x))
		case opDateLessThanEquals:
			m = span(!hi.After(x), lo.After(x))
		case opDateGreaterThan:
			m = span(lo.After(x), !hi.After(x))
		case opDateGreaterThanEquals:
			m = span(!lo.Before(x), hi.Before(x))
		default: // DateEquals, DateNotEquals
			m = span(false, x.Before(lo) || x.After(hi))
		}
		if m == triYes {
			any = triYes
			break
		}
		if m == triUnknown {
			any = triUnknown
		}
	}
	present := any
	if any != triUnknown && c.op.base.negated() {
		present = boolTri(any == triNo)
	}
	if present == triUnknown {
		return triUnknown
	}
	if !isRole && c.absent() != present {
		return triUnknown
	}
	return present
}

// span turns "true for the whole window" and "false for the whole window"
// into a three-valued answer.
func span(allTrue, allFalse bool) tri {
	switch {
	case allTrue:
		return triYes
	case allFalse:
		return triNo
	}
	return triUnknown
}

func boolTri(b bool) tri {
	if b {
		return triYes
	}
	return triNo
}

// matchAny reports whether the request value v matches any of the policy
// values under the operator's positive form (StringNotEquals matches like
// StringEquals; the caller negates). unknown is set when the match depends
// on a policy variable not known yet.
func (c *cond) matchAny(v string, ec *evalCtx) (matched, unknown bool) {
	switch c.op.base {
	case opStringEquals, opStringNotEquals, opStringEqualsIgnoreCase, opStringNotEqualsIgnoreCase,
		opStringLike, opStringNotLike, opBinaryEquals:
		for i := range c.pats {
			u := false
			if c.pats[i].match(v, ec, &u) {
				if !u {
					return true, false
				}
				unknown = true
			}
		}
		return unknown, unknown
	case opArnEquals, opArnLike, opArnNotEquals, opArnNotLike:
		for i := range c.pats {
			p := &c.pats[i]
			if p.segs == nil {
				if arnMatch(p.raw, v) {
					return true, false
				}
				continue
			}
			u := false
			if p.match(v, ec, &u) {
				if !u {
					return true, false
				}
				unknown = true
			}
		}
		return unknown, unknown
	case opNumericEquals, opNumericNotEquals, opNumericLessThan, opNumericLessThanEquals,
		opNumericGreaterThan, opNumericGreaterThanEquals:
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return false, false
		}
		for _, x := range c.nums {
			if compare(c.op.base, cmpFloat(n, x)) {
				return true, false
			}
		}
		return false, false
	case opDateEquals, opDateNotEquals, opDateLessThan, opDateLessThanEquals,
		opDateGreaterThan, opDateGreaterThanEquals:
		t, ok := parseDate(v)
		if !ok {
			return false, false
		}
		for _, x := range c.times {
			if compare(c.op.base, t.Compare(x)) {
				return true, false
			}
		}
		return false, false
	case opBool:
		for _, x := range c.values {
			if strings.EqualFold(v, x) {
				return true, false
			}
		}
		return false, false
	case opIPAddress, opNotIPAddress:
		a, err := netip.ParseAddr(v)
		if err != nil {
			if p, err := netip.ParsePrefix(v); err == nil {
				a = p.Addr()
			} else {
				return false, false
			}
		}
		for _, n := range c.nets {
			if n.Contains(a.Unmap()) || n.Contains(a) {
				return true, false
			}
		}
		return false, false
	}
	return false, false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare applies a numeric or date operator to the result of comparing the
// request value with the policy value.
func compare(op baseOp, c int) bool {
	switch op {
	case opNumericEquals, opNumericNotEquals, opDateEquals, opDateNotEquals:
		return c == 0
	case opNumericLessThan, opDateLessThan:
		return c < 0
	case opNumericLessThanEquals, opDateLessThanEquals:
		return c <= 0
	case opNumericGreaterThan, opDateGreaterThan:
		return c > 0
	case opNumericGreaterThanEquals, opDateGreaterThanEquals:
		return c >= 0
	}
	return false
}

// Condition is one condition of a policy statement that decides a request
// but whose context key is not known at analysis time: the result is
// "allowed if" it holds (or, when Negated, if it does not hold: it comes
// from a Deny statement).
type Condition struct {
	Operator  string     `json:"operator"`
	Key       string     `json:"key"`
	Values    []string   `json:"values"`
	Negated   bool       `json:"negated,omitempty"`
	Statement *Statement `json:"-"`
}

// String renders the condition as `StringEquals aws:SourceVpc ["vpc-1"]`,
// or `not (...)` when negated.
func (c Condition) String() string {
	q := make([]string, len(c.Values))
	for i, v := range c.Values {
		q[i] = strconv.Quote(v)
	}
	s := fmt.Sprintf("%s %s [%s]", c.Operator, c.Key, strings.Join(q, ", "))
	if c.Negated {
		return "not (" + s + ")"
	}
	return s
}

// compileConditions compiles a statement's Condition block in a stable
// order (operators, then keys, sorted).
func compileConditions(m map[string]map[string][]string, path string) ([]*cond, error) {
	var out []*cond
	ops := make([]string, 0, len(m))
	for op := range m {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		keys := make([]string, 0, len(m[op]))
		for k := range m[op] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			c, err := compileCondition(op, k, m[op][k], path+".Condition."+op)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// GroupConditions renders the conditions of a Conditional decision as
// human-readable requirements, all of which must hold: each plain condition
// on its own, and the negated conditions of one Deny statement together as
// `not (A and B)`.
func GroupConditions(cs []Condition) []string {
	var out []string
	var order []*Statement
	groups := map[*Statement][]Condition{}
	for _, c := range cs {
		if !c.Negated {
			out = append(out, c.String())
			continue
		}
		if _, ok := groups[c.Statement]; !ok {
			order = append(order, c.Statement)
		}
		groups[c.Statement] = append(groups[c.Statement], c)
	}
	for _, st := range order {
		g := groups[st]
		parts := make([]string, len(g))
		for i, c := range g {
			c.Negated = false
			parts[i] = c.String()
		}
		text := "not (" + strings.Join(parts, " and ") + ")"
		if st != nil {
			text += " [deny: " + st.String() + "]"
		}
		out = append(out, text)
	}
	return out
}
