package iam_test

import (
	"fmt"

	"github.com/parapet-sec/parapet/internal/iam"
)

// A bucket readable only from the office network: the answer is
// conditional until the request's source address is known.
func ExampleModel_Evaluate() {
	identity, _ := iam.ParsePolicy([]byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"ReadReports","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*",
		 "Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}]}`))
	identity.Source = "user/analyst inline policy reports"

	m := iam.NewModel()
	m.AddPrincipal(&iam.Principal{
		ARN: "arn:aws:iam::111122223333:user/analyst", Kind: iam.KindUser, Name: "analyst",
		Account: "111122223333", Inline: []*iam.Policy{identity},
	})
	req := iam.Request{Principal: "arn:aws:iam::111122223333:user/analyst", Action: "s3:GetObject", Resource: "arn:aws:s3:::reports/q1.csv"}

	d := m.Evaluate(req)
	fmt.Println(d.Result, "if", iam.GroupConditions(d.Conditions))

	req.Context = map[string][]string{"aws:SourceIp": {"198.51.100.4"}}
	fmt.Println(m.Evaluate(req).Result, "from 198.51.100.4")

	req.Context = map[string][]string{"aws:SourceIp": {"203.0.113.9"}}
	d = m.Evaluate(req)
	fmt.Println(d.Result, "from 203.0.113.9 by", d.Statements[0])
	// Output:
	// conditional if [IpAddress aws:SourceIp ["203.0.113.0/24"]]
	// denied from 198.51.100.4
	// allowed from 203.0.113.9 by user/analyst inline policy reports statement "ReadReports"
}
