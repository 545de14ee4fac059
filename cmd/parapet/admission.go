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

	"github.com/spf13/cobra"

	"github.com/parapet-sec/parapet/internal/check"
	"github.com/parapet-sec/parapet/internal/collect/k8s"
	"github.com/parapet-sec/parapet/internal/policy"
)

func newAdmissionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admission",
		Short: "Run the Kubernetes validating admission webhook",
	}
	cmd.AddCommand(newAdmissionServeCmd())
	return cmd
}

func newAdmissionServeCmd() *cobra.Command {
	var (
		addr, certFile, keyFile string
		policies                []string
		sel, skip               []string
		noBuiltin               bool
		pss, mode               string
		nsModes                 []string
		inventoryPaths          []string
		registries              []string
		logFormat               string
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve AdmissionReview v1 over HTTPS with the built-in and your policies",
		Long: `Serve a validating admission webhook: AdmissionReview v1 over HTTPS on
/validate (mode by namespace) and /validate/enforce, /validate/warn and
/validate/audit (mode chosen by the ValidatingWebhookConfiguration's
namespaceSelector), Prometheus metrics on /metrics, and /healthz.

The TLS certificate and key are read from files and reloaded when they
change. deploy/ holds manifests ready to apply.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if certFile == "" || keyFile == "" {
				return withCode(exitUsage, errors.New("--cert and --key are required"))
			}
			def, err := check.ParseMode(mode)
			if err != nil {
				return withCode(exitUsage, fmt.Errorf("--mode: %w", err))
			}
			var rules []check.NamespaceMode
			for _, s := range nsModes {
				r, err := check.ParseNamespaceMode(s)
				if err != nil {
					return withCode(exitUsage, fmt.Errorf("--namespace-mode: %w", err))
				}
				rules = append(rules, r)
			}
			log, err := newLogger(logFormat)
			if err != nil {
				return err
			}
			check.TuneWebhookGC()
			popts, err := check.Options{
				NoBuiltin: noBuiltin, PolicyDirs: policies, Select: splitList(sel), Skip: splitList(skip),
				PSS: pss, AllowedRegistries: registries,
			}.PolicyOptions()
			if err != nil {
				return withCode(exitUsage, err)
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			eng, err := policy.Load(ctx, popts)
			if err != nil {
				return withCode(exitUsage, err)
			}
			if len(inventoryPaths) > 0 {
				objs, err := k8s.Read(inventoryPaths...)
				if err != nil {
					return withCode(exitUsage, fmt.Errorf("--inventory: %w", err))
				}
				raws := make([]map[string]any, len(objs))
				for i, o := range objs {
					raws[i] = o.Raw
				}
				if err := eng.SetClusterInventory(ctx, raws); err != nil {
					return withCode(exitUsage, err)
				}
			}
			rl, err := check.NewCertReloader(certFile, keyFile, log)
			if err != nil {
				return withCode(exitUsage, err)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return withCode(exitUsage, err)
			}
			wh := check.NewWebhook(eng, check.WebhookOptions{Mode: def, Namespaces: rules, Logger: log})
			log.Info("serving admission webhook", "addr", ln.Addr().String(), "checks", len(eng.Checks()), "mode", def)
			if err := check.Serve(ctx, ln, rl.TLSConfig(), wh.Handler(), log); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&addr, "addr", ":8443", "address to listen on")
	f.StringVar(&certFile, "cert", "", "TLS certificate file (PEM), reloaded when it changes")
	f.StringVar(&keyFile, "key", "", "TLS private key file (PEM), reloaded when it changes")
	f.StringArrayVar(&policies, "policy", nil, "add a folder of Rego policies or Gatekeeper templates (repeatable)")
	f.StringSliceVar(&sel, "select", nil, "run only checks matching these ids, globs or prefixes")
	f.StringSliceVar(&skip, "skip", nil, "skip checks matching these ids, globs or prefixes")
	f.BoolVar(&noBuiltin, "no-builtin", false, "run only the policies given with --policy")
	f.StringVar(&pss, "pss", "", "Pod Security level and version: baseline|restricted[:v1.NN] (default restricted:latest)")
	f.StringVar(&mode, "mode", "enforce", "default mode: enforce, warn or audit")
	f.StringArrayVar(&nsModes, "namespace-mode", nil, "mode for matching namespaces, GLOB=MODE (repeatable, first match wins)")
	f.StringArrayVar(&inventoryPaths, "inventory", nil, "manifests or kubectl dumps loaded as data.inventory (repeatable)")
	f.StringArrayVar(&registries, "allowed-registry", nil, "registry agent workloads may pull from (repeatable)")
	f.StringVar(&logFormat, "log-format", "json", "log format: json or text")
	return cmd
}
