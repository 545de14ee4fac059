package main

import (
	"context"
	"errors"
	"fmt"

	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/gateway"
)

func newGatewayCmd() *cobra.Command {
	var configFile, logFormat string
	cmd := &cobra.Command{
		Use:   "gateway --config FILE",
		Short: "Run the MCP guardrail gateway between agents and their tool servers",
		Long: `The gateway serves MCP over streamable HTTP at /mcp and decides on every
tools/call: agent identity, Rego policy, argument guards (SSRF, destructive
commands), signed plans, budgets, human approvals, response inspection, and a
decision record in the signed audit log before the call runs. See
docs/gateway.md for the configuration file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configFile == "" {
				return withCode(exitUsage, errors.New("--config is required"))
			}
			cfg, err := gateway.LoadConfig(configFile)
			if err != nil {
				return withCode(exitUsage, err)
			}
			gateway.TuneGC()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			logger, err := newLogger(logFormat)
			if err != nil {
				return err
			}
			rt, err := gateway.Start(ctx, cfg, gateway.Hooks{Logger: logger, Plans: planVerifier(cfg)})
			if err != nil {
				return err
			}
			defer rt.Close()
			ln, err := net.Listen("tcp", cfg.Listen)
			if err != nil {
				return withCode(exitUsage, err)
			}
			srv := &http.Server{Handler: rt.Handler(), ReadHeaderTimeout: 10 * time.Second}
			logger.Info("parapet gateway listening", "addr", ln.Addr().String(), "mcp", "/mcp", "upstreams", len(cfg.Upstreams))
			go func() {
				<-ctx.Done()
				sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				srv.Shutdown(sctx)
			}()
			if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "the gateway's YAML configuration file")
	cmd.Flags().StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	cmd.AddCommand(newGatewayStdioCmd())
	return cmd
}

func newGatewayStdioCmd() *cobra.Command {
	var configFile, agent, network, logFormat string
	cmd := &cobra.Command{
		Use:   "stdio [--config FILE] [--agent ID] [--network proxy|none|host] -- CMD [ARGS...]",
		Short: "Wrap one stdio MCP server: put this command in an MCP client's configuration",
		Long: `Runs CMD as the only upstream (named "tool") and serves the gateway on
stdin and stdout, so an MCP client's configuration can start
"parapet gateway stdio -- npx some-mcp-server" instead of the server itself.
Every call runs as the agent --agent names (default: the first agent of the
configuration, or "stdio-agent"). CMD runs in a network namespace of its
own whose only way out is the gateway's egress proxy (--network proxy, the
default on Linux), with no network (none), or in the gateway's network
(host). Without --config, the store is the default
audit store, which must exist (parapet audit init). When the configuration
names approvers, the approvals API listens on its listen address, so that
parapet approvals can decide requests.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg := &gateway.Config{}
			if configFile != "" {
				c, err := gateway.LoadConfig(configFile)
				if err != nil {
					return withCode(exitUsage, err)
				}
				cfg = c
			}
			var up gateway.Upstream
			if len(cfg.Upstreams) > 0 { // the configuration's first upstream sets the wrapped server's environment, network, user, ...
				up = cfg.Upstreams[0]
				up.URL, up.Headers = "", nil
			}
			up.Name, up.Command, up.Args = "tool", args[0], args[1:]
			if network != "" {
				up.Network = network
			}
			cfg.Upstreams = []gateway.Upstream{up}
			if cfg.Store == "" {
				cfg.Store = defaultAuditStore()
			}
			if cfg.Audit.Key == "" {
				if _, err := os.Stat(defaultAuditKey()); err == nil {
					// parapet audit init's key: sign checkpoints with it (and
					// keep it from the wrapped server).
					cfg.Audit.Key = defaultAuditKey()
				}
			}
			if err := cfg.Validate(); err != nil {
				return withCode(exitUsage, err)
			}
			caller, err := cfg.StdioCaller(agent)
			if err != nil {
				return withCode(exitUsage, err)
			}
			gateway.TuneGC()
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			// Logs go to stderr: stdout carries the protocol.
			logger, err := newLogger(logFormat)
			if err != nil {
				return err
			}
			rt, err := gateway.Start(ctx, cfg, gateway.Hooks{Logger: logger, Plans: planVerifier(cfg)})
			if err != nil {
				return err
			}
			defer rt.Close()
			if len(cfg.Approvers) > 0 {
				// Approvers decide through the HTTP API (parapet approvals),
				// so it runs beside the stdio session.
				ln, err := net.Listen("tcp", cfg.Listen)
				if err != nil {
					return withCode(exitUsage, fmt.Errorf("approvals API: %w", err))
				}
				srv := &http.Server{Handler: rt.Handler(), ReadHeaderTimeout: 10 * time.Second}
				go srv.Serve(ln)
				defer srv.Close()
				logger.Info("approvals API listening", "addr", ln.Addr().String())
			}
			return rt.Gateway.MCPServer(caller).Run(ctx, &mcp.StdioTransport{})
		},
	}
	cmd.Flags().StringVar(&configFile, "config", "", "a gateway configuration for policies, tools, agents and store (its upstreams are replaced by CMD)")
	cmd.Flags().StringVar(&agent, "agent", "", "the agent identity every call runs as")
	cmd.Flags().StringVar(&logFormat, "log-format", "text", "log format on stderr: text or json")
	cmd.Flags().StringVar(&network, "network", "", "the network CMD reaches: proxy (only through the egress proxy), none, or host (default: the configuration's first upstream's, else proxy)")
	return cmd
}

// planVerifier returns the signed-plan check for tools that apply
// infrastructure changes, when plan keys are configured.
func planVerifier(cfg *gateway.Config) gateway.PlanVerifier {
	if cfg.Approvals.PlanKeys == "" {
		return nil
	}
	return gateway.PlanKeys{Dir: cfg.Approvals.PlanKeys}
}
