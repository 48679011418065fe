package netconfig

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// stateTree renders the normalized model as JSON-shaped values:
//
//	hostname: string
//	interfaces: {name: {ipv4: ["10.0.0.1/24"], shutdown, description, filter_in, filter_out, ospf_area, ospf_passive}}
//	ospf: {process, router_id, areas: {"0": {networks: [...], interfaces: [...]}}, passive_interfaces: [...]}
//	static_routes: [{prefix, next_hop, interface}]
//	filters: [names]
//	vty_access_class: [names]
//
// OSPF areas are written in decimal ("0", "51"); dotted areas are converted.
func stateTree(cfg *Config) map[string]any {
	ifs := map[string]any{}
	for name, it := range cfg.Interfaces {
		m := map[string]any{
			"ipv4":         strs(it.IPv4),
			"shutdown":     it.Shutdown,
			"description":  it.Description,
			"filter_in":    filterVal(it.In),
			"filter_out":   filterVal(it.Out),
			"ospf_area":    nilIfEmpty(it.OSPFArea),
			"ospf_passive": it.Passive,
		}
		ifs[name] = m
	}
	routes := []any{}
	for _, r := range cfg.Routes {
		m := map[string]any{"prefix": r.Prefix}
		if r.NextHop != "" {
			m["next_hop"] = r.NextHop
		}
		if r.Interface != "" {
			m["interface"] = r.Interface
		}
		if r.Distance > 0 {
			m["distance"] = float64(r.Distance)
		}
		routes = append(routes, m)
	}
	t := map[string]any{
		"hostname":         cfg.Hostname,
		"interfaces":       ifs,
		"static_routes":    routes,
		"filters":          strs(cfg.chainOrder),
		"vty_access_class": strs(cfg.VTYClass),
	}
	if len(cfg.OSPF) > 0 {
		areas := map[string]any{}
		var passive []string
		var rid, proc string
		for _, o := range cfg.OSPF {
			if proc == "" {
				proc, rid = o.ID, o.RouterID
			}
			passive = append(passive, o.Passive...)
			for _, n := range o.Networks {
				a := areaMap(areas, n.Area)
				if n.Prefix != "" {
					a["networks"] = append(a["networks"].([]any), n.Prefix)
				}
			}
		}
		for name, it := range cfg.Interfaces {
			if it.OSPFArea != "" {
				a := areaMap(areas, it.OSPFArea)
				a["interfaces"] = append(a["interfaces"].([]any), name)
				if it.Passive {
					passive = append(passive, name)
				}
			}
		}
		for _, a := range areas {
			m := a.(map[string]any)
			sortAny(m["networks"].([]any))
			sortAny(m["interfaces"].([]any))
		}
		t["ospf"] = map[string]any{"process": proc, "router_id": nilIfEmpty(rid), "areas": areas, "passive_interfaces": strs(uniqStrings(passive))}
	}
	return t
}

func areaMap(areas map[string]any, area string) map[string]any {
	if a, ok := areas[area]; ok {
		return a.(map[string]any)
	}
	a := map[string]any{"networks": []any{}, "interfaces": []any{}}
	areas[area] = a
	return a
}

func sortAny(xs []any) {
	sort.Slice(xs, func(i, j int) bool { return fmt.Sprint(xs[i]) < fmt.Sprint(xs[j]) })
}

func uniqStrings(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, x := range s {
		if i == 0 || x != s[i-1] {
			out = append(out, x)
		}
	}
	return out
}

func strs(s []string) []any {
	out := make([]any, len(s))
	for i, x := range s {
		out[i] = x
	}
	return out
}

// filterVal is a filter name, or the list of a Junos filter list.
func filterVal(s []string) any {
	switch len(s) {
	case 0:
		return nil
	case 1:
		return s[0]
	}
	return strs(s)
}

func isZero(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case string:
		return x == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// normArea writes an OSPF area in decimal.
func normArea(a string) string {
	if v, ok := parseIPv4(a); ok {
		return strconv.FormatUint(uint64(v), 10)
	}
	if n, err := strconv.ParseUint(a, 10, 32); err == nil {
		return strconv.FormatUint(n, 10)
	}
	return a
}

func checkState(cfg *Config, c *check) *CheckReport {
	r := &CheckReport{Expected: c.expect}
	var cur any = stateTree(cfg)
	for i, key := range c.path {
		m, ok := cur.(map[string]any)
		if !ok {
			r.Reason = fmt.Sprintf("path element %q: not an object", key)
			return r
		}
		if i == 1 && c.path[0] == "interfaces" {
			key = cfg.normIface(key)
		}
		if i == 2 && c.path[0] == "ospf" && c.path[1] == "areas" {
			key = normArea(key)
		}
		v, ok := m[key]
		if !ok {
			r.Reason = fmt.Sprintf("%s is not in the config", strings.Join(c.path[:i+1], "."))
			return r
		}
		cur = v
	}
	// Round-trip so numbers compare as float64 on both sides.
	b, _ := json.Marshal(cur)
	var actual any
	_ = json.Unmarshal(b, &actual)
	r.Actual = actual
	r.Complies = stateMatch(normExpect(c.expect, c.path), actual, c.strict)
	return r
}

// normExpect canonicalizes expected values the model normalizes too:
// dotted OSPF areas and abbreviated interface names are not rewritten here
// (keys are), but "a.b.c.d m.m.m.m" addresses become prefixes.
func normExpect(v any, path []string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			kk := k
			if len(path) >= 2 && path[0] == "ospf" && path[len(path)-1] == "areas" {
				kk = normArea(k)
			}
			if k == "ospf_area" {
				if s, ok := vv.(string); ok {
					vv = normArea(s)
				}
			}
			out[kk] = normExpect(vv, append(path, k))
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = normExpect(vv, path)
		}
		return out
	case string:
		// "a.b.c.d m.m.m.m" (netmask) and "a.b.c.d w.w.w.w" (wildcard, as in
		// OSPF network statements) become prefixes.
		if a, m, ok := strings.Cut(x, " "); ok {
			av, ok1 := parseIPv4(a)
			mv, ok2 := parseIPv4(strings.TrimSpace(m))
			if ok1 && ok2 {
				if !isContiguousMask(mv) && isContiguousMask(^mv) {
					mv = ^mv
					av &= mv
				}
				if isContiguousMask(mv) {
					return fmt.Sprintf("%s/%d", ipString(av), popcount(mv))
				}
			}
		}
		return x
	}
	return v
}

// stateMatch compares expected to actual. Subset: objects may have extra
// keys and lists extra elements (each expected element must match some
// actual one). Strict: objects have the same keys and lists the same
// elements in any order, and objects no extra keys with non-empty values.
func stateMatch(want, got any, strict bool) bool {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return false
		}
		if strict {
			for k, gv := range g {
				if _, ok := w[k]; !ok && !isZero(gv) {
					return false
				}
			}
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok {
				if wv == nil {
					continue
				}
				return false
			}
			if !stateMatch(wv, gv, strict) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok {
			if !strict && len(w) == 1 {
				return stateMatch(w[0], got, strict)
			}
			return false
		}
		if strict && len(g) != len(w) {
			return false
		}
		used := make([]bool, len(g))
		for _, wv := range w {
			found := false
			for j, gv := range g {
				if !used[j] && stateMatch(wv, gv, strict) {
					used[j], found = true, true
					break
				}
			}
			if !found {
				return false
			}
		}
		return true
	case string:
		g, ok := got.(string)
		return ok && (g == w || strings.EqualFold(g, w) && looksLikeName(w))
	default:
		return fmt.Sprint(want) == fmt.Sprint(got) && (want == nil) == (got == nil)
	}
}

func looksLikeName(s string) bool { return !strings.ContainsAny(s, " ") }
