// Package metrics holds referee's Prometheus metrics on a registry owned by
// the server (never the global one), and adapts them to the hooks of the
// engine and the cache.
package metrics

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/referee/referee/cache"
)

// Metrics is the set of referee metrics.
type Metrics struct {
	Registry *prometheus.Registry

	requests        *prometheus.CounterVec
	inFlight        prometheus.Gauge
	requestDuration *prometheus.HistogramVec
	executions      *prometheus.CounterVec
	execDuration    *prometheus.HistogramVec
	execErrors      *prometheus.CounterVec
	cacheHits       *prometheus.CounterVec
	cacheMisses     *prometheus.CounterVec
	joins           prometheus.Counter
	batchItems      prometheus.Histogram

	// Per-label children are looked up once: WithLabelValues hashes its
	// labels on every call, and these are on the per-rollout path.
	verifierObs sync.Map // name -> *verifierObservers
	hitMemory   prometheus.Counter
	hitRemote   prometheus.Counter
	missMemory  prometheus.Counter
	missRemote  prometheus.Counter
}

type verifierObservers struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// New registers every metric on a fresh registry, with the Go and process
// collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "referee_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "referee_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
		requestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "referee_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route"}),
		executions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "referee_verifier_executions_total", Help: "Verifier task executions (cache misses that ran).",
		}, []string{"verifier"}),
		execDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "referee_verifier_duration_seconds", Help: "Verifier task execution time.",
			Buckets: []float64{.000005, .00001, .000025, .00005, .0001, .00025, .0005, .001, .005, .01, .05, .1, .5, 1, 5},
		}, []string{"verifier"}),
		execErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "referee_verifier_errors_total", Help: "Verifier failures at scoring time by kind (timeout, panic, error, canceled).",
		}, []string{"verifier", "kind"}),
		cacheHits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "referee_cache_hits_total", Help: "Cache hits by tier.",
		}, []string{"tier"}),
		cacheMisses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "referee_cache_misses_total", Help: "Cache misses by tier.",
		}, []string{"tier"}),
		joins: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "referee_inflight_joins_total", Help: "Requests that joined an identical in-flight computation in this process.",
		}),
		batchItems: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "referee_batch_items", Help: "Items per batch request.",
			Buckets: prometheus.ExponentialBuckets(1, 4, 7),
		}),
	}
	r.MustRegister(m.requests, m.inFlight, m.requestDuration, m.executions, m.execDuration, m.execErrors,
		m.cacheHits, m.cacheMisses, m.joins, m.batchItems,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.hitMemory = m.cacheHits.WithLabelValues(string(cache.TierMemory))
	m.hitRemote = m.cacheHits.WithLabelValues(string(cache.TierRemote))
	m.missMemory = m.cacheMisses.WithLabelValues(string(cache.TierMemory))
	m.missRemote = m.cacheMisses.WithLabelValues(string(cache.TierRemote))
	return m
}

// Request records one HTTP request.
func (m *Metrics) Request(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.requestDuration.WithLabelValues(route).Observe(d.Seconds())
}

// Started records that a request began; call the returned func when it ends.
func (m *Metrics) Started() func() {
	m.inFlight.Inc()
	return m.inFlight.Dec
}

// TasksOverrunning registers a gauge of the engine's tasks that are still
// running past their deadline (verifiers.Engine.Overrunning).
func (m *Metrics) TasksOverrunning(f func() int) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "referee_tasks_overrunning",
		Help: "Verifier tasks still running after their deadline; each keeps its engine slot until it ends.",
	}, func() float64 { return float64(f()) }))
}

// Batch records the size of a batch.
func (m *Metrics) Batch(items int) { m.batchItems.Observe(float64(items)) }

// ObserveTask is the engine's Observe hook.
func (m *Metrics) ObserveTask(verifier string, d time.Duration, failure string) {
	o, ok := m.verifierObs.Load(verifier)
	if !ok {
		o, _ = m.verifierObs.LoadOrStore(verifier, &verifierObservers{
			count:    m.executions.WithLabelValues(verifier),
			duration: m.execDuration.WithLabelValues(verifier),
		})
	}
	vo := o.(*verifierObservers)
	vo.count.Inc()
	vo.duration.Observe(d.Seconds())
	if failure != "" {
		m.execErrors.WithLabelValues(verifier, failure).Inc()
	}
}

// Hit implements cache.Stats.
func (m *Metrics) Hit(t cache.Tier) {
	if t == cache.TierRemote {
		m.hitRemote.Inc()
	} else {
		m.hitMemory.Inc()
	}
}

// Miss implements cache.Stats.
func (m *Metrics) Miss(t cache.Tier) {
	if t == cache.TierRemote {
		m.missRemote.Inc()
	} else {
		m.missMemory.Inc()
	}
}

// Join implements cache.Stats.
func (m *Metrics) Join() { m.joins.Inc() }

var _ cache.Stats = (*Metrics)(nil)
