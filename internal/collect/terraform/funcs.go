package terraform

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// maxFileSize bounds what file() and templatefile() read.
const maxFileSize = 4 << 20

// functions returns Terraform's common built-in functions. Those that need
// the apply-time world (timestamp, uuid, ...) return unknown values; an
// unsupported function makes its expression unknown, with a warning.
// file() and templatefile() read only inside the configuration's folders.
func (l *loader) functions() map[string]function.Function {
	fs := map[string]function.Function{
		"abs": stdlib.AbsoluteFunc, "ceil": stdlib.CeilFunc, "floor": stdlib.FloorFunc,
		"log": stdlib.LogFunc, "max": stdlib.MaxFunc, "min": stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc, "pow": stdlib.PowFunc, "signum": stdlib.SignumFunc,
		"chomp": stdlib.ChompFunc, "format": stdlib.FormatFunc, "formatlist": stdlib.FormatListFunc,
		"indent": stdlib.IndentFunc, "join": stdlib.JoinFunc, "lower": stdlib.LowerFunc,
		"regex": stdlib.RegexFunc, "regexall": stdlib.RegexAllFunc, "replace": stdlib.ReplaceFunc,
		"split": stdlib.SplitFunc, "strrev": stdlib.ReverseFunc, "substr": stdlib.SubstrFunc,
		"title": stdlib.TitleFunc, "trim": stdlib.TrimFunc, "trimprefix": stdlib.TrimPrefixFunc,
		"trimsuffix": stdlib.TrimSuffixFunc, "trimspace": stdlib.TrimSpaceFunc, "upper": stdlib.UpperFunc,
		"chunklist": stdlib.ChunklistFunc, "coalesce": stdlib.CoalesceFunc, "coalescelist": stdlib.CoalesceListFunc,
		"compact": stdlib.CompactFunc, "concat": stdlib.ConcatFunc, "contains": stdlib.ContainsFunc,
		"distinct": stdlib.DistinctFunc, "element": stdlib.ElementFunc, "flatten": stdlib.FlattenFunc,
		"index": stdlib.IndexFunc, "keys": stdlib.KeysFunc, "length": stdlib.LengthFunc,
		"lookup": stdlib.LookupFunc, "merge": stdlib.MergeFunc, "range": stdlib.RangeFunc,
		"reverse": stdlib.ReverseListFunc, "setintersection": stdlib.SetIntersectionFunc,
		"setproduct": stdlib.SetProductFunc, "setsubtract": stdlib.SetSubtractFunc, "setunion": stdlib.SetUnionFunc,
		"slice": stdlib.SliceFunc, "sort": stdlib.SortFunc, "values": stdlib.ValuesFunc, "zipmap": stdlib.ZipmapFunc,
		"csvdecode": stdlib.CSVDecodeFunc, "jsondecode": stdlib.JSONDecodeFunc, "jsonencode": stdlib.JSONEncodeFunc,
		"formatdate": stdlib.FormatDateFunc, "timeadd": stdlib.TimeAddFunc,
		"tobool": stdlib.MakeToFunc(cty.Bool), "tonumber": stdlib.MakeToFunc(cty.Number),
		"tostring": stdlib.MakeToFunc(cty.String), "tolist": stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"toset": stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)), "tomap": stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"try": tryfunc.TryFunc, "can": tryfunc.CanFunc,
		"startswith": stringPredicate(strings.HasPrefix), "endswith": stringPredicate(strings.HasSuffix),
		"strcontains":  stringPredicate(strings.Contains),
		"base64encode": stringFunc(func(s string) (string, error) { return base64.StdEncoding.EncodeToString([]byte(s)), nil }),
		"base64decode": stringFunc(func(s string) (string, error) {
			b, err := base64.StdEncoding.DecodeString(s)
			return string(b), err
		}),
		"basename":     stringFunc(func(s string) (string, error) { return filepath.Base(s), nil }),
		"dirname":      stringFunc(func(s string) (string, error) { return filepath.Dir(s), nil }),
		"urlencode":    stringFunc(func(s string) (string, error) { return url.QueryEscape(s), nil }),
		"sensitive":    identityFunc,
		"nonsensitive": identityFunc,
		"md5":          hashFunc(md5.New),
		"sha1":         hashFunc(sha1.New),
		"sha256":       hashFunc(sha256.New),
		"sha512":       hashFunc(sha512.New),
		"one":          oneFunc,
		"sum":          sumFunc,
		"alltrue":      boolFold(true), "anytrue": boolFold(false),
		"timestamp": unknownFunc(cty.String), "uuid": unknownFunc(cty.String),
		"bcrypt": unknownFunc(cty.String), "plantimestamp": unknownFunc(cty.String),
	}
	fs["file"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := l.readFile(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(string(b)), nil
		},
	})
	fs["filebase64"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			b, err := l.readFile(args[0].AsString())
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(base64.StdEncoding.EncodeToString(b)), nil
		},
	})
	fs["fileexists"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			_, err := l.readFile(args[0].AsString())
			return cty.BoolVal(err == nil), nil
		},
	})
	for name, f := range fs {
		if !markerTransparent[name] {
			fs[name] = unknownIfMarked(f, nil)
		}
	}
	fs["lookup"] = unknownIfMarked(stdlib.LookupFunc, []int{1})
	fs["length"] = lengthFunc
	base := make(map[string]function.Function, len(fs))
	for k, v := range fs {
		base[k] = v
	}
	fs["templatefile"] = function.New(&function.Spec{
		Params: []function.Parameter{{Name: "path", Type: cty.String}, {Name: "vars", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			path := args[0].AsString()
			b, err := l.readFile(path)
			if err != nil {
				return cty.NilVal, err
			}
			expr, diags := hclsyntax.ParseTemplate(b, path, hcl.Pos{Line: 1, Column: 1, Byte: 0})
			if diags.HasErrors() {
				return cty.NilVal, diags
			}
			vars := args[1]
			if !vars.IsWhollyKnown() {
				return cty.UnknownVal(cty.String), nil
			}
			ty := vars.Type()
			if !ty.IsObjectType() && !ty.IsMapType() {
				return cty.NilVal, fmt.Errorf("templatefile: vars must be an object or map")
			}
			m := map[string]cty.Value{}
			for it := vars.ElementIterator(); it.Next(); {
				k, v := it.Element()
				m[k.AsString()] = v
			}
			v, diags := expr.Value(&hcl.EvalContext{Variables: m, Functions: base})
			if diags.HasErrors() {
				return cty.NilVal, diags
			}
			return v, nil
		},
	})
	return fs
}

// markerTransparent are the functions that keep the known parts of values
// around unknown markers (they build strings and collections without
// looking inside them). Every other function given a marked value returns
// unknown: contains(list, "<unknown>") or replace() on a marker would
// otherwise be a guess.
var markerTransparent = map[string]bool{
	"format": true, "formatlist": true, "join": true, "concat": true, "merge": true, "jsonencode": true,
	"jsondecode": true, "tolist": true, "toset": true, "tomap": true, "tostring": true, "flatten": true,
	"distinct": true, "compact": true, "element": true, "keys": true, "values": true, "coalesce": true,
	"coalescelist": true, "zipmap": true, "slice": true, "reverse": true, "setunion": true, "setproduct": true,
	"lower": true, "trimspace": true, "chomp": true, "indent": true, "chunklist": true, "sort": true,
	"try": true, "can": true, "one": true, "sensitive": true, "nonsensitive": true,
	// These handle markers themselves.
	"startswith": true, "endswith": true, "strcontains": true, "base64encode": true, "base64decode": true,
	"md5": true, "sha1": true, "sha256": true, "sha512": true, "alltrue": true, "anytrue": true,
	"timestamp": true, "uuid": true, "bcrypt": true, "plantimestamp": true,
	// Numbers only, or wrapped separately.
	"abs": true, "ceil": true, "floor": true, "log": true, "max": true, "min": true, "pow": true,
	"signum": true, "range": true, "sum": true, "lookup": true, "length": true,
}

// unknownIfMarked wraps f so that it returns an unknown value when one of
// the arguments at positions (all when nil) holds an unknown marker, or
// when a string argument of length does.
func unknownIfMarked(f function.Function, positions []int) function.Function {
	spec := &function.Spec{
		Params:   f.Params(),
		VarParam: f.VarParam(),
		Type:     func(args []cty.Value) (cty.Type, error) { return f.ReturnTypeForValues(args) },
		Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
			for i, a := range args {
				if positions != nil && !containsInt(positions, i) {
					continue
				}
				if hasMarker(a) {
					return cty.UnknownVal(ret), nil
				}
			}
			return f.Call(args)
		},
	}
	return function.New(spec)
}

func containsInt(l []int, x int) bool {
	for _, v := range l {
		if v == x {
			return true
		}
	}
	return false
}

// hasMarker reports whether v holds a string with an unknown marker.
func hasMarker(v cty.Value) bool {
	v, _ = v.UnmarkDeep()
	if !v.IsKnown() || v.IsNull() {
		return false
	}
	ty := v.Type()
	switch {
	case ty == cty.String:
		return IsUnknown(v.AsString())
	case ty.IsListType() || ty.IsSetType() || ty.IsTupleType() || ty.IsMapType() || ty.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			if hasMarker(e) || (ty.IsMapType() || ty.IsObjectType()) && hasMarker(k) {
				return true
			}
		}
	}
	return false
}

// lengthFunc is Terraform's length: of a collection, or of a string in
// characters (unknown when the string holds an unknown part).
var lengthFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowDynamicType: true}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		if v.Type() == cty.String {
			if !v.IsKnown() || v.IsNull() || IsUnknown(v.AsString()) {
				return cty.UnknownVal(cty.Number), nil
			}
			return cty.NumberIntVal(int64(utf8.RuneCountInString(v.AsString()))), nil
		}
		return stdlib.LengthFunc.Call(args)
	},
})

// guardedEquality are the == and != operators made unknown when an
// operand holds an unknown marker: "<unknown:var.env>" == "prod" is not
// known to be false.
var guardedEquality = map[*hclsyntax.Operation]*hclsyntax.Operation{
	hclsyntax.OpEqual:    guardOperation(hclsyntax.OpEqual),
	hclsyntax.OpNotEqual: guardOperation(hclsyntax.OpNotEqual),
}

func guardOperation(op *hclsyntax.Operation) *hclsyntax.Operation {
	return &hclsyntax.Operation{Impl: unknownIfMarked(op.Impl, nil), Type: op.Type, ShortCircuit: op.ShortCircuit}
}

// readFile reads a file named by file() or templatefile(), relative to the
// root module as Terraform does, and only inside the configuration's
// project: the root and module folders, and the git work tree around the
// root (or, outside git, the root's parent folder unless that is the file
// system root or the home folder), never through a hidden file or folder
// (.git, .ssh, .aws, .env, ...). A configuration under review, say from a
// pull request, must not make Parapet copy a CI credential or a key into a
// report.
func (l *loader) readFile(name string) ([]byte, error) {
	p := name
	if !filepath.IsAbs(p) {
		p = filepath.Join(l.rootDir, p)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, err
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	inside := false
	for _, d := range l.allowed {
		rel, err := filepath.Rel(d, abs)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			continue
		}
		hidden := false
		for _, part := range strings.Split(rel, string(filepath.Separator)) {
			hidden = hidden || strings.HasPrefix(part, ".") && part != "."
		}
		if !hidden {
			inside = true
			break
		}
	}
	if !inside {
		return nil, fmt.Errorf("%s is outside the configuration's project or hidden; not read", name)
	}
	st, err := os.Stat(abs)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file; not read", name)
	}
	if st.Size() > maxFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes; not read", name, maxFileSize)
	}
	return os.ReadFile(abs)
}

// projectFolder returns the folder around the root module that file() may
// also read: the git work tree holding it, or else its parent folder when
// that is neither the file system root nor the home folder; "" for none.
func projectFolder(root string) string {
	for d := root; ; {
		if _, err := os.Lstat(filepath.Join(d, ".git")); err == nil {
			return d
		}
		up := filepath.Dir(d)
		if up == d {
			break
		}
		d = up
	}
	parent := filepath.Dir(root)
	home, _ := os.UserHomeDir()
	if parent == root || parent == string(filepath.Separator) || home != "" && realPath(home) == parent {
		return ""
	}
	return parent
}

func stringPredicate(f func(s, sub string) bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}, {Name: "sub", Type: cty.String}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s, sub := args[0].AsString(), args[1].AsString()
			if IsUnknown(s) || IsUnknown(sub) {
				return cty.UnknownVal(cty.Bool), nil
			}
			return cty.BoolVal(f(s, sub)), nil
		},
	})
}

func stringFunc(f func(string) (string, error)) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "str", Type: cty.String}},
		Type:   function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			s := args[0].AsString()
			if IsUnknown(s) {
				return cty.UnknownVal(cty.String), nil
			}
			r, err := f(s)
			if err != nil {
				return cty.NilVal, err
			}
			return cty.StringVal(r), nil
		},
	})
}

func hashFunc(h func() hash.Hash) function.Function {
	return stringFunc(func(s string) (string, error) {
		x := h()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil)), nil
	})
}

func unknownFunc(ty cty.Type) function.Function {
	return function.New(&function.Spec{
		VarParam: &function.Parameter{Name: "args", Type: cty.DynamicPseudoType, AllowNull: true, AllowUnknown: true},
		Type:     function.StaticReturnType(ty),
		Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
			return cty.UnknownVal(ty), nil
		},
	})
}

// identityFunc stands for sensitive() and nonsensitive(), which only mark
// values for Terraform's output.
var identityFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "value", Type: cty.DynamicPseudoType, AllowUnknown: true, AllowNull: true, AllowDynamicType: true}},
	Type:   func(args []cty.Value) (cty.Type, error) { return args[0].Type(), nil },
	Impl:   func(args []cty.Value, _ cty.Type) (cty.Value, error) { return args[0], nil },
})

var oneFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.DynamicPseudoType),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		v := args[0]
		ty := v.Type()
		if !ty.IsListType() && !ty.IsSetType() && !ty.IsTupleType() {
			return cty.NilVal, fmt.Errorf("one: want a list, set or tuple")
		}
		switch v.LengthInt() {
		case 0:
			return cty.NullVal(cty.DynamicPseudoType), nil
		case 1:
			it := v.ElementIterator()
			it.Next()
			_, e := it.Element()
			return e, nil
		}
		return cty.NilVal, fmt.Errorf("one: more than one element")
	},
})

var sumFunc = function.New(&function.Spec{
	Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:   function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		total := cty.NumberIntVal(0)
		for it := args[0].ElementIterator(); it.Next(); {
			_, e := it.Element()
			if !e.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			n, err := stdlib.MakeToFunc(cty.Number).Call([]cty.Value{e})
			if err != nil {
				return cty.NilVal, err
			}
			total = total.Add(n)
		}
		return total, nil
	},
})

func boolFold(all bool) function.Function {
	return function.New(&function.Spec{
		Params: []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
		Type:   function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			unknown := false
			for it := args[0].ElementIterator(); it.Next(); {
				_, e := it.Element()
				if !e.IsKnown() || e.Type() == cty.String && IsUnknown(e.AsString()) {
					unknown = true
					continue
				}
				b := e.Type() == cty.Bool && !e.IsNull() && e.True() || e.Type() == cty.String && e.AsString() == "true"
				if b != all {
					return cty.BoolVal(!all), nil
				}
			}
			if unknown {
				return cty.UnknownVal(cty.Bool), nil
			}
			return cty.BoolVal(all), nil
		},
	})
}
