package terraform

import (
	"encoding/json"
	"sort"
)

// renderPolicyDocument builds the JSON an aws_iam_policy_document data
// source returns from its arguments: source_policy_documents first, then
// its own statements, then override_policy_documents replacing statements
// with the same Sid. Unknown parts stay as markers in the strings; a source
// document that is wholly unknown makes the result unknown.
func renderPolicyDocument(v map[string]any) string {
	var stmts []map[string]any
	for _, src := range strList(v["source_policy_documents"]) {
		s, ok := docStatements(src)
		if !ok {
			return Unknown
		}
		stmts = mergeBySid(stmts, s)
	}
	var own []map[string]any
	for _, b := range blocks(v["statement"]) {
		own = append(own, renderStatement(b))
	}
	stmts = mergeBySid(stmts, own)
	for _, src := range strList(v["override_policy_documents"]) {
		s, ok := docStatements(src)
		if !ok {
			return Unknown
		}
		stmts = mergeBySid(stmts, s)
	}
	doc := map[string]any{"Version": "2012-10-17"}
	if ver := str(v["version"]); ver != "" {
		doc["Version"] = ver
	}
	if id := str(v["policy_id"]); id != "" {
		doc["Id"] = id
	}
	if stmts == nil {
		stmts = []map[string]any{}
	}
	doc["Statement"] = stmts
	return compactJSON(doc)
}

func docStatements(src string) ([]map[string]any, bool) {
	var doc struct {
		Statement json.RawMessage
	}
	if err := json.Unmarshal([]byte(src), &doc); err != nil {
		return nil, false
	}
	var list []map[string]any
	if err := json.Unmarshal(doc.Statement, &list); err != nil {
		var one map[string]any
		if err := json.Unmarshal(doc.Statement, &one); err != nil {
			return nil, false
		}
		list = []map[string]any{one}
	}
	return list, true
}

// mergeBySid appends add to base; a statement with a Sid already present
// replaces it in place, as the provider does.
func mergeBySid(base, add []map[string]any) []map[string]any {
	for _, s := range add {
		sid, _ := s["Sid"].(string)
		replaced := false
		if sid != "" {
			for i, b := range base {
				if b["Sid"] == sid {
					base[i], replaced = s, true
					break
				}
			}
		}
		if !replaced {
			base = append(base, s)
		}
	}
	return base
}

func renderStatement(b map[string]any) map[string]any {
	s := map[string]any{}
	if sid := str(b["sid"]); sid != "" {
		s["Sid"] = sid
	}
	s["Effect"] = "Allow"
	if e := str(b["effect"]); e != "" {
		s["Effect"] = e
	}
	for k, out := range map[string]string{"actions": "Action", "not_actions": "NotAction", "resources": "Resource", "not_resources": "NotResource"} {
		if vs := strList(b[k]); len(vs) > 0 {
			s[out] = oneOrMany(vs)
		} else if x, isStr := b[k].(string); isStr && pureUnknown(x) {
			s[out] = x
		}
	}
	for k, out := range map[string]string{"principals": "Principal", "not_principals": "NotPrincipal"} {
		ps := blocks(b[k])
		if len(ps) == 0 {
			continue
		}
		byType := map[string][]string{}
		for _, p := range ps {
			t := str(p["type"])
			byType[t] = append(byType[t], strList(p["identifiers"])...)
		}
		if ids, ok := byType["*"]; ok && len(byType) == 1 && len(ids) == 1 && ids[0] == "*" {
			s[out] = "*"
			continue
		}
		m := map[string]any{}
		for t, ids := range byType {
			m[t] = oneOrMany(ids)
		}
		s[out] = m
	}
	if cs := blocks(b["condition"]); len(cs) > 0 {
		m := map[string]map[string]any{}
		for _, c := range cs {
			test, variable := str(c["test"]), str(c["variable"])
			if m[test] == nil {
				m[test] = map[string]any{}
			}
			vals := strList(c["values"])
			if prev, ok := m[test][variable]; ok {
				vals = append(strList(prev), vals...)
			}
			m[test][variable] = oneOrMany(vals)
		}
		s["Condition"] = m
	}
	return s
}

// oneOrMany renders a list the provider's way: one value as a string, more
// as a sorted list without duplicates.
func oneOrMany(vs []string) any {
	seen := map[string]bool{}
	var out []string
	for _, v := range vs {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	if len(out) == 1 {
		return out[0]
	}
	sort.Strings(out)
	return out
}
