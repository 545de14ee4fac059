package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/gateway"
)

// approverClient calls the gateway's approvals API with an approver's token.
type approverClient struct {
	base  string
	token string
}

func (c *approverClient) do(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, strings.TrimSuffix(c.base, "/")+path, rd)
	if err != nil {
		return withCode(exitUsage, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = strings.TrimSpace(string(data))
		}
		return fmt.Errorf("gateway answered %s: %s", resp.Status, e.Error)
	}
	return json.Unmarshal(data, out)
}

func newApprovalsCmd() *cobra.Command {
	var base, tokenFile string
	cmd := &cobra.Command{
		Use:   "approvals",
		Short: "List, approve and deny the tool calls waiting for a person, and reset blocked agents",
		Long: `Talks to a running gateway's approvals API with an approver's own token,
read from --token-file or the PARAPET_APPROVER_TOKEN environment variable.
An agent's credentials are refused: an agent can never approve a call.`,
	}
	cmd.PersistentFlags().StringVar(&base, "gateway", envOr("PARAPET_GATEWAY", "http://127.0.0.1:8088"), "the gateway's base URL (env PARAPET_GATEWAY)")
	cmd.PersistentFlags().StringVar(&tokenFile, "token-file", "", "file holding the approver's token (default: env PARAPET_APPROVER_TOKEN)")
	client := func() (*approverClient, error) {
		tok := os.Getenv("PARAPET_APPROVER_TOKEN")
		if tokenFile != "" {
			b, err := os.ReadFile(tokenFile)
			if err != nil {
				return nil, withCode(exitUsage, err)
			}
			tok = strings.TrimSpace(string(b))
		}
		if tok == "" {
			return nil, withCode(exitUsage, errors.New("no approver token: use --token-file or set PARAPET_APPROVER_TOKEN"))
		}
		return &approverClient{base: base, token: tok}, nil
	}

	var status, format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List approval requests (pending by default)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch status {
			case "all":
				status = ""
			case "pending", "approved", "denied", "used":
			default:
				return withCode(exitUsage, fmt.Errorf("--status %q: want pending, approved, denied, used or all", status))
			}
			c, err := client()
			if err != nil {
				return err
			}
			var out struct {
				Approvals []gateway.ApprovalView `json:"approvals"`
			}
			if err := c.do("GET", "/approvals?status="+status, nil, &out); err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tAGENT\tTOOL\tEXPIRES\tREASON")
			for _, a := range out.Approvals {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Status, a.Agent, a.Tool, a.ExpiresAt.Local().Format(time.Kitchen), a.Reason)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&status, "status", "pending", "pending, approved, denied, used or all")
	list.Flags().StringVar(&format, "format", "table", "table or json")

	decide := func(verb string) *cobra.Command {
		var note string
		c := &cobra.Command{
			Use:   verb + " ID",
			Short: strings.ToUpper(verb[:1]) + verb[1:] + " a pending request; the decision is logged under your name",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				c, err := client()
				if err != nil {
					return err
				}
				var v gateway.ApprovalView
				if err := c.do("POST", "/approvals/"+args[0]+"/"+verb, map[string]string{"note": note}, &v); err != nil {
					return err
				}
				fmt.Printf("%s %s: %s calling %s, by %s\n", v.ID, v.Status, v.Agent, v.Tool, v.Approver)
				return nil
			},
		}
		c.Flags().StringVar(&note, "note", "", "why, for the log")
		return c
	}
	reset := &cobra.Command{
		Use:   "reset-agent ID",
		Short: "Unblock an agent the circuit breaker tripped",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := client()
			if err != nil {
				return err
			}
			var out map[string]any
			if err := c.do("POST", "/agents/"+args[0]+"/reset", nil, &out); err != nil {
				return err
			}
			fmt.Printf("agent %s reset (was blocked: %v)\n", args[0], out["was_blocked"])
			return nil
		},
	}
	cmd.AddCommand(list, decide("approve"), decide("deny"), reset)
	return cmd
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
