package verifiers

import (
	"fmt"
	"sort"
	"sync"
)

// Registry maps names to verifiers. The zero value is not usable; build one
// with NewRegistry. Tests build their own registries.
type Registry struct {
	mu sync.RWMutex
	m  map[string]Verifier
}

// NewRegistry returns a registry holding vs.
func NewRegistry(vs ...Verifier) *Registry {
	r := &Registry{m: make(map[string]Verifier)}
	for _, v := range vs {
		r.Register(v)
	}
	return r
}

// Register adds v. It panics on a nil verifier, an empty name or a duplicate
// name: those are programming errors in the wiring.
func (r *Registry) Register(v Verifier) {
	if v == nil {
		panic("verifiers: Register of nil verifier")
	}
	name := v.Spec().Name
	if name == "" {
		panic("verifiers: Register of verifier with empty name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.m[name]; dup {
		panic(fmt.Sprintf("verifiers: Register called twice for %q", name))
	}
	r.m[name] = v
}

// Lookup returns the verifier registered under name.
func (r *Registry) Lookup(name string) (Verifier, bool) {
	r.mu.RLock()
	v, ok := r.m[name]
	r.mu.RUnlock()
	return v, ok
}

// Names returns the registered names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	names := make([]string, 0, len(r.m))
	for n := range r.m {
		names = append(names, n)
	}
	r.mu.RUnlock()
	sort.Strings(names)
	return names
}

// Specs returns every verifier's Spec in name order.
func (r *Registry) Specs() []Spec {
	names := r.Names()
	specs := make([]Spec, 0, len(names))
	for _, n := range names {
		v, _ := r.Lookup(n)
		specs = append(specs, v.Spec())
	}
	return specs
}

// All returns every verifier in name order.
func (r *Registry) All() []Verifier {
	names := r.Names()
	vs := make([]Verifier, 0, len(names))
	for _, n := range names {
		v, _ := r.Lookup(n)
		vs = append(vs, v)
	}
	return vs
}
