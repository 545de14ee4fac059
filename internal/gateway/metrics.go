package gateway

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus metrics.
type Metrics struct {
	calls      *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	trips      *prometheus.CounterVec
	injections *prometheus.CounterVec
	durability prometheus.Histogram
	lostRecs   prometheus.Counter
	overhead   prometheus.Histogram
}

// NewMetrics creates the metrics and registers them with reg (nil: not
// registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parapet_gateway_calls_total", Help: "Tool calls decided, by tool and verdict.",
		}, []string{"tool", "verdict"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "parapet_gateway_call_seconds", Help: "Time to decide and complete a tool call, upstream included.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .05, .25, 1, 5},
		}, []string{"verdict"}),
		trips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parapet_gateway_breaker_trips_total", Help: "Circuit-breaker trips, by agent.",
		}, []string{"agent"}),
		injections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parapet_gateway_injections_total", Help: "Tool responses withheld for prompt injection, by tool.",
		}, []string{"tool"}),
		durability: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parapet_gateway_audit_durability_seconds", Help: "Time from queuing a decision record to its being durable in the log.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, 1},
		}),
		lostRecs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parapet_gateway_audit_records_lost_total", Help: "Decision records the log could not commit after they were queued.",
		}),
		overhead: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "parapet_gateway_overhead_seconds", Help: "Time the gateway spent on a tool call, from reading the request to writing the response, less the upstream's response time.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .00075, .001, .0025, .005, .01, .05},
		}),
	}
	if reg != nil {
		reg.MustRegister(m.calls, m.latency, m.trips, m.injections, m.durability, m.lostRecs, m.overhead)
	}
	return m
}

func (m *Metrics) observe(tool, verdict string, d time.Duration) {
	m.calls.WithLabelValues(tool, verdict).Inc()
	m.latency.WithLabelValues(verdict).Observe(d.Seconds())
}

func (m *Metrics) breakerTripped(agent string) { m.trips.WithLabelValues(agent).Inc() }

func (m *Metrics) injection(tool string) { m.injections.WithLabelValues(tool).Inc() }

func (m *Metrics) durable(d time.Duration) { m.durability.Observe(d.Seconds()) }

func (m *Metrics) lost() { m.lostRecs.Inc() }

func (m *Metrics) overheadOf(d time.Duration) { m.overhead.Observe(d.Seconds()) }
