package netconfig

import (
	"fmt"
	"sort"
	"strings"
)

// Limits on the untrusted configuration text.
const (
	// MaxConfigBytes bounds a response (and an original config).
	MaxConfigBytes = 1 << 20
	// MaxLines bounds the number of lines parsed.
	MaxLines = 50000
	// maxNotes bounds how many diagnostics of each kind the details repeat.
	maxNotes = 50
	// maxLineEcho bounds how much of a line the details repeat.
	maxLineEcho = 200
)

// Note is a diagnostic about one line of the configuration.
type Note struct {
	Line    int    `json:"line"`
	Text    string `json:"text"`
	Message string `json:"message,omitempty"`
}

// Iface is an interface (a Junos logical unit) of the normalized model.
type Iface struct {
	Name        string
	IPv4        []string
	Shutdown    bool
	Description string
	In, Out     []string // bound filters in order
	InLine      int
	OutLine     int
	OSPFArea    string
	Passive     bool
	Line        int
}

// Route is a static route.
type Route struct {
	Prefix    string
	NextHop   string
	Interface string
	Distance  int
}

// OSPF is one OSPF process or instance.
type OSPF struct {
	ID             string
	RouterID       string
	Networks       []ospfNet
	Passive        []string
	PassiveDefault bool
}

type ospfNet struct {
	Prefix string
	Area   string
	set    cube
}

// ref is a named reference from one part of the config to another.
type ref struct {
	Kind string
	Name string
	Line int
}

// Config is the vendor-neutral model every dialect parses into.
type Config struct {
	Dialect    string
	Lines      []string
	Hostname   string
	Interfaces map[string]*Iface
	Chains     map[string]*Chain
	chainOrder []string
	OSPF       []*OSPF
	Routes     []Route
	VTYClass   []string

	Unrecognized []Note
	Unmodeled    []Note
	Errors       []Note

	// defined and used names for the references check, by kind
	defined map[string]map[string]int
	used    []ref

	// netfilter: base chains per hook, in traversal order
	hooks map[string][]*Chain
}

func newConfig(dialect string, lines []string) *Config {
	return &Config{
		Dialect:    dialect,
		Lines:      lines,
		Interfaces: map[string]*Iface{},
		Chains:     map[string]*Chain{},
		defined:    map[string]map[string]int{},
		hooks:      map[string][]*Chain{},
	}
}

func (c *Config) lineText(n int) string {
	if n < 1 || n > len(c.Lines) {
		return ""
	}
	return clip(strings.TrimSpace(c.Lines[n-1]))
}

func clip(s string) string {
	if len(s) > maxLineEcho {
		s = s[:maxLineEcho]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
			s = s[:len(s)-1]
		}
		return s + "..."
	}
	return s
}

func (c *Config) errorf(line int, format string, args ...any) {
	c.Errors = append(c.Errors, Note{Line: line, Text: c.lineText(line), Message: fmt.Sprintf(format, args...)})
}

func (c *Config) unrecognized(line int) {
	c.Unrecognized = append(c.Unrecognized, Note{Line: line, Text: c.lineText(line)})
}

func (c *Config) unmodeled(line int, why string) {
	c.Unmodeled = append(c.Unmodeled, Note{Line: line, Text: c.lineText(line), Message: why})
}

func (c *Config) define(kind, name string, line int) {
	m := c.defined[kind]
	if m == nil {
		m = map[string]int{}
		c.defined[kind] = m
	}
	if _, ok := m[name]; !ok {
		m[name] = line
	}
}

func (c *Config) use(kind, name string, line int) {
	c.used = append(c.used, ref{kind, name, line})
}

func (c *Config) iface(name string, line int) *Iface {
	if it, ok := c.Interfaces[name]; ok {
		return it
	}
	it := &Iface{Name: name, Line: line}
	c.Interfaces[name] = it
	return it
}

func (c *Config) addChain(key string, ch *Chain) {
	if _, ok := c.Chains[key]; !ok {
		c.chainOrder = append(c.chainOrder, key)
	}
	c.Chains[key] = ch
}

// references returns the undefined and unused names, sorted.
func (c *Config) references() (undefined, unused []ref) {
	usedSet := map[string]bool{}
	for _, r := range c.used {
		usedSet[r.Kind+"\x00"+r.Name] = true
		if _, ok := c.defined[r.Kind][r.Name]; !ok {
			undefined = append(undefined, r)
		}
	}
	kinds := make([]string, 0, len(c.defined))
	for k := range c.defined {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		for name, line := range c.defined[k] {
			if !usedSet[k+"\x00"+name] {
				unused = append(unused, ref{k, name, line})
			}
		}
	}
	sortRefs(undefined)
	sortRefs(unused)
	return undefined, unused
}

func sortRefs(rs []ref) {
	sort.Slice(rs, func(i, j int) bool {
		if rs[i].Line != rs[j].Line {
			return rs[i].Line < rs[j].Line
		}
		if rs[i].Kind != rs[j].Kind {
			return rs[i].Kind < rs[j].Kind
		}
		return rs[i].Name < rs[j].Name
	})
}

// gateOK applies the syntax gate.
func (c *Config) gateOK(mustParse bool, maxUnrec int) (bool, string) {
	if mustParse && len(c.Errors) > 0 {
		n := c.Errors[0]
		return false, fmt.Sprintf("syntax gate failed: %d invalid line(s); first at line %d: %s", len(c.Errors), n.Line, n.Message)
	}
	if maxUnrec >= 0 && len(c.Unrecognized) > maxUnrec {
		return false, fmt.Sprintf("syntax gate failed: %d unrecognized line(s), at most %d allowed", len(c.Unrecognized), maxUnrec)
	}
	return true, ""
}

// Target names what a packet, space or reachability check evaluates.
type Target struct {
	Interface string `json:"interface,omitempty"`
	Direction string `json:"direction,omitempty"`
	Filter    string `json:"filter,omitempty"`
	Family    string `json:"family,omitempty"`
	Table     string `json:"table,omitempty"`
	Chain     string `json:"chain,omitempty"`
	Hook      string `json:"hook,omitempty"`
}

// program resolves a target to what evaluates packets there. A missing
// filter is an error for explicit filter/chain targets; an interface without
// a (defined) filter permits, as the devices do.
func (c *Config) program(t *Target) (*Program, error) {
	switch c.Dialect {
	case dialectIOS, dialectJunos:
		if t.Interface != "" {
			name := c.normIface(t.Interface)
			it := c.Interfaces[name]
			pr := &Program{acceptEnds: true, desc: name + " " + t.Direction}
			if it == nil {
				return pr, nil
			}
			list := it.In
			if t.Direction == "out" {
				list = it.Out
			}
			for i, f := range list {
				ch := c.Chains[f]
				if ch == nil {
					continue
				}
				pr.stages = append(pr.stages, stage{chain: ch, fallThrough: i+1 < len(list)})
			}
			return pr, nil
		}
		if t.Filter != "" {
			ch := c.Chains[t.Filter]
			if ch == nil {
				return nil, fmt.Errorf("filter %q is not defined", t.Filter)
			}
			return &Program{stages: []stage{{chain: ch}}, acceptEnds: true, desc: t.Filter}, nil
		}
		return nil, fmt.Errorf("target needs an interface and direction, or a filter")
	case dialectIptables, dialectNft:
		if t.Chain != "" && (t.Table != "" || c.Dialect == dialectNft && t.Filter == "") {
			key := c.chainKey(t)
			ch := c.Chains[key]
			if ch == nil {
				return nil, fmt.Errorf("chain %q is not defined", key)
			}
			return &Program{stages: []stage{{chain: ch}}, desc: key}, nil
		}
		if t.Filter != "" {
			// A filter name: a chain key, else a chain of that name (the
			// filter table's first for iptables, then any table's).
			if ch := c.chainByName(t.Filter); ch != nil {
				return &Program{stages: []stage{{chain: ch}}, desc: ch.Name}, nil
			}
			if t.Chain == "" && t.Hook == "" {
				return nil, fmt.Errorf("chain %q is not defined", t.Filter)
			}
		}
		hook := strings.ToLower(t.Hook)
		if hook == "" {
			hook = strings.ToLower(t.Chain)
		}
		if hook == "" {
			return nil, fmt.Errorf("target needs a table and chain, or a hook")
		}
		path := c.hookPath(hook)
		if path == nil {
			return nil, fmt.Errorf("unknown hook %q", hook)
		}
		pr := &Program{desc: "hook " + hook}
		for _, ch := range path {
			pr.stages = append(pr.stages, stage{chain: ch})
		}
		return pr, nil
	}
	return nil, fmt.Errorf("unknown dialect")
}

func (c *Config) chainByName(name string) *Chain {
	if ch := c.Chains[name]; ch != nil {
		return ch
	}
	if ch := c.Chains["filter/"+name]; ch != nil {
		return ch
	}
	for _, k := range c.chainOrder {
		if ch := c.Chains[k]; ch.Short == name {
			return ch
		}
	}
	return nil
}

func (c *Config) chainKey(t *Target) string {
	if c.Dialect == dialectIptables {
		return t.Table + "/" + t.Chain
	}
	fam := t.Family
	if fam == "" {
		fam = "ip"
		if _, ok := c.Chains["inet "+t.Table+" "+t.Chain]; ok {
			fam = "inet"
		}
	}
	return fam + " " + t.Table + " " + t.Chain
}

// hookPath lists the base chains a packet crosses for a netfilter hook: for
// "input" the prerouting chains then the input ones; for "forward" also
// postrouting; for "output" output then postrouting.
func (c *Config) hookPath(hook string) []*Chain {
	var hooks []string
	switch hook {
	case "input":
		hooks = []string{"prerouting", "input"}
	case "forward":
		hooks = []string{"prerouting", "forward", "postrouting"}
	case "output":
		hooks = []string{"output", "postrouting"}
	case "prerouting", "postrouting":
		hooks = []string{hook}
	default:
		return nil
	}
	path := []*Chain{}
	for _, h := range hooks {
		path = append(path, c.hooks[h]...)
	}
	return path
}

// sortHooks orders each hook's base chains by priority, ties by name.
func (c *Config) sortHooks() {
	for _, list := range c.hooks {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Priority != list[j].Priority {
				return list[i].Priority < list[j].Priority
			}
			return list[i].Name < list[j].Name
		})
	}
}

// normIface canonicalizes an interface name for lookups.
func (c *Config) normIface(name string) string {
	switch c.Dialect {
	case dialectIOS:
		return normIOSIface(name)
	case dialectJunos:
		if !strings.Contains(name, ".") {
			return name + ".0"
		}
	}
	return name
}

// bodies of filters for no_unreachable_lines: the selected chains.
func (c *Config) selectChains(t *Target) ([]*Chain, error) {
	if t == nil || t.Filter == "*" || (t.Filter == "" && t.Chain == "" && t.Interface == "" && t.Hook == "") {
		out := make([]*Chain, 0, len(c.chainOrder))
		for _, k := range c.chainOrder {
			out = append(out, c.Chains[k])
		}
		return out, nil
	}
	pr, err := c.program(t)
	if err != nil {
		return nil, err
	}
	seen := map[*Chain]bool{}
	var out []*Chain
	var walk func(ch *Chain)
	walk = func(ch *Chain) {
		if ch == nil || seen[ch] {
			return
		}
		seen[ch] = true
		out = append(out, ch)
		for _, r := range ch.Rules {
			walk(r.target)
		}
	}
	for _, st := range pr.stages {
		walk(st.chain)
	}
	return out, nil
}
