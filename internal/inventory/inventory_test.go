package inventory

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func sample(order []int) *Snapshot {
	nodes := []*Node{
		{ID: "arn:aws:iam::111122223333:role/agent", Kind: KindIAMRole, Name: "agent", Tags: map[string]string{"team": "ml"}},
		{ID: "arn:aws:s3:::customer-data", Kind: KindS3Bucket, Sensitivity: SensitivityHigh},
		{ID: InternetID, Kind: KindInternet},
	}
	s := New()
	for _, i := range order {
		s.Add(nodes[i])
	}
	s.Connect("arn:aws:iam::111122223333:role/agent", "arn:aws:s3:::customer-data", EdgeCanRead, map[string]any{"actions": []string{"s3:GetObject"}})
	s.Connect(InternetID, "arn:aws:iam::111122223333:role/agent", EdgeReaches, nil)
	return s
}

func TestEncodingIsDeterministicWhateverTheInsertionOrder(t *testing.T) {
	var a, b bytes.Buffer
	if err := sample([]int{0, 1, 2}).Encode(&a); err != nil {
		t.Fatal(err)
	}
	if err := sample([]int{2, 1, 0}).Encode(&b); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("encodings differ:\n%s\n%s", a.String(), b.String())
	}
	back, err := Decode(&a, "snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Nodes) != 3 || len(back.Edges) != 2 || back.Node(InternetID) == nil {
		t.Fatalf("round trip lost data: %+v", back)
	}
}

func TestAddMergesNodesWithTheSameID(t *testing.T) {
	s := New()
	s.Add(&Node{ID: "x", Kind: KindS3Bucket, Tags: map[string]string{"a": "1"}, Sensitivity: SensitivityLow})
	got := s.Add(&Node{ID: "x", Name: "bucket", Tags: map[string]string{"a": "2", "b": "3"}, Sensitivity: SensitivityCritical})
	if len(s.Nodes) != 1 || got.Name != "bucket" || got.Tags["a"] != "1" || got.Tags["b"] != "3" || got.Sensitivity != SensitivityCritical {
		t.Fatalf("merge: %+v", got)
	}
}

func TestDuplicateEdgesAreMergedOnNormalize(t *testing.T) {
	s := New()
	s.Connect("a", "b", EdgeCanRead, map[string]any{"x": 1})
	s.Connect("a", "b", EdgeCanRead, map[string]any{"y": 2})
	s.Connect("a", "b", EdgeCanWrite, nil)
	s.Normalize()
	if len(s.Edges) != 2 || s.Edges[0].Props["x"] != 1 || s.Edges[0].Props["y"] != 2 {
		t.Fatalf("edges: %+v", s.Edges)
	}
}

func TestDecodeErrorsNameTheLine(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"malformed JSON":   {"{\n  \"schema\": \"parapet.snapshot/v1\",\n  \"nodes\": [,]\n}", "snap.json:3:"},
		"a wrong type":     {"{\"schema\": \"parapet.snapshot/v1\", \"nodes\": {}}", "field nodes"},
		"another schema":   {"{\"schema\": \"parapet.snapshot/v9\"}", "schema \"parapet.snapshot/v9\""},
		"a truncated file": {"{\"schema\": \"parapet.snap", "snap.json"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.in), "snap.json")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestSeverityOrderAndFailOn(t *testing.T) {
	if !High.AtLeast(Medium) || Low.AtLeast(Medium) || Critical.AtLeast("none") {
		t.Fatal("severity order is wrong")
	}
	if _, err := ParseSeverity("urgent"); err == nil {
		t.Fatal("an unknown severity was accepted")
	}
	if s, err := ParseSeverity(" HIGH "); err != nil || s != High {
		t.Fatalf("got %q %v", s, err)
	}
}

func FuzzDecode(f *testing.F) {
	var b bytes.Buffer
	sample([]int{0, 1, 2}).Encode(&b)
	f.Add(b.Bytes())
	f.Add([]byte(`{"schema":"parapet.snapshot/v1","nodes":[{"id":"x"}],"edges":[{"from":"x","to":"y"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Decode(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := s.Encode(&out); err != nil {
			t.Fatalf("a decoded snapshot does not encode: %v", err)
		}
	})
}

func TestJSONErrorSpeaksJSONNotGo(t *testing.T) {
	type page struct {
		Users []struct {
			Name string `json:"UserName"`
		} `json:"UserDetailList"`
		Count int     `json:"Count"`
		Flag  bool    `json:"Flag"`
		Ratio float64 `json:"Ratio"`
	}
	tests := []struct {
		name, in, want string
	}{
		{"a number where an array belongs", `{"UserDetailList": 5}`, `authz.json:1:21: field UserDetailList: got a JSON number, want an array`},
		{"a string where an object belongs", `{"UserDetailList": ["x"]}`, `authz.json:1:24: field UserDetailList: got a JSON string, want an object`},
		{"an object where a string belongs", "{\n\"UserDetailList\": [{\"UserName\": {}}]}", `authz.json:2:34: field UserDetailList.UserName: got a JSON object, want a string`},
		{"a fraction where a whole number belongs", `{"Count": 1.5}`, `authz.json:1:14: field Count: got a JSON number 1.5, want a whole number`},
		{"a string where a boolean belongs", `{"Flag": "yes"}`, `authz.json:1:15: field Flag: got a JSON string, want true or false`},
		{"an array where a number belongs", `{"Ratio": []}`, `authz.json:1:12: field Ratio: got a JSON array, want a number`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p page
			derr := json.Unmarshal([]byte(tt.in), &p)
			err := JSONError("authz.json", []byte(tt.in), derr)
			if err.Error() != tt.want {
				t.Errorf("got  %s\nwant %s", err, tt.want)
			}
			var te *json.UnmarshalTypeError
			if !errors.As(err, &te) {
				t.Errorf("the error does not unwrap to the decoder's *json.UnmarshalTypeError")
			}
		})
	}
}
